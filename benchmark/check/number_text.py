"""How numbers read in the check and ablation reports: finite tests, fixed digits, counts, MACs."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from methods import format_value

MISSING = "–"


def finite(value: Any) -> bool:
    """Whether `value` reads as a finite number (None, text and NaN do not)."""
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def fixed(value: Any, digits: int) -> str:
    """A number with `digits` decimals, or '–'."""
    return f"{float(value):.{digits}f}" if finite(value) else MISSING


def count(value: Any) -> str:
    """A whole number with thousands separators, or '–'."""
    return f"{int(float(value)):,}" if finite(value) else MISSING


def macs(value: Any) -> str:
    """MACs in a readable unit (K, M, G), or '–'."""
    if not finite(value):
        return MISSING
    number = float(value)
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if number >= scale:
            return f"{number / scale:.3g} {unit}"
    return f"{number:.3g}"


def short(value: Any, limit: int = 24) -> str:
    """`value` as text, cut to `limit` characters with '...'."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_number(value: Any) -> bool:
    """Whether `value` is a real number (numpy's included) and not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def param_text(value: Any) -> str:
    """A parameter value as tables and axes show it: numbers short ('1', '0.25'), else spec text."""
    if is_number(value) and finite(value):
        return f"{value:g}"
    return MISSING if value is None else format_value(value)
