"""`benchmark report`: regenerate tables and figures from a run's stored rows."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from ..errors import UsageError
from ..report import build_report
from ..run.store import RunStore

RUN_FILES = ("manifest.json", "per_image.csv", "methods.csv")


def refuse_other_run(run_dir: Path, out: str | None) -> None:
    """UsageError when --out is another run's folder (its tables would no longer match its rows)."""
    if out is None:
        return
    folder = Path(out)
    if not folder.is_dir() or folder.resolve() == run_dir.resolve():
        return
    if os.path.samefile(folder, run_dir):
        return
    held = [name for name in RUN_FILES if (folder / name).exists()]
    if held:
        raise UsageError(
            f"--out {out} is another run's folder (it holds {', '.join(held)}): its tables and "
            f"report would no longer match its rows; choose an empty or new folder"
        )


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild summary, tables, figures and report.md of RUN_DIR from its rows."""
    run_dir = Path(args.run_dir)
    if not (run_dir / "manifest.json").is_file():
        raise UsageError(f"{run_dir} is not a run folder (no manifest.json inside)")
    refuse_other_run(run_dir, args.out)
    if not RunStore(run_dir).methods_path.is_file():
        print(
            f"warning: {run_dir}/methods.csv is missing: Table 2 (size and cost) has no values "
            "(restore the file, or resume the run to profile the methods again)",
            file=sys.stderr,
        )
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
