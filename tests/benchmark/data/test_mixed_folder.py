"""A folder holding both images and videos: the images left out are named, with why, in the
console, the data report, the manifest, Table 1's notes and `data info --check`."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmark.cli import main
from benchmark.data import open_dataset


def _mixed(root: Path) -> Path:
    root.mkdir()
    rng = np.random.default_rng(0)
    writer = cv2.VideoWriter(str(root / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (48, 32))
    if not writer.isOpened():
        pytest.skip("OpenCV cannot write MJPG .avi here")
    for _ in range(3):
        writer.write(rng.integers(0, 255, (32, 48, 3), dtype=np.uint8))
    writer.release()
    for name in ("a.png", "b.png"):
        cv2.imwrite(str(root / name), rng.integers(0, 255, (40, 40, 3), dtype=np.uint8))
    return root


def test_images_beside_videos_are_named_as_left_out(tmp_path: Path, capsys) -> None:
    folder = _mixed(tmp_path / "mix")
    dataset = open_dataset(folder)
    assert dataset.info()["left_out"]["images"] == ["a.png", "b.png"]
    assert main(["data", "info", "--data", str(folder), "--check"]) == 1
    info = json.loads(capsys.readouterr().out)
    assert any("a.png: left out" in p for p in info["problems"])
    args = ["run", "--data", str(folder), "--methods", "hazy-input", "--out", str(tmp_path / "r")]
    args += ["--metrics", "dark_channel"]  # NIQE has no score on frames under 96x96 (exit 1)
    code = main([*args, "--run-id", "m", "--no-progress", "--latency-budget", "0.01"])
    assert code == 3  # a data problem: the exit status says so
    captured = capsys.readouterr()
    assert "2 image file(s) left out (e.g. a.png)" in captured.err + captured.out
    run = tmp_path / "r" / "runs" / "m"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["data_report"]["left_out"] == ["a.png", "b.png"]
    assert "2 image file(s) beside the videos were left out" in (run / "table1.md").read_text()
