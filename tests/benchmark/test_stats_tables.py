"""Bootstrap CIs against scipy, the Pareto front, and the table writers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from benchmark.report.figures import pareto_front
from benchmark.report.table_formats import latex_escape, to_latex, to_markdown
from benchmark.stats import bootstrap_mean_ci


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


def test_pareto_front() -> None:
    cost = np.array([1.0, 10.0, 100.0, 5.0, 50.0])
    quality = np.array([20.0, 25.0, 26.0, 19.0, 24.0])
    assert sorted(pareto_front(cost, quality).tolist()) == [0, 1, 2]


def test_markdown_and_latex_tables() -> None:
    frame = pd.DataFrame({"Method": ["DA_dehazing", "a|b"], "PSNR": [28.1, float("nan")]})
    md = to_markdown(frame, ["† note"])
    assert "| DA_dehazing | 28.1 |" in md and "a\\|b" in md and "| – |" in md and "† note" in md
    tex = to_latex(frame, "Cap 50%", "tab:x")
    assert "DA\\_dehazing" in tex and "\\toprule" in tex and "Cap 50\\%" in tex
    assert latex_escape("a_b&c") == "a\\_b\\&c"
