"""Runs on data without ground truth: default metric set, --metrics, tables, report.html."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.data.video import VideoWriter
from benchmark.metrics import default_metrics
from tests.benchmark.data.helpers import save

FAST = ["--no-progress", "--latency-budget", "0.02", "--batch-size", "4"]
NO_REFERENCE = [m.name for m in default_metrics("no-reference")]


def _smoky_folder(root: Path, n: int = 6, size: tuple[int, int] = (40, 48)) -> Path:
    """n synthetic 'smoky' frames: a textured scene under a veil of growing density."""
    rng = np.random.default_rng(0)
    scene = rng.integers(0, 256, (*size, 3)).astype(float)
    for k in range(n):
        veil = 0.1 + 0.12 * k
        save(root / f"frame{k}.png", np.round(scene * (1 - veil) + 230 * veil).astype(np.uint8))
    return root


def _run(out: Path, *args: str) -> int:
    return main(["run", "--out", str(out), *FAST, *args])


def test_unpaired_folder_run_scores_the_no_reference_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _smoky_folder(tmp_path / "smoky")
    rc = _run(tmp_path, "--data", str(data), "--methods", "dcp", "--run-id", "nr")
    assert rc == 0
    # the unprocessed input is always the reference row of data without ground truth
    assert "(hazy-input added as the reference row: no ground truth)" in capsys.readouterr().err
    run = tmp_path / "runs" / "nr"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["metrics"] == NO_REFERENCE and manifest["paired"] is False
    rows = pd.read_csv(run / "per_image.csv")
    assert list(rows.columns) == [
        "spec",
        "method",
        "image_id",
        "group",
        *NO_REFERENCE,
        "seconds",
        "status",
        "error",
        "device",
    ]
    assert len(rows) == 12 and set(rows["status"]) == {"ok"}
    hazy = rows[rows["spec"] == "hazy-input"].set_index("image_id")
    dcp = rows[rows["spec"] == "dcp"].set_index("image_id")
    assert (hazy["contrast_e"] == 0).all() and np.allclose(hazy["contrast_r"], 1)
    assert (dcp["dark_channel"] < hazy["dark_channel"]).all()  # DCP removes the veil
    # the densest veil is sampled first (samples go from dense to light)
    assert manifest["sample_images"][0] == "frame5"
    summary = pd.read_csv(run / "summary.csv").set_index("spec")
    assert summary.loc["dcp", "dark_channel_improved"] == 100.0
    assert 0 < summary.loc["dcp", "dark_channel_improved_ci_low"] < 100
    t1 = (run / "table1.md").read_text()
    assert "Dark channel [95% CI] ↓" in t1 and "PIQE [95% CI] ↓" in t1
    assert "Improves Dark channel (% of frames) [95% CI]" in t1 and "Paper PSNR" not in t1
    assert "reference: the unprocessed input" in t1
    assert json.loads((run / "manifest.json").read_text())["specs"] == ["dcp", "hazy-input"]
    for name in ("dark_channel_distribution", "piqe_distribution", "qualitative_grid"):
        assert (run / "figures" / f"{name}.png").stat().st_size > 5000
    assert not list((run / "samples").glob("_clear"))
    html = (run / "report.html").read_text()
    assert "data:image/png;base64," in html and "<script>" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched


def test_full_reference_metric_on_unpaired_data_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _smoky_folder(tmp_path / "smoky", n=2)
    rc = _run(tmp_path, "--data", str(data), "--methods", "dcp", "--metrics", "psnr,piqe")
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert "psnr need(s) ground truth" in err


def test_no_reference_metrics_on_paired_data(tmp_path: Path) -> None:
    rc = _run(
        tmp_path,
        "--size",
        "32",
        "--limit",
        "3",
        "--methods",
        "dcp",
        "--run-id",
        "mix",
        "--metrics",
        "psnr,dark_channel",
        "piqe",
    )
    assert rc == 0
    rows = pd.read_csv(tmp_path / "runs" / "mix" / "per_image.csv")
    assert {"psnr", "dark_channel", "piqe"} <= set(rows.columns) and "ssim" not in rows.columns
    assert rows["piqe"].between(0, 100).all()


def test_resume_with_another_metric_set_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _smoky_folder(tmp_path / "smoky", n=2)
    args = ["--data", str(data), "--methods", "hazy-input", "--run-id", "r"]
    assert _run(tmp_path, *args) == 0
    assert _run(tmp_path, *args, "--metrics", "piqe") == 2
    assert "different metrics" in capsys.readouterr().err


def test_video_run_scores_frames(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    rng = np.random.default_rng(0)  # textured: a flat frame has no edges for contrast_e/r
    with VideoWriter(path, 10.0, 32, 32) as writer:
        for i in range(6):
            noise = rng.integers(0, 60, (32, 32, 3))
            writer.write((np.full((32, 32, 3), 30 * i + 20) + noise).astype(np.uint8))
    rc = _run(
        tmp_path, "--data", str(path), "--stride", "2", "--methods", "hazy-input", "--run-id", "v"
    )
    assert rc == 0
    rows = pd.read_csv(tmp_path / "runs" / "v" / "per_image.csv")
    assert list(rows["image_id"]) == ["clip_000000", "clip_000002", "clip_000004"]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_report_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    data = _smoky_folder(tmp_path / "smoky")
    assert _run(tmp_path, "--data", str(data), "--methods", "dcp,hazy-input", "--run-id", "h") == 0
    report = tmp_path / "runs" / "h" / "report.html"
    shot = tmp_path / "shot.png"
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    # the script ran: each viewer's images got their sources, and the cut was placed
    assert dom.count('class="bottom" alt="right" src="data:image/png') >= 1
    assert "clip-path: inset(0px 50% 0px 0px)" in dom or "inset(0 50% 0 0)" in dom
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={shot}",
            "--window-size=1200,1600",
            report.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    image = np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(shot).convert("RGB"))
    assert image.shape[:2] == (1600, 1200) and image.std() > 20  # not a blank page


def test_check_defaults_follow_the_run_metric_set() -> None:
    from benchmark.check.options import DEFAULT_METRICS, default_metrics_for

    assert default_metrics_for(None) == DEFAULT_METRICS
    assert default_metrics_for(["psnr", "ssim", "ciede2000"]) == DEFAULT_METRICS
    assert default_metrics_for(NO_REFERENCE) == (
        "dark_channel",
        "piqe",
        "niqe",
        "fade",
        "cpbd",
        "contrast_e",
        "contrast_r",
        "saturated",
        "latency",
    )


def test_video_run_records_flicker(tmp_path: Path) -> None:
    """The input itself adds no flicker (1); a method that alternates brightness adds some."""
    path = tmp_path / "clip.avi"
    rng = np.random.default_rng(1)
    scene = rng.integers(40, 200, (32, 32, 3)).astype(np.uint8)
    with VideoWriter(path, 10.0, 32, 32) as writer:
        for i in range(6):
            writer.write(np.clip(scene.astype(int) + 3 * i, 0, 255).astype(np.uint8))
    rc = _run(
        tmp_path,
        "--data",
        str(path),
        "--methods",
        "hazy-input,dcp",
        "--run-id",
        "f",
        "--batch-size",
        "4",
    )
    assert rc == 0
    run = tmp_path / "runs" / "f"
    rows = pd.read_csv(run / "per_image.csv")
    hazy = rows[rows["spec"] == "hazy-input"]
    assert np.isnan(hazy["frame_change_out"].iloc[0])  # the first frame has no predecessor
    assert hazy["frame_change_out"].iloc[1:].notna().all()  # across the batch boundary too
    summary = pd.read_csv(run / "summary.csv").set_index("spec")
    assert summary.loc["hazy-input", "flicker"] == pytest.approx(1.0)
    assert np.isfinite(summary.loc["dcp", "flicker"])
    assert "Flicker ↓ (1 = adds none)" in (run / "table1.md").read_text()


def test_frame_changes_follow_consecutive_frames_per_video() -> None:
    import torch

    from benchmark.metrics.flicker import FrameChanges, flicker

    frames = FrameChanges()
    a = torch.zeros(2, 3, 4, 4)
    b = torch.stack([torch.full((3, 4, 4), 0.5), torch.full((3, 4, 4), 0.25)])
    first = frames.update([0, 1], ["v", "v"], a, b)
    assert np.isnan(first["frame_change_out"][0]) and first["frame_change_out"][1] == 0.0
    assert first["frame_change_in"][1] == pytest.approx(0.25)
    later = frames.update([3, 4], ["v", "w"], a, b)  # 2 was not scored; w starts anew
    assert np.isnan(later["frame_change_in"]).all()
    assert flicker(np.array([0.1, 0.3]), np.array([0.2, 0.2])) == pytest.approx(1.0)


def test_a_run_begun_without_the_input_reports_and_resumes_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run folder from before the input was added: report works, resuming adds the input."""
    data = _smoky_folder(tmp_path / "smoky", n=3)
    args = ["--data", str(data), "--methods", "dcp", "--run-id", "old"]
    assert _run(tmp_path, *args) == 0
    run = tmp_path / "runs" / "old"
    for name in ("per_image.csv", "methods.csv"):  # strip the input, as an older run had none
        table = pd.read_csv(run / name, keep_default_na=False)
        table[table["spec"] != "hazy-input"].to_csv(run / name, index=False)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["specs"] = ["dcp"]
    manifest["weights"] = {"dcp": None}
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert main(["report", str(run)]) == 0
    assert "Hazy input" not in (run / "table1.md").read_text()
    capsys.readouterr()
    assert _run(tmp_path, *args) == 0
    err = capsys.readouterr().err
    assert "resuming run old" in err and "hazy-input added as the reference row" in err
    assert "dcp: already complete in this run" in err
    rows = pd.read_csv(run / "per_image.csv")
    assert sorted(set(rows["spec"])) == ["dcp", "hazy-input"] and len(rows) == 6
    table = (run / "table1.md").read_text()
    assert "reference: the unprocessed input" in table and "| 100 [" in table
