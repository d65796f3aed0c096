"""Video files: lazy frames with stride and limit, probing, writing, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.data.video import VideoWriter, is_video, iter_frames, probe_video
from benchmark.errors import DatasetError


def _clip(path: Path, frames: int = 10, size: tuple[int, int] = (48, 32)) -> list[np.ndarray]:
    """Write `frames` frames whose mean grey level encodes their index; return them."""
    width, height = size
    images = [np.full((height, width, 3), 20 * i + 10, dtype=np.uint8) for i in range(frames)]
    with VideoWriter(path, 10.0, width, height) as writer:
        for image in images:
            writer.write(image)
    return images


def test_frames_come_in_order_with_stride_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    images = _clip(path)
    got = list(iter_frames(path))
    assert [i for i, _ in got] == list(range(10))
    for (_, frame), image in zip(got, images, strict=True):
        assert frame.shape == (32, 48, 3) and abs(float(frame.mean()) - float(image.mean())) < 3
    assert [i for i, _ in iter_frames(path, stride=3)] == [0, 3, 6, 9]
    assert [i for i, _ in iter_frames(path, stride=2, max_frames=2)] == [0, 2]


def test_probe_reports_the_containers_facts(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    _clip(path, frames=7)
    info = probe_video(path)
    assert (info.width, info.height, info.frames) == (48, 32, 7) and info.fps == pytest.approx(10)
    assert is_video(path) and is_video("a.MP4") and not is_video("a.png")


def test_unreadable_videos_are_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)
    with pytest.raises(DatasetError, match="cannot read video") as info:
        probe_video(junk)
    assert "\n" not in str(info.value)
    with pytest.raises(DatasetError, match="not found"):
        list(iter_frames(tmp_path / "missing.avi"))


def test_writer_refuses_unknown_extensions_and_wrong_sizes(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="extension"):
        VideoWriter(tmp_path / "x.gif", 10, 8, 8)
    with VideoWriter(tmp_path / "x.avi", 10, 8, 8) as writer, pytest.raises(DatasetError):
        writer.write(np.zeros((4, 8, 3), np.uint8))
