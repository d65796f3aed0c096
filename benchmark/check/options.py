"""What a check tests: the quantities it can compare, the level and the smallest effects that count.

Image metrics (names, directions, smallest effects) come from the metric registry, so a newly
registered metric can be checked as it is. Latency is not an image metric but a cost: it is
compared as a ratio of medians, and its definition lives here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..metrics import all_metrics, get_metric
from ..stats import BOOT_SEED, N_BOOT

LATENCY = "latency"
#: a slowdown (candidate / baseline median) beyond this ratio counts; its inverse, a speed-up
LATENCY_MIN_EFFECT = 1.10
LATENCY_UNIT = "ms"
DEFAULT_METRICS: tuple[str, ...] = ("psnr", "ssim", LATENCY)


def default_metrics_for(run_metrics: list[str] | None) -> tuple[str, ...]:
    """DEFAULT_METRICS, or for a run without full-reference metrics its headline ones + latency."""
    if not run_metrics or any(get_metric(n).kind == "full-reference" for n in run_metrics):
        return DEFAULT_METRICS
    headline = [n for n in run_metrics if get_metric(n).headline]
    return (*(headline or run_metrics), LATENCY)


def quality_metric_names() -> list[str]:
    """Every registered image metric, in registration order."""
    return [metric.name for metric in all_metrics()]


def checkable_names() -> list[str]:
    """What `--metrics` accepts: every registered image metric, then latency."""
    return [*quality_metric_names(), LATENCY]


def default_min_effects() -> dict[str, float]:
    """The smallest effect that counts per quantity: the registry's, and latency's ratio."""
    return {**{m.name: m.min_effect for m in all_metrics()}, LATENCY: LATENCY_MIN_EFFECT}


def min_effect_text(effects: dict[str, float]) -> str:
    """'psnr=0.05,ssim=0.002,...,latency=1.10' (latency as a ratio with two decimals)."""
    return ",".join(
        f"{name}={value:.2f}" if name == LATENCY else f"{name}={value:g}"
        for name, value in effects.items()
    )


def higher_is_better(name: str) -> bool | None:
    """The direction of a compared quantity; None for the errors and status rows."""
    if name == LATENCY:
        return False
    if name in quality_metric_names():
        return get_metric(name).higher_is_better
    return None


@dataclass
class CheckOptions:
    """How to test: which metrics, the level, the smallest effects that count."""

    metrics: tuple[str, ...] = DEFAULT_METRICS
    alpha: float = 0.05
    min_effect: dict[str, float] = field(default_factory=default_min_effects)
    n_boot: int = N_BOOT
    seed: int = BOOT_SEED
    figures: bool = True
    rerun_latency: bool = False
    latency_budget_s: float = 3.0
    device: str = "auto"

    def quality_metrics(self) -> list[str]:
        """The image metrics asked for, in registration order."""
        return [name for name in quality_metric_names() if name in self.metrics]
