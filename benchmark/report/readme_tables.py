"""The README's copies of a run's Tables 1 and 2, refreshed from the run (never typed by hand).

Each table sits between `<!-- NAME -->` and `<!-- /NAME -->` markers in the README; `refresh`
replaces what is between them with the run's table (Table 1: the rows that scored images).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..csv_cells import read_csv
from ..files import atomic_write_text
from .table_formats import to_markdown


def readme_tables(run_dir: Path) -> dict[str, str]:
    """Marker name -> Markdown table, from a run's table1.csv and table2.csv.

    Markers are named after the run folder: reports/baseline gives `baseline-table1` and
    `baseline-table2`, reports/real-smoke `real-smoke-table1` and `real-smoke-table2`.
    """
    table1 = read_csv(run_dir / "table1.csv", dtype=str, keep_default_na=False)
    table2 = read_csv(run_dir / "table2.csv", dtype=str, keep_default_na=False)
    scored = table1[pd.to_numeric(table1["n"]) > 0].copy()
    scored["n"] = pd.to_numeric(scored["n"])
    name = run_dir.name
    return {f"{name}-table1": to_markdown(scored), f"{name}-table2": to_markdown(table2)}


def refresh(readme: Path, run_dir: Path) -> list[str]:
    """Replace each marked table in `readme` with the run's; returns the markers refreshed."""
    text = readme.read_text(encoding="utf-8")
    done = []
    for name, table in readme_tables(run_dir).items():
        pattern = re.compile(rf"(<!-- {name} -->\n).*?(<!-- /{name} -->)", re.S)
        text, count = pattern.subn(lambda m, t=table: m.group(1) + t + m.group(2), text)
        if count:
            done.append(name)
    atomic_write_text(readme, text)
    return done
