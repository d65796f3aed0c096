"""`benchmark list`: every registered method with its kind, size and weights."""

from __future__ import annotations

import argparse

import methods


def cmd_list(args: argparse.Namespace) -> int:
    """Print one line per registered method: kind, parameters, which weights it has."""
    from methods.core.weights import shipped_weights_for

    print(f"{'method':<16}{'kind':<11}{'params':>12}  weights")
    for name in methods.available_methods():
        method = methods.get_method(name, device="cpu", use_shipped=False)
        if method.kind == "classical":
            weights = "n/a (classical)"
        else:
            shipped = shipped_weights_for(method.spec)
            weights = (
                f"shipped: {shipped.name}"
                if shipped
                else (f"none: pass --weights {name}=PATH or train it")
            )
        print(f"{name:<16}{method.kind:<11}{method.num_params:>12,}  {weights}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `list` subcommand."""
    p = sub.add_parser("list", help="methods, kinds, parameters, weights available")
    p.set_defaults(func=cmd_list)
