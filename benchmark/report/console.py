"""The one-screen summary printed at the end of a run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..metrics import all_metrics
from .summary import load_summary


def _num(value: object, fmt: str) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "-"
    return "-" if pd.isna(number) else format(number, fmt)


def format_summary(summary: pd.DataFrame) -> str:
    """Per spec: the headline metrics, n, params, latency and status, one line each."""
    shown = [m for m in all_metrics() if m.headline and f"{m.name}_mean" in summary.columns]
    widths = [max(8, len(m.label) + 2) for m in shown]  # long labels keep a gap between columns
    heads = "".join(f"{m.label:>{w}}" for m, w in zip(shown, widths, strict=True))
    header = f"{'method':<28}{heads}{'n':>6}{'params':>12}{'ms/img':>9}  status"
    lines = [header, "-" * len(header)]
    for _, row in summary.iterrows():
        status = str(row.get("status", ""))
        if status not in ("done", "nan") and row.get("reason"):
            status = f"{status}: {row['reason']}"
        lines.append(
            f"{str(row['spec'])[:27]:<28}"
            + "".join(
                f"{_num(row.get(f'{m.name}_mean'), f'.{m.digits}f'):>{w}}"
                for m, w in zip(shown, widths, strict=True)
            )
            + f"{int(row.get('n_images', 0)):>6}"
            f"{_num(row.get('params'), ',.0f'):>12}{_num(row.get('latency_median_ms'), '.1f'):>9}"
            f"  {status[:90]}"
        )
    return "\n".join(lines)


def print_summary(run_dir: Path, problems: Sequence[str]) -> None:
    """Print the summary table, what failed, and where the results are."""
    print(format_summary(load_summary(run_dir)))
    print()
    if problems:
        data_only = all(p.startswith("data:") for p in problems)
        head = "COMPLETE, but the data set had problems" if data_only else "INCOMPLETE"
        print(f"{head}: {len(problems)} problem(s):")
        for problem in problems:
            print(f"  - {problem}")
    else:
        print("complete: everything asked for was computed")
    print(f"results: {run_dir} (report.md, table1.md, table2.md, figures/)")
