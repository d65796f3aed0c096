"""Summary statistics with uncertainty: percentile bootstrap CIs, paired tests, Holm correction.

Bootstrap distributions come from `scipy.stats.bootstrap` with a seeded generator, so tables are
reproducible. The interval is read from that distribution with `np.quantile` (linear), which keeps
every CI bit-stable for a given seed (`scipy.stats.quantile` rounds differently in the last bit).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats as scipy_stats

N_BOOT = 10_000
BOOT_SEED = 0
#: bootstrap resamples are drawn in batches of at most this many values (bounds memory for large n)
BOOT_BATCH_VALUES = 4_000_000


def _finite(values: np.ndarray) -> np.ndarray:
    data = np.asarray(values, dtype=np.float64)
    return data[np.isfinite(data)]


def _percentile_ci(
    samples: tuple[np.ndarray, ...],
    statistic: Callable[..., np.ndarray],
    confidence: float,
    n_boot: int,
    seed: int,
    batch: int | None = None,
) -> tuple[float, float]:
    """The percentile-bootstrap interval of a vectorised statistic of independent samples."""
    result = scipy_stats.bootstrap(
        samples,
        statistic,
        n_resamples=n_boot,
        batch=batch,
        vectorized=True,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    alpha = (1 - confidence) / 2
    low, high = np.quantile(result.bootstrap_distribution, [alpha, 1 - alpha])
    return float(low), float(high)


def bootstrap_mean_ci(
    values: np.ndarray, confidence: float = 0.95, n_boot: int = N_BOOT, seed: int = BOOT_SEED
) -> tuple[float, float, float]:
    """Mean and percentile-bootstrap CI of the mean (seeded, so tables are reproducible)."""
    data = _finite(values)
    if data.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(data.mean())
    if data.size == 1:
        return mean, mean, mean
    batch = max(1, BOOT_BATCH_VALUES // data.size)
    low, high = _percentile_ci((data,), np.mean, confidence, n_boot, seed, batch)
    return mean, low, high


# --- paired tests for regression checks (benchmark check / compare) ----------------------------


def paired_bootstrap_ci(
    candidate: np.ndarray,
    baseline: np.ndarray,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = BOOT_SEED,
) -> tuple[float, float, float]:
    """Mean of candidate - baseline per image, with a percentile-bootstrap CI resampling images.

    Resampling the per-image differences is resampling images with both values kept together,
    which is what makes the interval paired (image difficulty cancels out).
    """
    cand = np.asarray(candidate, dtype=np.float64)
    base = np.asarray(baseline, dtype=np.float64)
    if cand.shape != base.shape:
        raise ValueError(f"paired values need equal shapes, got {cand.shape} and {base.shape}")
    keep = np.isfinite(cand) & np.isfinite(base)
    return bootstrap_mean_ci(cand[keep] - base[keep], confidence, n_boot, seed)


def wilcoxon_p(differences: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired differences; 1.0 when all are zero.

    scipy drops zero differences ('wilcox') and refuses when nothing is left; no non-zero
    difference is no evidence of a change, hence p = 1.
    """
    data = _finite(differences)
    if data.size == 0 or not np.any(data != 0):
        return 1.0
    return float(scipy_stats.wilcoxon(data).pvalue)


def mann_whitney_p(candidate: np.ndarray, baseline: np.ndarray) -> float:
    """Two-sided Mann-Whitney U p-value of two independent samples (e.g. latency repeats).

    NaN when a sample is empty; 1.0 when every value is the same (nothing to rank).
    """
    cand, base = _finite(candidate), _finite(baseline)
    if cand.size == 0 or base.size == 0:
        return float("nan")
    if np.ptp(np.concatenate([cand, base])) == 0:
        return 1.0
    return float(scipy_stats.mannwhitneyu(cand, base, alternative="two-sided").pvalue)


def holm_adjust(pvalues: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error control); NaNs stay NaN, uncounted.

    Sorted ascending, the i-th smallest of m p-values (0-based) becomes
    max over j <= i of min(1, (m - j) * p_(j)), so adjusted values keep the order of the raw ones.
    """
    raw = np.asarray(pvalues, dtype=np.float64)
    out = np.full(raw.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(raw))
    m = finite.size
    order = finite[np.argsort(raw[finite], kind="stable")]
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * raw[index]))
        out[index] = running
    return out


def ratio_of_medians_ci(
    candidate: np.ndarray,
    baseline: np.ndarray,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = BOOT_SEED,
) -> tuple[float, float, float]:
    """median(candidate) / median(baseline) with a percentile-bootstrap CI (independent samples).

    A sample of one value resamples to itself, so it enters the statistic as a constant (scipy
    resamples only samples of two or more).
    """
    cand, base = _finite(candidate), _finite(baseline)
    if cand.size == 0 or base.size == 0:
        return float("nan"), float("nan"), float("nan")
    ratio = float(np.median(cand) / np.median(base))
    if cand.size == 1 and base.size == 1:
        return ratio, ratio, ratio
    if cand.size == 1:
        low, high = _percentile_ci(
            (base,), lambda b, axis: cand[0] / np.median(b, axis=axis), confidence, n_boot, seed
        )
    elif base.size == 1:
        low, high = _percentile_ci(
            (cand,), lambda c, axis: np.median(c, axis=axis) / base[0], confidence, n_boot, seed
        )
    else:
        low, high = _percentile_ci((cand, base), _ratio_of_medians, confidence, n_boot, seed)
    return ratio, low, high


def _ratio_of_medians(cand: np.ndarray, base: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.median(cand, axis=axis) / np.median(base, axis=axis)
