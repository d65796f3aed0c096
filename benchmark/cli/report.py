"""`benchmark report`: regenerate tables and figures from a run's stored rows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ..errors import UsageError
from ..report import build_report


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild summary, tables, figures and report.md of RUN_DIR from its rows."""
    run_dir = Path(args.run_dir)
    if not (run_dir / "manifest.json").is_file():
        raise UsageError(f"{run_dir} is not a run folder (no manifest.json inside)")
    paths = build_report(run_dir, out=args.out)
    print(f"report written: {paths['report']}")
    if not (pd.read_csv(paths["summary"])["n_images"] > 0).any():
        print(f"error: {run_dir} holds no scored image: nothing to report", file=sys.stderr)
        return 1
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `report` subcommand."""
    p = sub.add_parser("report", help="regenerate tables and figures from a run's rows")
    p.add_argument("run_dir", help="a run folder, e.g. reports/runs/RUN_ID")
    p.add_argument(
        "--out", default=None, help="write the report here instead of into RUN_DIR (read-only runs)"
    )
    p.set_defaults(func=cmd_report)
