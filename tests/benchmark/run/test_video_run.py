"""`run --data VIDEO`: frames streamed (bounded memory), same scores as the in-memory path.

The reference for the scores is the previous implementation itself: the same run with the split
loaded whole into memory (`load_split`, patched in for `open_split`), on the same video.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.data import load_split
from benchmark.data import unpaired as unpaired_module
from benchmark.run import runner as runner_module
from tests.benchmark.data.test_streamed import DecodeCounter, textured_clip

FAST = ["--no-progress", "--latency-budget", "0.02", "--batch-size", "4"]
KEYS = ["spec", "image_id", "group", "status", "error"]
IGNORED = ("seconds", "device")


def _run(out: Path, *args: str) -> int:
    return main(["run", "--out", str(out), *FAST, *args])


def _rows(out: Path, run_id: str) -> pd.DataFrame:
    rows = pd.read_csv(out / "runs" / run_id / "per_image.csv", keep_default_na=False)
    rows = rows.drop(columns=list(IGNORED)).sort_values(["spec", "image_id"])
    return rows.reset_index(drop=True)


def _numbers(column: pd.Series) -> pd.Series:
    """A per_image.csv column read as text, as numbers (empty or nan: NaN)."""
    return pd.to_numeric(column, errors="coerce")


def _loaded_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the runner load every frame into memory, as it did before streaming."""
    monkeypatch.setattr(
        runner_module, "open_split", lambda dataset, ids, measure=None: load_split(dataset, ids)
    )


def test_video_streams_with_bounded_frames_and_scores_like_the_in_memory_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = textured_clip(tmp_path / "clip.avi", 24)
    counter = DecodeCounter(monkeypatch)
    assert _run(tmp_path, "--data", str(clip), "--methods", "dcp", "--run-id", "streamed") == 0
    assert "(hazy-input added as the reference row: no ground truth)" in capsys.readouterr().err
    # batches of 4, the frame being decoded and a sample: never the 24 frames of the video
    assert counter.peak <= 4 + 2
    streamed_peak = counter.peak
    _loaded_whole(monkeypatch)
    counter.peak = 0
    assert _run(tmp_path, "--data", str(clip), "--methods", "dcp", "--run-id", "loaded") == 0
    assert counter.peak == 24 > streamed_peak  # the instrument sees a whole-video load
    streamed, loaded = _rows(tmp_path, "streamed"), _rows(tmp_path, "loaded")
    assert len(streamed) == 48 and set(streamed["spec"]) == {"dcp", "hazy-input"}
    pd.testing.assert_frame_equal(streamed, loaded)  # every score, frame changes included
    assert _numbers(streamed["frame_change_out"]).notna().sum() == 2 * 23  # all but the first
    manifests = [
        json.loads((tmp_path / "runs" / run / "manifest.json").read_text())
        for run in ("streamed", "loaded")
    ]
    assert manifests[0]["sample_images"] == manifests[1]["sample_images"]
    frames = [int(i.rsplit("_", 1)[1]) for i in manifests[0]["sample_images"]]
    assert len(frames) == 5 and frames == sorted(frames, reverse=True)  # densest veil first
    table = (tmp_path / "runs" / "streamed" / "table1.md").read_text()
    assert "reference: the unprocessed input" in table and "Flicker" in table


def test_limit_and_resume_stream_only_the_frames_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = textured_clip(tmp_path / "clip.avi", 12)
    args = ["--data", str(clip), "--methods", "dcp,hazy-input", "--limit", "10"]
    assert _run(tmp_path, *args, "--run-id", "full") == 0
    full = _rows(tmp_path, "full")
    assert len(full) == 20 and full["image_id"].max() == "clip_000009"
    run = tmp_path / "runs" / "full"
    # as if interrupted: dcp's last 3 rows and its final methods.csv row never written
    rows = pd.read_csv(run / "per_image.csv", keep_default_na=False)
    cut = rows[rows["spec"] == "dcp"].index[-3:]
    rows.drop(index=cut).to_csv(run / "per_image.csv", index=False)
    table = pd.read_csv(run / "methods.csv", keep_default_na=False)
    last_dcp = table[(table["spec"] == "dcp") & (table["status"] == "done")].index
    table.drop(index=last_dcp).to_csv(run / "methods.csv", index=False)
    counter = DecodeCounter(monkeypatch)
    assert _run(tmp_path, *args, "--run-id", "full") == 0
    resumed = _rows(tmp_path, "full")
    assert counter.peak <= 4 + 2
    metrics = [c for c in full.columns if c not in (*KEYS, "method", *FRAME_CHANGES)]
    pd.testing.assert_frame_equal(
        resumed.drop(columns=FRAME_CHANGES), full.drop(columns=FRAME_CHANGES)
    )
    assert metrics and not resumed.duplicated(["spec", "image_id"]).any()
    # the first frame scored after the cut has no scored predecessor in this pass: no change
    dcp = _numbers(resumed[resumed["spec"] == "dcp"].set_index("image_id")["frame_change_out"])
    assert np.isnan(dcp["clip_000007"]) and np.isfinite(dcp["clip_000008"])


FRAME_CHANGES = ["frame_change_out", "frame_change_in"]


def test_a_wrong_size_frame_is_skipped_with_one_reason_and_the_run_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = textured_clip(tmp_path / "clip.avi", 6)
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (32, 40, 3), dtype=np.uint8) for _ in range(6)]
    frames[3] = frames[3][:16]  # a frame of another size mid-video

    def fake_frames(path, stride=1, max_frames=None):
        yield from list(enumerate(frames))[: max_frames or None : stride]

    monkeypatch.setattr(unpaired_module, "iter_frames", fake_frames)
    assert _run(tmp_path, "--data", str(clip), "--methods", "dcp", "--run-id", "w") == 3
    err = capsys.readouterr().err
    assert (
        "data: skipped clip_000003: clip.avi frame 3 is 40x16, the video's first frame 40x32" in err
    )
    rows = _rows(tmp_path, "w")
    assert len(rows) == 10 and set(rows["status"]) == {"ok"}
    assert "clip_000003" not in set(rows["image_id"])
    manifest = json.loads((tmp_path / "runs" / "w" / "manifest.json").read_text())
    assert list(manifest["data_report"]["skipped"]) == ["clip_000003"]


def test_a_corrupt_video_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.avi"
    bad.write_bytes(b"RIFF" + bytes(200))
    assert _run(tmp_path, "--data", str(bad), "--methods", "dcp") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot read video" in err and "broken.avi" in err


@pytest.mark.slow
def test_video_on_a_local_dask_cluster_matches_the_serial_scores(tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="dask[distributed] not installed")
    clip = textured_clip(tmp_path / "clip.avi", 10)
    args = ["--data", str(clip), "--methods", "dcp"]
    assert _run(tmp_path, *args, "--run-id", "serial") == 0
    assert _run(tmp_path, *args, "--run-id", "dask", "--scheduler", "local:2") == 0
    serial, dask = _rows(tmp_path, "serial"), _rows(tmp_path, "dask")
    assert serial[KEYS].equals(dask[KEYS]) and len(dask) == 20
    for name in [c for c in serial.columns if c not in (*KEYS, "method")]:
        a, b = _numbers(serial[name]).to_numpy(), _numbers(dask[name]).to_numpy()
        both = np.isfinite(a) & np.isfinite(b)
        # initial: NIQE (now default) is NaN on every frame this small
        assert np.abs(a[both] - b[both]).max(initial=0.0) <= 1e-6, name
    # a task scores one batch and starts its own frame changes: a batch's first frame has none
    assert _numbers(dask["frame_change_out"]).isna().sum() == 2 * 3
