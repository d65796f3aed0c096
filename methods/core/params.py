"""Spec parameters: a typed, range-checked value with a default, and its canonical text."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import SpecError


@dataclass(frozen=True)
class Param:
    """One spec parameter: its type, default and allowed values."""

    default: Any
    kind: type = float
    help: str = ""
    check: Callable[[Any], bool] | None = None
    check_msg: str = ""

    def parse(self, key: str, text: str) -> Any:
        """Turn the text of `key=text` into a typed value, or raise SpecError."""
        try:
            if self.kind is bool:
                low = text.strip().lower()
                if low not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(text)
                value: Any = low in {"1", "true", "yes", "on"}
            elif self.kind is int:
                value = int(float(text)) if float(text).is_integer() else int(text)
            elif self.kind is float:
                value = float(text)
                if not math.isfinite(value):
                    raise ValueError(text)
            else:
                value = self.kind(text)
        except ValueError:
            raise SpecError(
                f"bad value {key}={text!r}: expected {self.kind.__name__}"
                + (f" ({self.help})" if self.help else "")
            ) from None
        self.validate(key, value)
        return value

    def validate(self, key: str, value: Any) -> None:
        """Raise SpecError if `value` is outside the allowed range."""
        if self.check is not None and not self.check(value):
            allowed = self.check_msg or f"outside the allowed values of {key} ({self.help})"
            raise SpecError(f"bad value {key}={format_value(value)}: {allowed}")


def format_value(value: Any) -> str:
    """Canonical text of a parameter value (so equal variants get equal spec strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(float(value))
    return str(value)
