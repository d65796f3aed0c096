"""Summary statistics with uncertainty: percentile bootstrap CIs, paired tests, Holm correction."""

from __future__ import annotations

import numpy as np

N_BOOT = 10_000
BOOT_SEED = 0


def bootstrap_mean_ci(
    values: np.ndarray, confidence: float = 0.95, n_boot: int = N_BOOT, seed: int = BOOT_SEED
) -> tuple[float, float, float]:
    """Mean and percentile-bootstrap CI of the mean (seeded, so tables are reproducible)."""
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(data.mean())
    if data.size == 1:
        return mean, mean, mean
    rng = np.random.default_rng(seed)
    means = np.empty(n_boot)
    chunk = max(1, 4_000_000 // data.size)  # bound memory for large n
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        idx = rng.integers(0, data.size, size=(stop - start, data.size))
        means[start:stop] = data[idx].mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return mean, float(low), float(high)


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
    from scipy import stats as scipy_stats

    data = np.asarray(differences, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0 or not np.any(data != 0):
        return 1.0
    return float(scipy_stats.wilcoxon(data).pvalue)


def mann_whitney_p(candidate: np.ndarray, baseline: np.ndarray) -> float:
    """Two-sided Mann-Whitney U p-value of two independent samples (e.g. latency repeats).

    NaN when a sample is empty; 1.0 when every value is the same (nothing to rank).
    """
    from scipy import stats as scipy_stats

    cand = np.asarray(candidate, dtype=np.float64)
    base = np.asarray(baseline, dtype=np.float64)
    cand, base = cand[np.isfinite(cand)], base[np.isfinite(base)]
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
    """median(candidate) / median(baseline) with a percentile-bootstrap CI (independent samples)."""
    cand = np.asarray(candidate, dtype=np.float64)
    base = np.asarray(baseline, dtype=np.float64)
    cand, base = cand[np.isfinite(cand)], base[np.isfinite(base)]
    if cand.size == 0 or base.size == 0:
        return float("nan"), float("nan"), float("nan")
    ratio = float(np.median(cand) / np.median(base))
    rng = np.random.default_rng(seed)
    cand_medians = np.median(cand[rng.integers(0, cand.size, (n_boot, cand.size))], axis=1)
    base_medians = np.median(base[rng.integers(0, base.size, (n_boot, base.size))], axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(cand_medians / base_medians, [alpha, 1 - alpha])
    return ratio, float(low), float(high)
