"""Tests of split files (split.json, train.txt/test.txt) and the stable hash split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.data import DatasetError, FolderDataset
from benchmark.data.split_files import TEST_BUCKETS, group_hash
from tests.benchmark.data.helpers import make_pairs, rgb, save


def test_folder_split_json_is_respected(tmp_path: Path) -> None:
    """split.json decides the split; entries may carry an extension; unknown ones are noted."""
    make_pairs(tmp_path, {f"{k}.png": f"{k}.png" for k in range(5)})
    split = {"train": ["0", "1.png", "2"], "test": ["3", "ghost"]}
    (tmp_path / "split.json").write_text(json.dumps(split))
    ds = FolderDataset(tmp_path)
    assert ds.ids("train") == ["0", "1", "2"] and ds.ids("test") == ["3"]
    assert ds.ids("all") == ["0", "1", "2", "3", "4"]
    notes = " ".join(ds.info()["notes"])
    assert "ghost" in notes and "4" in notes
    (tmp_path / "split.json").write_text(json.dumps({"train": ["0"], "test": ["0"]}))
    with pytest.raises(DatasetError, match="both train and test"):
        FolderDataset(tmp_path)
    (tmp_path / "split.json").write_text("{broken")
    with pytest.raises(DatasetError, match=r"split\.json"):
        FolderDataset(tmp_path)


def test_folder_split_txt_files(tmp_path: Path) -> None:
    """train.txt + test.txt; a lone test.txt leaves the rest to train."""
    make_pairs(tmp_path, {f"{k}.png": f"{k}.png" for k in range(4)})
    (tmp_path / "test.txt").write_text("# held out\n2\n\n3.png\n")
    ds = FolderDataset(tmp_path)
    assert ds.ids("test") == ["2", "3"] and ds.ids("train") == ["0", "1"]
    (tmp_path / "train.txt").write_text("0\n")
    ds = FolderDataset(tmp_path)
    assert ds.ids("train") == ["0"] and ds.ids("all") == ["0", "1", "2", "3"]


def test_folder_hash_split_keeps_groups_together_and_is_stable(tmp_path: Path) -> None:
    """About 20 % of scenes go to test, all variants of a scene together, unaffected by adds."""
    tiny_img = rgb(2, 2)
    for scene in range(60):
        save(tmp_path / "clear" / f"{scene}.png", tiny_img)
        for variant in range(3):
            save(tmp_path / "hazy" / f"{scene}_{variant}.png", tiny_img)
    ds = FolderDataset(tmp_path)
    train_groups = {ds.group(i) for i in ds.ids("train")}
    test_groups = {ds.group(i) for i in ds.ids("test")}
    assert not train_groups & test_groups and len(train_groups | test_groups) == 60
    assert 3 <= len(test_groups) <= 24
    assert all(group_hash(g) % TEST_BUCKETS == 0 for g in test_groups)
    for scene in range(60, 70):
        save(tmp_path / "clear" / f"{scene}.png", tiny_img)
        save(tmp_path / "hazy" / f"{scene}_0.png", tiny_img)
    grown = FolderDataset(tmp_path)
    assert set(ds.ids("test")) <= set(grown.ids("test"))
    assert set(ds.ids("train")) <= set(grown.ids("train"))
