"""A video run with the real-video metrics: structure across frames, aligned scores against
--reference-frame and published outputs, the same serially and on a local Dask cluster, compared
by `check`, and one clear line for each kind of misuse."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.data.video import VideoWriter
from tests.benchmark.data.test_streamed import textured_clip

FAST = ["--no-progress", "--latency-budget", "0.02", "--batch-size", "4"]
SIZE = (128, 96)  # ORB's default edge threshold (31 px) needs frames well over 62 px
METRICS = "dark_channel,orb_matches,orb_inlier_ratio,sift_matches,aligned_psnr,aligned_ssim"


def _run(out: Path, *args: str) -> int:
    return main(["run", "--out", str(out), *FAST, *args])


@pytest.fixture
def clip_and_outputs(tmp_path: Path) -> tuple[Path, Path]:
    """An 8-frame textured clip and a folder holding 'published' outputs for it (a brighter
    copy, frame k for frame k)."""
    clip = textured_clip(tmp_path / "clip.avi", 8, SIZE)
    outputs = tmp_path / "published"
    outputs.mkdir()
    import cv2

    capture = cv2.VideoCapture(str(clip))
    with VideoWriter(outputs / "clip.avi", 10.0, *SIZE) as writer:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            writer.write(np.clip(rgb.astype(int) + 20, 0, 255).astype(np.uint8))
    capture.release()
    return clip, outputs


def _rows(out: Path, run_id: str) -> pd.DataFrame:
    rows = pd.read_csv(out / "runs" / run_id / "per_image.csv")
    return rows.sort_values(["spec", "image_id"]).reset_index(drop=True)


def test_real_video_metrics_serial_dask_and_check(tmp_path: Path, clip_and_outputs) -> None:
    clip, outputs = clip_and_outputs
    args = ["--data", str(clip), "--reference-frame", "0", "--metrics", METRICS]
    args += ["--methods", f"dcp,outputs:path={outputs},name=Elsewhere"]
    assert _run(tmp_path, *args, "--run-id", "serial") == 0
    rows = _rows(tmp_path, "serial")
    assert (rows["status"] == "ok").all() and len(rows) == 3 * 8
    first = rows["image_id"] == "clip_000000"
    for name in ("orb_matches", "orb_inlier_ratio", "sift_matches", "aligned_psnr"):
        assert rows.loc[first, name].isna().all(), name  # no predecessor / is the reference
        assert rows.loc[~first, name].notna().all(), name
    run = tmp_path / "runs" / "serial"
    summary = pd.read_csv(run / "summary.csv").set_index("spec")
    assert "orb_matches_change" in summary.columns and "aligned_psnr_improved" in summary.columns
    assert np.isnan(summary.loc["hazy-input", "orb_matches_change"])
    table1 = (run / "table1.md").read_text()
    assert "Δ ORB matches vs input [95% CI]" in table1 and "| Elsewhere |" in table1
    assert "Aligned PSNR (dB) [95% CI] ↑" in table1
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["dataset"]["info"]["reference_frame"] == 0
    # a check against itself compares the headline real-video metrics, finding nothing
    assert main(["check", str(run), "--baseline", str(run), "--no-figures"]) == 0
    checked = json.loads(next(run.glob("check*/check.json")).read_text())
    compared = {c["metric"] for c in checked["comparisons"]}
    assert {"orb_matches", "sift_matches", "aligned_psnr", "aligned_ssim"} <= compared


def test_real_video_metrics_on_a_local_dask_cluster(tmp_path: Path, clip_and_outputs) -> None:
    pytest.importorskip("distributed", reason="dask[distributed] not installed")
    clip, outputs = clip_and_outputs
    args = ["--data", str(clip), "--reference-frame", "0", "--metrics", METRICS]
    args += ["--methods", f"outputs:path={outputs}"]
    assert _run(tmp_path, *args, "--run-id", "serial") == 0
    assert _run(tmp_path, *args, "--run-id", "dask", "--scheduler", "local:2") == 0
    serial, dask = _rows(tmp_path, "serial"), _rows(tmp_path, "dask")
    assert serial["image_id"].equals(dask["image_id"]) and (dask["status"] == "ok").all()
    for name in METRICS.split(","):
        a, b = serial[name].to_numpy(float), dask[name].to_numpy(float)
        both = np.isfinite(a) & np.isfinite(b)
        assert both.sum() >= 2 * 4 and np.abs(a[both] - b[both]).max() <= 1e-6, name
    # a task starts its own frame pairs: each chunk's first frame has no predecessor there
    assert dask["orb_matches"].isna().sum() >= serial["orb_matches"].isna().sum()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--reference-frame", "99", "--metrics", "aligned_psnr"], "has fewer frames"),
        (["--metrics", "aligned_psnr"], "give --reference-frame REF"),
        (["--reference-frame", "x", "--metrics", "aligned_psnr"], "a frame index into each"),
    ],
)
def test_misuse_is_one_clear_line(tmp_path: Path, capsys, extra: list[str], message: str) -> None:
    clip = textured_clip(tmp_path / "clip.avi", 3, SIZE)
    assert _run(tmp_path, "--data", str(clip), "--methods", "dcp", *extra) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_frame_pair_metrics_need_video(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    import cv2

    for k in range(2):
        cv2.imwrite(str(folder / f"im{k}.png"), np.full((32, 32, 3), 100 + k, np.uint8))
    assert _run(tmp_path, "--data", str(folder), "--metrics", "orb_matches") == 2
    assert "compares consecutive frames: it needs video data" in capsys.readouterr().err
    args = ["--data", str(folder), "--reference-frame", "nope", "--metrics", "aligned_psnr"]
    assert _run(tmp_path, *args) == 2
    assert "--reference-frame nope: no image with that id" in capsys.readouterr().err
