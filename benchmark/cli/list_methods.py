"""`benchmark list`: every registered method (kind, size, weights, spec parameters) and metric."""

from __future__ import annotations

import argparse

import methods
from methods import Method, format_value, shipped_weights_for

from ..metrics import all_metrics


def weights_text(method: Method) -> str:
    """Which weights a method has, or how to get them."""
    if method.kind != "neural":
        return f"n/a ({method.kind})"
    shipped = shipped_weights_for(method.spec)
    if shipped:
        return f"shipped: {shipped.name}"
    return f"none: pass --weights {method.name}=PATH or train it"


def parameters_text(method: Method) -> str:
    """The spec parameters: key=default, with the allowed values where they are limited."""
    parts = []
    for key, param in sorted(method.all_params().items()):
        allowed = f" ({param.check_msg})" if param.check_msg else ""
        parts.append(f"{key}={format_value(param.default)}{allowed}")
    return ", ".join(parts)


def cmd_list(args: argparse.Namespace) -> int:
    """Print each registered method: kind, parameters, weights, then its spec parameters."""
    print(f"{'method':<16}{'kind':<11}{'params':>12}  weights")
    for name in methods.available_methods():
        method = methods.get_method(name, device="cpu", use_shipped=False)
        print(f"{name:<16}{method.kind:<11}{method.num_params:>12,}  {weights_text(method)}")
        if method.all_params():
            print(f"{'':<16}spec: {parameters_text(method)}")
    print(f"\n{'metric':<19}{'kind':<16}better  status")
    for metric in all_metrics():
        better = "higher" if metric.higher_is_better else "lower"
        data = "paired data" if metric.kind == "full-reference" else "data without ground truth"
        status = f"default on {data}" if metric.default else "on request (--metrics)"
        if not metric.available:
            status = f"unavailable: {metric.needs}"
        print(f"{metric.name:<19}{metric.kind:<16}{better:<8}{status}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `list` subcommand."""
    p = sub.add_parser("list", help="methods (kinds, parameters, weights) and metrics available")
    p.set_defaults(func=cmd_list)
