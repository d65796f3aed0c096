"""`benchmark convert-weights`: a checkpoint that needs unpickling -> a safe state_dict."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import methods


def cmd_convert_weights(args: argparse.Namespace) -> int:
    """Load SRC trusted, write its state_dict to DST (a file that loads without trust)."""
    method = methods.get_method(args.method, device="cpu", weights=args.src, trust_weights=True)
    out = Path(args.dst)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(method.module.state_dict(), out)
    print(f"wrote a safe state_dict for {method.spec} to {out} (loads without --trust-weights)")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `convert-weights` subcommand."""
    p = sub.add_parser(
        "convert-weights",
        help="turn a checkpoint that needs full unpickling into a safe state_dict (trusts SRC)",
    )
    p.add_argument("method", help="method spec, e.g. msbdn-dff")
    p.add_argument("src")
    p.add_argument("dst")
    p.set_defaults(func=cmd_convert_weights)
