"""`benchmark data`: export the synthetic data set as PNGs, or describe a data set."""

from __future__ import annotations

import argparse
import json

from ..data import export, open_dataset
from .common import add_data_args, data_options, positive_int


def cmd_data(args: argparse.Namespace) -> int:
    """Export pairs as PNG folders, or print the data set's description (and problems) as JSON."""
    dataset = open_dataset(args.data, **data_options(args))
    if args.action == "export":
        count = export(
            dataset, args.out, split=args.split, limit=args.limit, overwrite=args.overwrite
        )
        print(f"wrote {count} pairs to {args.out}/hazy and {args.out}/clear")
        return 0
    # check first: it loads every pair, so the counts and notes below are the final ones
    problems = dataset.check() if args.check and hasattr(dataset, "check") else []
    info = dict(dataset.info())
    info["fingerprint"] = dataset.fingerprint
    if args.check:
        info["problems"] = problems
    print(json.dumps(info, indent=2, default=str))
    return 1 if problems else 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `data` command: export|info with the data options, output folder, split and limit."""
    p = sub.add_parser("data", help="export the synthetic data set as PNGs, or describe data")
    p.add_argument(
        "action", choices=["export", "info"], help="export: write PNGs; info: describe as JSON"
    )
    add_data_args(p)
    p.add_argument("--out", default="data/synthetic", help="export folder")
    p.add_argument("--split", default="test", choices=["test", "train", "all"], help="which split")
    p.add_argument(
        "--limit", type=positive_int, default=None, help="export: only the first N pairs"
    )
    p.add_argument("--overwrite", action="store_true", help="export: replace an existing folder")
    p.add_argument("--check", action="store_true", help="info: load every pair and report problems")
    p.set_defaults(func=cmd_data)
