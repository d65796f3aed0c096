"""`benchmark ablation`: a spec grid's table and heat map of a run."""

from __future__ import annotations

import argparse

from ..ablation import build_ablation


def cmd_ablation(args: argparse.Namespace) -> int:
    """Run `ablation`: the rm x wm table and heat map of RUN_DIR."""

    paths = build_ablation(args.run_dir, args.out)
    print(paths["markdown"].read_text(encoding="utf-8"), end="")
    print(f"written: {paths['markdown']}, {paths['csv']}, {paths['heatmap']}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `ablation` subcommand."""
    p = sub.add_parser("ablation", help="LNet-GIE rm x wm table and PSNR heat map of a run")
    p.add_argument("run_dir", help="a run folder holding lnet-gie variants")
    p.add_argument("--out", default=None, help="output folder (default RUN_DIR/ablation)")
    p.set_defaults(func=cmd_ablation)
