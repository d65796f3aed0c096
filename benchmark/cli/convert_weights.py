"""`benchmark convert-weights`: a checkpoint that needs unpickling -> a safe state_dict."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import torch

import methods

from ..errors import UsageError
from ..files import atomic_write_bytes


def cmd_convert_weights(args: argparse.Namespace) -> int:
    """Load SRC trusted, write its state_dict to DST (a file that loads without trust)."""
    src, out = Path(args.src), Path(args.dst)
    if out.is_dir():
        raise UsageError(f"DST {out} is a folder: give a file name, e.g. {out / 'model.pth'}")
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise UsageError("DST is SRC: write the safe copy to another file")
    if out.exists() and not args.overwrite:
        raise UsageError(f"{out} exists: pass --overwrite to replace it")
    method = methods.get_method(args.method, device="cpu", weights=src, trust_weights=True)
    buffer = io.BytesIO()
    torch.save(method.module.state_dict(), buffer)
    atomic_write_bytes(out, buffer.getvalue())
    print(f"wrote a safe state_dict for {method.spec} to {out} (loads without --trust-weights)")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `convert-weights` subcommand."""
    p = sub.add_parser(
        "convert-weights",
        help="turn a checkpoint that needs full unpickling into a safe state_dict (trusts SRC)",
    )
    p.add_argument("method", help="method spec, e.g. msbdn-dff")
    p.add_argument("src", help="the checkpoint to convert (loaded trusted: only files you trust)")
    p.add_argument("dst", help="where to write the safe state_dict (a new file)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing DST")
    p.set_defaults(func=cmd_convert_weights)
