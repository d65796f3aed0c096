"""The check reads its metrics from the registry: a newly registered metric works unchanged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark.check import BETTER, CheckOptions, checkable_names, default_min_effects, run_check
from benchmark.cli import build_parser, main
from benchmark.metrics import Metric, registry
from benchmark.run.store import RunStore

from .fake_runs import base_scores, by_metric, shifted, write_run


@pytest.fixture
def contrast(monkeypatch: pytest.MonkeyPatch) -> Metric:
    """A no-reference metric registered for one test only."""
    metric = Metric(
        "contrast",
        "Contrast",
        lambda out, ref: out.mean(dim=(1, 2, 3)),
        higher_is_better=True,
        digits=3,
        kind="no-reference",
        min_effect=0.01,
        default=False,
    )
    monkeypatch.setitem(registry._METRICS, metric.name, metric)
    return metric


def add_column(run: Path, name: str, values: np.ndarray) -> None:
    """Give every per-image row of the run a value of `name` (in row order)."""
    path = RunStore(run).per_image_path
    frame = pd.read_csv(path, dtype={"image_id": str})
    frame[name] = np.resize(values, len(frame))
    frame.to_csv(path, index=False)


def test_defaults_come_from_the_registry() -> None:
    no_reference = ["dark_channel", "piqe", "niqe", "fade", "cpbd", "contrast_e", "contrast_r"]
    no_reference += ["contrast_sigma", "saturated"]
    no_reference += ["colorfulness", "entropy"]
    real_video = ["aligned_psnr", "aligned_ssim", "aligned_valid"]
    real_video += ["orb_matches", "orb_inlier_ratio", "sift_matches", "sift_inlier_ratio"]
    expected = ["psnr", "ssim", "ciede2000", *no_reference, *real_video, "latency"]
    assert checkable_names() == expected
    effects = default_min_effects()
    assert {k: effects[k] for k in ("psnr", "ssim", "ciede2000", "latency")} == {
        "psnr": 0.05,
        "ssim": 0.002,
        "ciede2000": 0.1,
        "latency": 1.1,
    }
    assert effects["dark_channel"] == 0.005 and effects["piqe"] == 0.5
    assert CheckOptions().metrics == ("psnr", "ssim", "latency")
    check = build_parser()._subparsers._group_actions[0].choices["check"].format_help()
    assert "psnr=0.05,ssim=0.002,ciede2000=0.1,dark_channel=0.005" in "".join(check.split())


def test_a_newly_registered_metric_is_checked(
    tmp_path: Path, contrast: Metric, capsys: pytest.CaptureFixture
) -> None:
    assert "contrast" in checkable_names() and default_min_effects()["contrast"] == 0.01
    base = write_run(tmp_path / "base", {"dcp": base_scores()})
    cand = write_run(tmp_path / "cand", {"dcp": shifted(base_scores(), 0.0)})
    values = np.random.default_rng(2).uniform(0.2, 0.4, 200)
    add_column(base, "contrast", values)
    add_column(cand, "contrast", values + 0.05)
    found = by_metric(run_check(cand, base, CheckOptions(metrics=("contrast",), n_boot=2000)))
    assert found["contrast"].verdict == BETTER and found["contrast"].n == 200
    argv = ["check", str(cand), "--baseline", str(base), "--metrics", "contrast,psnr"]
    assert main([*argv, "--min-effect", "contrast=0.02", "--no-figures"]) == 0
    out = capsys.readouterr().out
    assert "| dcp | contrast | 0.300 | 0.350 | +0.050 [+0.050, +0.050] |" in out
    assert "contrast 0.02" in out


def test_a_metric_a_run_did_not_record_is_left_out_with_a_note(
    tmp_path: Path, contrast: Metric
) -> None:
    base = write_run(tmp_path / "base", {"dcp": base_scores()})
    cand = write_run(tmp_path / "cand", {"dcp": shifted(base_scores(), 0.3)})
    add_column(cand, "contrast", np.full(200, 0.3))
    result = run_check(cand, base, CheckOptions(metrics=("psnr", "contrast"), n_boot=2000))
    assert set(by_metric(result)) == {"psnr"}
    assert "dcp: contrast not recorded in the baseline: not compared" in result.notes
