"""Statistics: Holm, Wilcoxon and Mann-Whitney against scipy, seeded bootstrap CIs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from benchmark.stats import (
    bootstrap_mean_ci,
    holm_adjust,
    mann_whitney_p,
    paired_bootstrap_ci,
    ratio_of_medians_ci,
    wilcoxon_p,
)

from .check.fake_runs import base_scores, shifted


def test_holm_matches_hand_computed_values() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 -> 4*0.005, 3*0.01, 2*0.03, max(1*0.04, 0.06)
    adjusted = holm_adjust(np.array([0.01, 0.04, 0.03, 0.005]))
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm_adjust(np.array([np.nan, 0.5, 0.2])), [np.nan, 0.5, 0.4])
    np.testing.assert_allclose(holm_adjust(np.array([0.6, 0.7])), [1.0, 1.0])
    assert holm_adjust(np.array([])).size == 0


def test_wilcoxon_and_mann_whitney_equal_scipy() -> None:
    rng = np.random.default_rng(3)
    for n in (12, 60, 200):
        diffs = rng.normal(0.1, 0.3, n)
        assert wilcoxon_p(diffs) == pytest.approx(stats.wilcoxon(diffs).pvalue, rel=1e-12)
    assert wilcoxon_p(np.zeros(50)) == 1.0
    assert wilcoxon_p(np.array([])) == 1.0
    a, b = rng.normal(10, 1, 25), rng.normal(11, 1, 30)
    ref = stats.mannwhitneyu(a, b, alternative="two-sided").pvalue
    assert mann_whitney_p(a, b) == pytest.approx(ref, rel=1e-12)
    assert mann_whitney_p(np.ones(5), np.ones(5)) == 1.0
    assert np.isnan(mann_whitney_p(np.array([]), b))


def test_paired_bootstrap_ci_contains_truth_and_is_seeded() -> None:
    base = base_scores()["psnr"]
    cand = shifted(base_scores(), 0.3)["psnr"]
    mean, low, high = paired_bootstrap_ci(cand, base)
    assert low < 0.3 < high and low < mean < high
    assert mean == pytest.approx((cand - base).mean())
    assert paired_bootstrap_ci(cand, base) == (mean, low, high)
    assert paired_bootstrap_ci(cand, base, seed=7) != (mean, low, high)
    half = 1.96 * (cand - base).std(ddof=1) / np.sqrt(base.size)
    assert abs((high - low) - 2 * half) < 0.1 * (high - low)
    with pytest.raises(ValueError):
        paired_bootstrap_ci(cand, base[:-1])


def test_bootstrap_ci_agrees_with_scipy_percentile_bootstrap() -> None:
    data = np.random.default_rng(0).normal(28.0, 1.5, size=540)
    mean, low, high = bootstrap_mean_ci(data)
    ref = stats.bootstrap(
        (data,), np.mean, n_resamples=10_000, method="percentile", random_state=1
    ).confidence_interval
    width = high - low
    assert mean == data.mean()
    assert abs(low - ref.low) < 0.05 * width and abs(high - ref.high) < 0.05 * width
    # and with the normal-theory interval, which it should approach for n = 540
    half = 1.96 * data.std(ddof=1) / np.sqrt(data.size)
    assert abs(width - 2 * half) < 0.05 * width


def test_bootstrap_ci_is_deterministic_and_handles_edges() -> None:
    data = np.arange(10.0)
    assert bootstrap_mean_ci(data) == bootstrap_mean_ci(data)
    assert bootstrap_mean_ci(np.array([3.0])) == (3.0, 3.0, 3.0)
    assert all(np.isnan(v) for v in bootstrap_mean_ci(np.array([])))
    assert bootstrap_mean_ci(np.array([1.0, np.nan, 3.0]))[0] == 2.0


def _resample_indices(rng: np.random.Generator, n: int, n_boot: int) -> np.ndarray:
    return rng.integers(0, n, size=(n_boot, n))


@pytest.mark.parametrize(("n", "n_boot"), [(2, 10_000), (7, 10_000), (540, 10_000), (5000, 1000)])
def test_bootstrap_ci_is_the_seeded_percentile_interval_bit_for_bit(n: int, n_boot: int) -> None:
    # one draw of all resample indices from default_rng(seed), means, linear quantiles; n=5000
    # makes scipy draw in batches, which must not change the stream
    data = np.random.default_rng(n).normal(20.0, 2.0, n)
    means = data[_resample_indices(np.random.default_rng(4), n, n_boot)].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    assert bootstrap_mean_ci(data, n_boot=n_boot, seed=4) == (data.mean(), low, high)


def test_ratio_of_medians_ci_bit_for_bit_and_single_repeats() -> None:
    rng = np.random.default_rng(8)
    cand, base = rng.normal(10, 1, 30), rng.normal(11, 1, 25)
    draw = np.random.default_rng(0)
    cand_idx = _resample_indices(draw, cand.size, 2000)  # candidate first, then baseline
    base_idx = _resample_indices(draw, base.size, 2000)
    ratios = np.median(cand[cand_idx], axis=1) / np.median(base[base_idx], axis=1)
    low, high = np.quantile(ratios, [0.025, 0.975])
    ratio = np.median(cand) / np.median(base)
    assert ratio_of_medians_ci(cand, base, n_boot=2000) == (ratio, low, high)
    one = ratio_of_medians_ci(np.array([5.0]), base, n_boot=2000)
    assert one[0] == 5.0 / np.median(base) and one[1] < one[0] < one[2]
    assert ratio_of_medians_ci(np.array([4.0]), np.array([2.0])) == (2.0, 2.0, 2.0)
    assert all(np.isnan(v) for v in ratio_of_medians_ci(np.array([]), base))
