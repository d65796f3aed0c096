"""The values a check produces: one `Comparison` per tested quantity, gathered in a `CheckResult`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .options import CheckOptions, higher_is_better

BETTER, WORSE, SAME = "better", "worse", "no significant change"
NOT_COMPARABLE = "not comparable"
#: the rows that are not statistical tests: images failed on one side, a spec given up
ERRORS, STATUS = "errors", "status"


@dataclass
class Comparison:
    """One tested quantity of one spec: values, effect with CI, p-values, verdict."""

    spec: str
    metric: str
    n: int
    baseline: float | str  # str only for the status row
    candidate: float | str
    difference: float  # mean paired difference; for latency the ratio of medians
    ci_low: float = math.nan
    ci_high: float = math.nan
    p: float = math.nan
    p_holm: float = math.nan
    verdict: str = ""
    note: str = ""
    diffs: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (NaN becomes null)."""
        keys = ("spec", "metric", "n", "baseline", "candidate", "difference")
        out: dict[str, Any] = {k: json_value(getattr(self, k)) for k in keys}
        for key in ("ci_low", "ci_high", "p", "p_holm", "verdict", "note"):
            out[key] = json_value(getattr(self, key))
        out["higher_is_better"] = higher_is_better(self.metric)
        return out


@dataclass
class CheckResult:
    """Every comparison of one check, with the notes a reader needs to trust it."""

    title: str
    facts: list[str]
    comparisons: list[Comparison]
    notes: list[str]
    options: CheckOptions
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def worse(self) -> bool:
        """Whether any verdict is "worse"."""
        return any(c.verdict == WORSE for c in self.comparisons)

    def exit_code(self) -> int:
        """1 when anything got worse, else 0."""
        return 1 if self.worse else 0


def json_value(value: Any) -> Any:
    """A JSON-able scalar: numpy numbers as Python ones, NaN and infinities as None."""
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
