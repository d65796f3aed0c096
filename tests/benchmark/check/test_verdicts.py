"""Quality verdicts of the check: direction, smallest effects, Holm."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.check import BETTER, SAME, WORSE, CheckOptions, run_check

from .fake_runs import FAST, N_IMAGES, base_scores, by_metric, shifted, write_run


@pytest.mark.parametrize(("shift", "verdict"), [(0.3, BETTER), (0.0, SAME), (-0.3, WORSE)])
def test_quality_verdicts(tmp_path: Path, shift: float, verdict: str) -> None:
    base = write_run(tmp_path / "base", {"lnet-gie": base_scores()})
    cand = write_run(tmp_path / "cand", {"lnet-gie": shifted(base_scores(), shift)})
    result = run_check(cand, base, FAST)
    found = by_metric(result)
    assert found["psnr"].verdict == verdict
    assert found["ssim"].verdict == SAME and found["ssim"].p == 1.0  # all-zero differences
    assert found["psnr"].ci_low < shift < found["psnr"].ci_high
    assert result.exit_code() == (1 if verdict == WORSE else 0)


def test_lower_is_better_metric_and_min_effect(tmp_path: Path) -> None:
    scores = base_scores()
    worse_colour = {**scores, "ciede2000": scores["ciede2000"] + 0.5}
    base = write_run(tmp_path / "base", {"dcp": scores})
    cand = write_run(tmp_path / "cand", {"dcp": worse_colour})
    options = CheckOptions(metrics=("ciede2000",), n_boot=2000)
    assert by_metric(run_check(cand, base, options))["ciede2000"].verdict == WORSE
    options.min_effect["ciede2000"] = 1.0  # a real but too small change is not a verdict
    assert by_metric(run_check(cand, base, options))["ciede2000"].verdict == SAME


def test_a_metric_scored_with_different_fitted_models_is_not_compared(tmp_path: Path) -> None:
    scores = {**base_scores(), "niqe": np.random.default_rng(5).uniform(20, 30, N_IMAGES)}
    worse = {**scores, "niqe": scores["niqe"] + 5.0}  # a big "change" that is only the model's

    def run(name: str, values: dict, sha: str) -> Path:
        manifest = {
            "metrics": ["psnr", "ssim", "ciede2000", "niqe"],
            "metric_params": {"niqe": {"path": "niqe.npz", "sha256": sha}},
        }
        return write_run(tmp_path / name, {"m": values}, manifest=manifest)

    options = CheckOptions(metrics=("psnr", "niqe"), n_boot=2000)
    result = run_check(run("cand", worse, "b" * 64), run("base", scores, "a" * 64), options)
    assert any(c.metric == "psnr" for c in result.comparisons)
    assert not any(c.metric == "niqe" for c in result.comparisons)
    assert any("niqe: not compared" in n and "aaaaaaaaaaaa" in n for n in result.notes)
    # the same model on both sides: compared, and the shift is a verdict
    same = run_check(run("cand2", worse, "c" * 64), run("base2", scores, "c" * 64), options)
    assert by_metric(same)["niqe"].verdict == WORSE
