"""Quality comparisons, failure and status rows, Holm's correction and the verdict of each test.

A quality verdict is "better"/"worse" only when the paired CI lies entirely beyond the smallest
effect in that direction and the Holm-adjusted p-value is below alpha; a latency verdict needs the
ratio of medians beyond the smallest slowdown (or its inverse) and the same p-value rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..metrics import get_metric
from ..stats import holm_adjust, paired_bootstrap_ci, wilcoxon_p
from .options import LATENCY, CheckOptions
from .pairing import Pairing
from .results import BETTER, ERRORS, SAME, STATUS, WORSE, Comparison
from .runs import RunData


def quality_comparison(
    spec: str, metric: str, candidate: np.ndarray, baseline: np.ndarray, options: CheckOptions
) -> Comparison:
    """Paired difference of one metric: mean, bootstrap CI, Wilcoxon p (not yet adjusted)."""
    cand = np.asarray(candidate, dtype=np.float64)
    base = np.asarray(baseline, dtype=np.float64)
    keep = np.isfinite(cand) & np.isfinite(base)
    cand, base = cand[keep], base[keep]
    mean, low, high = paired_bootstrap_ci(cand, base, n_boot=options.n_boot, seed=options.seed)
    diffs = cand - base
    return Comparison(
        spec=spec,
        metric=metric,
        n=int(diffs.size),
        baseline=float(base.mean()) if base.size else math.nan,
        candidate=float(cand.mean()) if cand.size else math.nan,
        difference=mean,
        ci_low=low,
        ci_high=high,
        p=wilcoxon_p(diffs),
        diffs=diffs,
    )


def errors_comparison(spec: str, pairing: Pairing) -> Comparison | None:
    """Images failed on one side only; new failures are a regression (not a statistical test)."""
    if not pairing.new_errors and not pairing.old_errors:
        return None
    new, old = len(pairing.new_errors), len(pairing.old_errors)
    verdict = WORSE if new else BETTER
    return Comparison(spec, ERRORS, pairing.shared, old, new, new - old, verdict=verdict)


def status_comparison(spec: str, cand: RunData, base: RunData) -> Comparison | None:
    """A spec the baseline finished but the candidate skipped, did not score, or could not profile.

    Such a spec's unscored images have no rows, so pairing alone would see a smaller image set (or
    none) and pass silently; it is a regression.
    """
    c_row, b_row = cand.method_row(spec) or {}, base.method_row(spec) or {}
    c_status, b_status = str(c_row.get("status", "")), str(b_row.get("status", ""))
    gave_up = c_status in ("skipped", "not scored") or (
        c_status == "failed" and cand.spec_rows(spec).empty
    )
    if b_status != "done" or not gave_up:
        return None
    reason = c_row.get("reason")
    note = f"candidate {c_status}: {reason}" if isinstance(reason, str) and reason else ""
    return Comparison(spec, STATUS, 0, b_status, c_status, math.nan, verdict=WORSE, note=note)


def judge(comparison: Comparison, alpha: float, min_effect: float) -> str:
    """The verdict of one comparison from its CI (or ratio) and its Holm-adjusted p-value."""
    if not comparison.p_holm < alpha:  # also catches NaN: untested means no claim
        return SAME
    if comparison.metric == LATENCY:
        if comparison.difference > min_effect:
            return WORSE
        return BETTER if comparison.difference < 1.0 / min_effect else SAME
    sign = 1.0 if get_metric(comparison.metric).higher_is_better else -1.0
    low, high = sorted((sign * comparison.ci_low, sign * comparison.ci_high))
    if low > min_effect:
        return BETTER
    return WORSE if high < -min_effect else SAME


def assign_verdicts(comparisons: Sequence[Comparison], options: CheckOptions) -> None:
    """Holm-adjust every p-value of the check together, then judge each comparison."""
    adjusted = holm_adjust(np.asarray([c.p for c in comparisons], dtype=np.float64))
    for comparison, p_holm in zip(comparisons, adjusted, strict=True):
        comparison.p_holm = float(p_holm)
        if not comparison.verdict:
            effect = options.min_effect.get(comparison.metric, 0.0)
            comparison.verdict = judge(comparison, options.alpha, effect)
