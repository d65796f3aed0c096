"""metric_agreement.csv, its figure and sentence: Kendall tau of method rankings, Spearman per image."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchmark.cli import main
from benchmark.report.agreement import (
    COLUMNS,
    agreement_figure,
    agreement_sentence,
    metric_agreement,
)
from tests.benchmark.run.test_no_reference_run import _smoky_folder

FAST = ["--no-progress", "--latency-budget", "0.02", "--batch-size", "4"]


def _rows(seed: int = 0) -> pd.DataFrame:
    """3 methods x 20 images: psnr and ssim agree, ciede2000 (lower better) agrees once flipped,
    dark_channel (lower better) ranks them the other way round."""
    rng = np.random.default_rng(seed)
    quality = {"a": 1.0, "b": 2.0, "c": 3.0}
    out = []
    for spec, q in quality.items():
        for i in range(20):
            noise = rng.normal(0, 0.3)
            out.append(
                {
                    "spec": spec,
                    "image_id": f"im{i}",
                    "status": "ok",
                    "psnr": 20 + q + noise,
                    "ssim": 0.5 + 0.1 * q + 0.01 * rng.normal(),
                    "ciede2000": 10 - q + 0.1 * rng.normal(),
                    "dark_channel": 0.1 * q + 0.01 * rng.normal(),
                }
            )
    return pd.DataFrame(out)


def test_tau_respects_each_metrics_direction() -> None:
    table = metric_agreement(_rows()).set_index(["metric_a", "metric_b"])
    assert list(metric_agreement(_rows()).columns) == list(COLUMNS)
    assert table.loc[("psnr", "ssim"), "kendall_tau"] == pytest.approx(1.0)
    assert table.loc[("psnr", "ciede2000"), "kendall_tau"] == pytest.approx(1.0)
    assert table.loc[("psnr", "dark_channel"), "kendall_tau"] == pytest.approx(-1.0)
    row = table.loc[("psnr", "dark_channel")]
    assert row["tau_ci_low"] <= row["kendall_tau"] <= row["tau_ci_high"]
    assert row["winner_a"] == "c" and row["winner_b"] == "a" and not row["same_winner"]
    assert row["n_methods"] == 3 and row["n_images"] == 20 and row["n_outputs"] == 60


def test_per_image_spearman_is_scipys_on_signed_values() -> None:
    rows = _rows()
    table = metric_agreement(rows).set_index(["metric_a", "metric_b"])
    expected = stats.spearmanr(rows["psnr"], -rows["ciede2000"]).statistic
    assert table.loc[("psnr", "ciede2000"), "spearman_per_image"] == pytest.approx(expected)


def test_bootstrap_ci_widens_when_rankings_are_noisy() -> None:
    rows = _rows()
    rows["ssim"] = np.random.default_rng(3).normal(0.6, 0.2, len(rows))  # unrelated to quality
    row = metric_agreement(rows).set_index(["metric_a", "metric_b"]).loc[("psnr", "ssim")]
    assert row["tau_ci_low"] < row["tau_ci_high"]
    assert row["tau_ci_low"] <= -0.3 or row["tau_ci_high"] >= 0.3


def test_sentence_names_the_disagreeing_metrics(tmp_path: Path) -> None:
    agreement = metric_agreement(_rows())
    sentence = agreement_sentence(agreement)
    assert sentence.count(".") == 2  # one sentence (the file name holds the other dot)
    assert "disagree" in sentence and "dark_channel ranks a best" in sentence
    assert "psnr, ssim, ciede2000 rank c best" in sentence
    agree = metric_agreement(_rows().drop(columns=["dark_channel"]))
    assert agreement_sentence(agree) == "Metric agreement: all 3 metrics rank c best."
    path = agreement_figure(agreement, tmp_path / "figures" / "metric_agreement.png")
    assert path is not None and path.stat().st_size > 1000
    assert agreement_sentence(metric_agreement(_rows()[["spec", "image_id", "psnr"]])) == ""


@pytest.mark.slow
def test_new_metrics_run_check_compare_and_on_dask(tmp_path: Path) -> None:
    data = _smoky_folder(tmp_path / "smoky", 4, (192, 200))  # NIQE needs two 96x96 patches
    chosen = "fade,cpbd,contrast_e,contrast_r,contrast_sigma,niqe,dark_channel"
    args = ["run", "--out", str(tmp_path), *FAST, "--data", str(data), "--methods", "dcp,cap"]
    assert main([*args, "--metrics", chosen, "--run-id", "serial"]) == 0
    run = tmp_path / "runs" / "serial"
    rows = pd.read_csv(run / "per_image.csv")
    assert set(chosen.split(",")) <= set(rows.columns)
    assert np.isfinite(rows[["fade", "cpbd", "contrast_sigma"]].to_numpy()).all()
    manifest = json.loads((run / "manifest.json").read_text())
    assert "LIVE" in manifest["metric_model_names"]["niqe"]
    agreement = pd.read_csv(run / "metric_agreement.csv")
    assert len(agreement) == 7 * 6 // 2 and (run / "figures" / "metric_agreement.png").is_file()
    report = (run / "report.md").read_text()
    assert "Metric agreement:" in report and "niqe: scored with the LIVE pristine model" in report
    out = ["--out", str(tmp_path / "check")]
    assert main(["check", str(run), "--baseline", str(run), "--metrics", "fade,cpbd", *out]) == 0
    assert main(["compare", str(run), "dcp", "cap", "--metrics", "fade,cpbd", *out]) in (0, 1)
    assert main([*args, "--metrics", chosen, "--run-id", "dask", "--scheduler", "local:2"]) == 0
    dask_rows = pd.read_csv(tmp_path / "runs" / "dask" / "per_image.csv")
    key = ["spec", "image_id"]
    merged = rows.merge(dask_rows, on=key, suffixes=("", "_dask"))
    assert len(merged) == len(rows)
    for name in chosen.split(","):
        np.testing.assert_allclose(merged[name], merged[f"{name}_dask"], rtol=1e-12)
