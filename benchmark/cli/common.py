"""Option groups and argument parsing shared by several commands."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import methods

from ..errors import UsageError


def parse_weights(items: Sequence[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        name, eq, path = item.rpartition("=")  # a variant spec holds '=' itself
        if not eq or not name or not path:
            raise UsageError(f"--weights takes NAME=PATH (e.g. ffanet=ffa.pk), got {item!r}")
        out[methods.canonical_spec(name) if ":" in name else name] = path
    return out


def data_options(args: argparse.Namespace) -> dict[str, object]:
    options: dict[str, object] = {}
    if getattr(args, "size", None) is not None:
        options["size"] = args.size
    if getattr(args, "seed", None) is not None:
        options["seed"] = args.seed
    return options


def add_data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default=None, help="paired folder (default: built-in synthetic)")
    parser.add_argument("--size", type=int, default=None, help="synthetic frame size (256)")
    parser.add_argument("--seed", type=int, default=None, help="synthetic generator seed (0)")
