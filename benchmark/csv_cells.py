"""CSV cells safe to open in a spreadsheet: text that would run as a formula gets a quote guard.

A cell starting with '=', '+', '-', '@', a tab or a carriage return is evaluated by Excel,
LibreOffice and Google Sheets (CSV/formula injection, OWASP), so an image id such as
`=cmd|' /C calc'!A0` must never be written raw. Such text cells get a leading "'" (OWASP's
advice; numbers such as -1.5 are left alone). The guard is reversible: `unguard_cell` strips
it, and a raw cell that itself starts with quotes before such a character gets one more quote,
so every raw value comes back exactly. The suite's own readers (resume, report, check) use
`unguard_frame`; elsewhere, `read_csv` here returns the raw cells.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")  # what a spreadsheet reads as one


def _is_number(text: str) -> bool:
    return bool(NUMBER.match(text))


def _needs_guard(text: str) -> bool:
    """True when `text`, stripped of leading quotes, would start a formula (and is no number)."""
    return text.lstrip(GUARD).startswith(TRIGGERS) and not _is_number(text)


def guard_cell(value: Any) -> Any:
    """`value` as written to a CSV for people: text that could run as a formula gets "'"."""
    if isinstance(value, str) and _needs_guard(value):
        return GUARD + value
    return value


def unguard_cell(value: Any) -> Any:
    """The raw value of a cell written by `guard_cell` (anything else is returned unchanged)."""
    if isinstance(value, str) and value.startswith(GUARD) and _needs_guard(value[1:]):
        return value[1:]
    return value


def guard_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A dict row with every text cell guarded."""
    return {key: guard_cell(value) for key, value in row.items()}


def _map_text(frame: pd.DataFrame, func: Any) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(func)
    out.columns = [func(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell (and column name) guarded."""
    return _map_text(frame, guard_cell)


def unguard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` read from a guarded CSV, with the raw text back."""
    return _map_text(frame, unguard_cell)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """`frame.to_csv(path, index=False)` with formula-like text guarded."""
    guard_frame(frame).to_csv(path, index=False)


def read_csv(path: str | Path, **options: Any) -> pd.DataFrame:
    """A CSV the suite wrote, with the raw cells back (the guard quotes stripped)."""
    return unguard_frame(pd.read_csv(path, **options))
