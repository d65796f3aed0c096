"""Data without ground truth: flat and hazy-only folders, videos and folders of videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.data import (
    FolderDataset,
    ImageFolderDataset,
    VideoDataset,
    is_paired,
    load_split,
    open_dataset,
)
from benchmark.data import unpaired as unpaired_module
from benchmark.data.video import VideoWriter
from benchmark.errors import DatasetError
from tests.benchmark.data.helpers import make_pairs, rgb, save


def _clip(path: Path, frames: int = 10, size: tuple[int, int] = (48, 32)) -> None:
    width, height = size
    with VideoWriter(path, 10.0, width, height) as writer:
        for i in range(frames):
            writer.write(np.full((height, width, 3), 20 * i + 10, dtype=np.uint8))


def test_flat_folder_is_an_unpaired_test_set(tmp_path: Path) -> None:
    for name in ("b10", "b2", "a"):
        save(tmp_path / f"{name}.png", rgb(seed=len(name)))
    data = open_dataset(tmp_path)
    assert isinstance(data, ImageFolderDataset) and not is_paired(data)
    assert data.ids("test") == ["a", "b2", "b10"] == data.ids("all")
    assert data.ids("train") == []
    hazy, clear = data.load_pair("b2")
    assert clear is None and np.array_equal(hazy, rgb(seed=2))


def test_hazy_only_folder_reads_hazy(tmp_path: Path) -> None:
    save(tmp_path / "smoky" / "x.png", rgb())
    save(tmp_path / "notes" / "ignored.png", rgb(seed=3))
    data = open_dataset(tmp_path)
    assert isinstance(data, ImageFolderDataset) and data.ids() == ["x"]


def test_paired_folder_still_opens_as_paired(tmp_path: Path) -> None:
    make_pairs(tmp_path, {"1.png": "1.png"})
    data = open_dataset(tmp_path)
    assert isinstance(data, FolderDataset) and is_paired(data)


def test_fingerprint_follows_names_and_bytes(tmp_path: Path) -> None:
    save(tmp_path / "a.png", rgb())
    first = open_dataset(tmp_path).fingerprint
    assert open_dataset(tmp_path).fingerprint == first
    save(tmp_path / "a.png", rgb(seed=9))
    changed = open_dataset(tmp_path).fingerprint
    (tmp_path / "a.png").rename(tmp_path / "b.png")
    assert len({first, changed, open_dataset(tmp_path).fingerprint}) == 3


def test_empty_folder_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("no images")
    with pytest.raises(DatasetError, match=r"no images .* in ") as info:
        open_dataset(tmp_path)
    assert "\n" not in str(info.value)


def test_unreadable_image_is_an_error_for_that_id_only(tmp_path: Path) -> None:
    save(tmp_path / "good.png", rgb())
    (tmp_path / "bad.png").write_bytes(b"not a png")
    data = open_dataset(tmp_path)
    split = load_split(data, data.ids())
    assert split.hazy[data.ids().index("good")] is not None
    assert "bad.png" in split.errors[data.ids().index("bad")]


def test_video_frames_with_stride_and_max_frames(tmp_path: Path) -> None:
    _clip(tmp_path / "clip.avi")
    data = open_dataset(tmp_path / "clip.avi", stride=3, max_frames=3)
    assert isinstance(data, VideoDataset) and not is_paired(data)
    assert data.ids() == ["clip_000000", "clip_000003", "clip_000006"]
    split = load_split(data, data.ids())
    means = [float(image.mean()) for image in split.hazy]
    assert means == pytest.approx([10, 70, 130], abs=3)
    assert not split.errors and split.clear == [None] * 3


def test_video_fingerprint_includes_stride_and_limit(tmp_path: Path) -> None:
    _clip(tmp_path / "clip.avi")
    prints = {
        open_dataset(tmp_path / "clip.avi", **options).fingerprint
        for options in ({}, {"stride": 2}, {"max_frames": 4})
    }
    assert len(prints) == 3


def test_folder_of_videos_is_all_their_frames(tmp_path: Path) -> None:
    _clip(tmp_path / "b.avi", frames=2)
    _clip(tmp_path / "a.avi", frames=3)
    data = open_dataset(tmp_path)
    assert isinstance(data, VideoDataset)
    assert data.ids() == ["a_000000", "a_000001", "a_000002", "b_000000", "b_000001"]
    assert {data.group(i) for i in data.ids()} == {"a", "b"}


def test_corrupt_video_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "broken.mp4").write_bytes(b"\x00" * 1000)
    with pytest.raises(DatasetError, match="cannot read video") as info:
        open_dataset(tmp_path / "broken.mp4")
    assert "\n" not in str(info.value)


def test_corrupt_video_in_a_folder_is_noted_and_skipped(tmp_path: Path) -> None:
    _clip(tmp_path / "good.avi", frames=2)
    (tmp_path / "broken.avi").write_bytes(b"\x00" * 1000)
    data = open_dataset(tmp_path)
    assert data.ids() == ["good_000000", "good_000001"]
    assert "broken.avi" in data.info()["unreadable"]


def test_wrong_size_frame_mid_video_is_an_error_for_that_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clip(tmp_path / "clip.avi", frames=4)
    data = open_dataset(tmp_path / "clip.avi")
    frames = [np.full((32, 48, 3), 10, np.uint8)] * 4
    frames[2] = np.full((16, 48, 3), 10, np.uint8)  # a frame of another size

    def fake_frames(path, stride=1, max_frames=None):
        yield from list(enumerate(frames))[: max_frames or None : stride]

    monkeypatch.setattr(unpaired_module, "iter_frames", fake_frames)
    split = load_split(data, data.ids())
    assert list(split.errors) == [2]
    assert "frame 2 is 48x16" in split.errors[2] and "\n" not in split.errors[2]
    assert sum(image is not None for image in split.hazy) == 3


def test_truncated_video_marks_missing_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clip(tmp_path / "clip.avi", frames=4)
    data = open_dataset(tmp_path / "clip.avi")

    def two_frames(path, stride=1, max_frames=None):
        yield from [(0, np.zeros((32, 48, 3), np.uint8)), (1, np.zeros((32, 48, 3), np.uint8))]

    monkeypatch.setattr(unpaired_module, "iter_frames", two_frames)
    split = load_split(data, data.ids())
    assert sorted(split.errors) == [2, 3] and "does not decode" in split.errors[3]


def test_non_video_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DatasetError, match="not a video"):
        open_dataset(tmp_path / "notes.txt")


def test_video_options_do_not_apply_to_image_folders(tmp_path: Path) -> None:
    save(tmp_path / "a.png", rgb())
    with pytest.raises(DatasetError, match="--stride does not apply"):
        open_dataset(tmp_path, stride=2)


def test_export_of_video_frames_reads_back_as_images(tmp_path: Path) -> None:
    from benchmark.data import export

    _clip(tmp_path / "clip.avi", frames=3)
    data = open_dataset(tmp_path / "clip.avi")
    assert export(data, tmp_path / "out") == 3
    assert not (tmp_path / "out" / "clear").exists()
    back = open_dataset(tmp_path / "out")
    assert back.ids() == data.ids()
    first = load_split(back, back.ids()[:1]).hazy[0]
    assert abs(float(first.mean()) - 10) < 3


def test_split_file_decides_the_splits_of_an_image_folder(tmp_path: Path) -> None:
    for k, name in enumerate(("a", "b", "c", "d")):
        save(tmp_path / "smoky" / f"{name}.png", rgb(seed=k))
    plain = open_dataset(tmp_path).fingerprint
    (tmp_path / "split.json").write_text('{"train": ["a", "b.png"], "test": ["c"]}')
    data = open_dataset(tmp_path)
    assert data.ids("train") == ["a", "b"] and data.ids("test") == ["c"]
    assert data.ids("all") == ["a", "b", "c", "d"]
    info = data.info()
    assert info["splits"] == {"train": 2, "test": 1} and info["split_source"] == "split.json"
    assert any("1 ids are in no split" in note for note in info["notes"])
    assert data.fingerprint != plain  # the split file is part of the data set
    (tmp_path / "split.json").write_text('{"train": ["a"], "test": ["c"]}')
    assert open_dataset(tmp_path).fingerprint != data.fingerprint


def test_test_txt_alone_lists_the_test_images_and_train_takes_the_rest(tmp_path: Path) -> None:
    for k, name in enumerate(("x1", "x2", "x10")):
        save(tmp_path / f"{name}.png", rgb(seed=k))
    (tmp_path / "test.txt").write_text("# held out\nx10\n")
    data = open_dataset(tmp_path)
    assert data.ids("test") == ["x10"] and data.ids("train") == ["x1", "x2"]


def test_split_file_naming_a_missing_image_is_one_clear_line(tmp_path: Path) -> None:
    save(tmp_path / "a.png", rgb())
    (tmp_path / "test.txt").write_text("a\nmissing_frame\n")
    with pytest.raises(DatasetError) as info:
        open_dataset(tmp_path)
    text = str(info.value)
    assert "\n" not in text and "test.txt" in text and "missing_frame" in text


def test_split_file_of_a_folder_of_videos_names_videos_or_frames(tmp_path: Path) -> None:
    _clip(tmp_path / "a.avi", frames=3)
    _clip(tmp_path / "b.avi", frames=2)
    plain = open_dataset(tmp_path).fingerprint
    (tmp_path / "split.json").write_text('{"train": ["a.avi"], "test": ["b", "a_000002"]}')
    with pytest.raises(DatasetError, match="both train and test"):
        open_dataset(tmp_path)
    (tmp_path / "split.json").write_text('{"train": ["a"], "test": ["b_000001"]}')
    data = open_dataset(tmp_path)
    assert data.ids("train") == ["a_000000", "a_000001", "a_000002"]
    assert data.ids("test") == ["b_000001"] and data.fingerprint != plain


def test_training_on_unpaired_train_ids_is_one_clear_line(tmp_path: Path) -> None:
    from benchmark.train.data import load_train_data

    for name in ("a", "b"):
        save(tmp_path / f"{name}.png", rgb())
    (tmp_path / "train.txt").write_text("a\n")
    data = open_dataset(tmp_path)
    assert data.ids("train") == ["a"]
    with pytest.raises(DatasetError, match="no ground truth"):
        load_train_data(data, None, 5, progress=False)
