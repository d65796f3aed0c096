"""Table cell text of one comparison: values, effect with CI, p-value, smallest effect."""

from __future__ import annotations

from ..metrics import get_metric
from .number_text import MISSING, finite
from .options import LATENCY, LATENCY_UNIT
from .results import ERRORS, Comparison


def value_text(metric: str, value: float | str) -> str:
    """A baseline or candidate cell: the metric's digits, latency in ms, failures counted."""
    if isinstance(value, str):
        return value
    if not finite(value):
        return MISSING
    if metric == LATENCY:
        return f"{value:.2f} {LATENCY_UNIT}"
    if metric == ERRORS:
        return f"{int(value)} failed"
    return f"{value:.{get_metric(metric).digits}f}"


def difference_text(c: Comparison) -> str:
    """The effect with its CI: a signed difference with unit, a latency ratio, or failures."""
    if not finite(c.difference):
        return MISSING
    if c.metric == ERRORS:
        return f"{int(c.difference):+d} image(s)"
    if c.metric == LATENCY:
        ci = f" [{c.ci_low:.3f}, {c.ci_high:.3f}]" if finite(c.ci_low) else ""
        return f"×{c.difference:.3f}{ci}"
    metric = get_metric(c.metric)
    d = metric.digits
    ci = f" [{c.ci_low:+.{d}f}, {c.ci_high:+.{d}f}]" if finite(c.ci_low) else ""
    return f"{c.difference:+.{d}f}{ci}{metric.unit_suffix}"


def p_text(value: float) -> str:
    """A p-value with four decimals, '<0.0001' below that, '–' when untested."""
    if not finite(value):
        return MISSING
    return "<0.0001" if value < 1e-4 else f"{value:.4f}"


def effect_text(metric: str, value: float) -> str:
    """'psnr 0.05 dB' or 'latency ×1.1': a smallest effect as the report states it."""
    if metric == LATENCY:
        return f"{LATENCY} ×{value:g}"
    return f"{metric} {value:g}{get_metric(metric).unit_suffix}"
