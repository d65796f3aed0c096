"""StreamedSplit: video frames decoded on demand, in order, never all held; same frames as loaded."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.data import StreamedSplit, load_split, open_dataset, open_split
from benchmark.data import unpaired as unpaired_module
from benchmark.data.loaded import LoadedSplit
from benchmark.data.video import VideoWriter
from benchmark.errors import DatasetError

CPU = torch.device("cpu")


def textured_clip(path: Path, frames: int, size: tuple[int, int] = (40, 32)) -> Path:
    """A textured scene drifting under a veil that thickens frame by frame (MJPG .avi)."""
    width, height = size
    rng = np.random.default_rng(3)
    scene = rng.integers(0, 256, (height, width + frames, 3)).astype(float)
    with VideoWriter(path, 10.0, width, height) as writer:
        for k in range(frames):
            veil = 0.1 + 0.6 * k / max(frames - 1, 1)
            view = scene[:, k : k + width] * (1 - veil) + 220 * veil
            writer.write(np.round(view).astype(np.uint8))
    return path


class Tracked(np.ndarray):
    """A decoded frame whose lifetime a test can follow (plain arrays take no weak references)."""


class DecodeCounter:
    """Wraps the decoder: counts frames decoded and the most of them alive at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = unpaired_module.iter_frames
        self.alive: list[weakref.ref] = []
        self.decoded = 0
        self.peak = 0
        monkeypatch.setattr(unpaired_module, "iter_frames", self.frames)

    def frames(self, *args, **kwargs) -> Iterator[tuple[int, np.ndarray]]:
        for index, frame in self.real(*args, **kwargs):
            tracked = frame.view(Tracked)
            del frame
            self.alive = [r for r in self.alive if r() is not None]
            self.alive.append(weakref.ref(tracked))
            self.peak = max(self.peak, len(self.alive))
            self.decoded += 1
            yield index, tracked
            del tracked


def test_frames_equal_the_loaded_split_and_only_one_batch_is_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = open_dataset(textured_clip(tmp_path / "clip.avi", 30))
    loaded = load_split(data, data.ids())
    counter = DecodeCounter(monkeypatch)
    split = open_split(data, data.ids(), lambda image: float(image.mean()))
    assert isinstance(split, StreamedSplit) and not split.paired
    assert counter.decoded == 30 and counter.peak <= 2  # the first pass keeps no frame
    assert split.ids == loaded.ids and split.groups == loaded.groups and not split.errors
    assert split.common_size() == loaded.common_size() == (32, 40)
    assert split.batches(4) == loaded.batches(4)
    np.testing.assert_allclose(split.measured, [float(h.mean()) for h in loaded.hazy])
    for batch in split.batches(4):
        streamed, none = split.tensors(batch, CPU)
        expected, _ = loaded.tensors(batch, CPU)
        assert none is None and torch.equal(streamed, expected)
        assert split.held == len(batch)
    assert counter.peak <= 4 + 2  # one batch held plus the frame being decoded
    assert split.passes == 2 and counter.decoded == 60  # the scan, then one pass in order


def test_an_earlier_frame_starts_a_new_pass_and_a_batch_can_be_re_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = open_dataset(textured_clip(tmp_path / "clip.avi", 8))
    loaded = load_split(data, data.ids())
    split = StreamedSplit(data, data.ids())
    counter = DecodeCounter(monkeypatch)
    split.tensors([4, 5], CPU)
    split.tensors([5], CPU)  # from what is held (the scorer retries a failing batch per image)
    assert split.passes == 2 and counter.decoded == 6
    again, _ = split.tensors([1], CPU)  # behind the stream: the next method's pass
    assert split.passes == 3 and torch.equal(again, loaded.tensors([1], CPU)[0])
    split.close()
    assert split.held == 0


def test_a_wrong_size_frame_mid_video_is_an_error_and_the_others_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    textured_clip(tmp_path / "clip.avi", 5)
    data = open_dataset(tmp_path / "clip.avi")
    frames = [np.full((32, 40, 3), 10 * k, np.uint8) for k in range(5)]
    frames[2] = np.full((16, 40, 3), 10, np.uint8)

    def fake_frames(path, stride=1, max_frames=None):
        yield from list(enumerate(frames))[: max_frames or None : stride]

    monkeypatch.setattr(unpaired_module, "iter_frames", fake_frames)
    split = StreamedSplit(data, data.ids())
    assert list(split.errors) == [2] and "frame 2 is 40x16" in split.errors[2]
    assert "\n" not in split.errors[2]
    assert split.batches(8) == load_split(data, data.ids()).batches(8) == [[0, 1, 3, 4]]
    with pytest.raises(DatasetError, match="frame 2 is 40x16"):
        split.tensors([2], CPU)
    hazy, _ = split.tensors([3, 4], CPU)
    assert torch.equal(hazy[1], torch.full((3, 32, 40), 40 / 255))


def test_a_frame_that_stops_decoding_after_the_scan_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = open_dataset(textured_clip(tmp_path / "clip.avi", 4))
    split = StreamedSplit(data, data.ids())
    real = unpaired_module.iter_frames

    def shorter(path, stride=1, max_frames=None):
        yield from list(real(path, stride, max_frames))[:2]

    monkeypatch.setattr(unpaired_module, "iter_frames", shorter)
    with pytest.raises(DatasetError, match="does not decode") as info:
        split.tensors([3], CPU)
    assert "\n" not in str(info.value)


def test_image_folders_are_still_loaded_once(tmp_path: Path) -> None:
    from tests.benchmark.data.helpers import rgb, save

    save(tmp_path / "a.png", rgb())
    data = open_dataset(tmp_path)
    assert isinstance(open_split(data, data.ids()), LoadedSplit)
