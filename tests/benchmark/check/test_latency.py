"""Latency in the check: stored repeats, devices, re-timing now."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.check import (
    BETTER,
    SAME,
    WORSE,
    CheckOptions,
    latency_comparison,
    remeasure_latency,
    run_check,
)
from benchmark.cli import main
from benchmark.run.profiling import Profile, join_repeats_ms, split_repeats_ms
from benchmark.run.store import METHOD_FIELDS, CsvAppender

from .fake_runs import base_scores, by_metric, write_run


def test_repeats_round_trip_and_old_methods_csv_header(tmp_path: Path) -> None:
    ms = np.array([1.25, 2.5, 3.0])
    np.testing.assert_allclose(split_repeats_ms(join_repeats_ms(ms)), ms)
    assert split_repeats_ms(float("nan")).size == 0 and split_repeats_ms(4.0).tolist() == [4.0]
    assert "latency_repeats_ms" in Profile.__dataclass_fields__
    old = tmp_path / "methods.csv"
    old.write_text("spec,status,latency_median_ms\nold,done,3.0\n", encoding="utf-8")
    with CsvAppender(old, METHOD_FIELDS) as table:
        table.write([{"spec": "new", "status": "done", "latency_repeats_ms": "1;2"}])
    assert old.read_text(encoding="utf-8").splitlines()[-1] == "new,done,"


def test_latency_verdicts_same_and_different_devices(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    base_ms = 10 + rng.normal(0, 0.2, 30)
    slow_ms, close_ms = 13 + rng.normal(0, 0.2, 30), 10.3 + rng.normal(0, 0.2, 30)
    scores = {"aodnet": base_scores()}
    base = write_run(tmp_path / "base", scores, latency_ms={"aodnet": base_ms})
    slow = write_run(tmp_path / "slow", scores, latency_ms={"aodnet": slow_ms})
    close = write_run(tmp_path / "close", scores, latency_ms={"aodnet": close_ms})
    elsewhere = write_run(
        tmp_path / "gpu", scores, device="NVIDIA H100", latency_ms={"aodnet": slow_ms}
    )
    options = CheckOptions(metrics=("latency",), n_boot=2000)
    found = by_metric(run_check(slow, base, options))["latency"]
    assert found.verdict == WORSE and found.difference == pytest.approx(
        np.median(slow_ms) / np.median(base_ms)
    )
    assert found.ci_low < found.difference < found.ci_high
    close_found = by_metric(run_check(close, base, options))["latency"]
    assert close_found.p < 0.05 and close_found.verdict == SAME  # significant, but < x1.10
    assert by_metric(run_check(elsewhere, base, options))["latency"].verdict == (
        "not comparable: different devices"
    )
    assert main(["check", str(slow), "--baseline", str(base), "--metrics", "latency",
                 "--no-figures"]) == 1  # fmt: skip


def test_latency_without_repeats_is_not_tested() -> None:
    found = latency_comparison("x", np.empty(0), np.empty(0), medians=(20.0, 10.0))
    assert found.difference == 2.0 and np.isnan(found.p)
    assert found.verdict == "not comparable: no per-repeat latencies"


def test_rerun_latency_interleaves_both_specs(tmp_path: Path) -> None:
    cand, base, where = remeasure_latency("hazy-input", "dcp", 16, 16, "cpu", budget_s=0.01)
    assert cand.size == base.size >= 5 and where
    scores = {"hazy-input": base_scores(n=20)}
    base_dir = write_run(tmp_path / "base", scores, device="another machine")
    cand_dir = write_run(tmp_path / "cand", scores)
    options = CheckOptions(
        metrics=("latency",), n_boot=500, rerun_latency=True, latency_budget_s=0.01
    )
    found = by_metric(run_check(cand_dir, base_dir, options))["latency"]
    assert "re-measured now" in found.note and found.verdict in (SAME, BETTER, WORSE)
