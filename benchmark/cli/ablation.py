"""`benchmark ablation`: a spec grid's table and heat map of a run."""

from __future__ import annotations

import argparse

from ..check.ablation import build_ablation


def cmd_ablation(args: argparse.Namespace) -> int:
    """Run `ablation`: the table and figure of one method's spec grid in RUN_DIR."""

    paths = build_ablation(args.run_dir, args.out, args.method)
    print(paths["markdown"].read_text(encoding="utf-8"), end="")
    written = [
        paths["markdown"],
        paths["csv"],
        *(paths[k] for k in ("heatmap", "plot") if k in paths),
    ]
    print(f"written: {', '.join(str(p) for p in written)}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `ablation` subcommand."""
    p = sub.add_parser(
        "ablation",
        help="a method's spec grid (e.g. LNet-GIE rm x wm): table and heat map of a run",
    )
    p.add_argument("run_dir", help="a run folder holding a method's variants (e.g. lnet-gie)")
    p.add_argument(
        "--method",
        default=None,
        metavar="NAME",
        help="the method whose variants to tabulate (default: the one with the most in the run)",
    )
    p.add_argument("--out", default=None, help="output folder (default RUN_DIR/ablation)")
    p.set_defaults(func=cmd_ablation)
