"""Tests of pairing hazy and clear files by name, folder aliases and layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.data import DatasetError, FolderDataset
from tests.benchmark.data.helpers import make_pairs, rgb, save


def test_folder_pairs_identical_stems_and_reside_prefixes(tmp_path: Path) -> None:
    """a.png<->a.png, c.jpg<->c.png, 1400_1/1400_2<->1400, 0001_0.8_0.2<->0001."""
    names = {
        "a.png": "a.png",
        "1400_1.png": "1400.png",
        "0001_0.8_0.2.png": "0001.png",
        "sub/7.png": "sub/7.png",
    }
    make_pairs(tmp_path, names)
    save(tmp_path / "hazy" / "1400_2.png", rgb(seed=9))
    save(tmp_path / "hazy" / "c.jpg", rgb(seed=5))
    save(tmp_path / "clear" / "c.png", rgb(seed=6))
    ds = FolderDataset(tmp_path)
    assert ds.ids("all") == ["0001_0.8_0.2", "1400_1", "1400_2", "a", "c", "sub/7"]
    assert ds.group("1400_1") == ds.group("1400_2") == "1400"
    assert ds.group("0001_0.8_0.2") == "0001" and ds.group("a") == "a"
    hazy, clear = ds.load_pair("1400_1")
    np.testing.assert_array_equal(hazy, rgb(seed=1))
    np.testing.assert_array_equal(clear, rgb(seed=101))
    assert ds.name == tmp_path.name and ds.check() == []


def test_folder_same_stem_keeps_extension_in_id(tmp_path: Path) -> None:
    """Two hazy files differing only by extension get ids with the extension."""
    save(tmp_path / "hazy" / "x.png", rgb())
    save(tmp_path / "hazy" / "x.bmp", rgb(seed=1))
    save(tmp_path / "clear" / "x.png", rgb(seed=2))
    assert FolderDataset(tmp_path).ids("all") == ["x.bmp", "x.png"]


@pytest.mark.parametrize(
    ("hazy", "clear"),
    [("input", "gt"), ("smoky", "GT"), ("haze", "target"), ("hazy", "clean")],
)
def test_folder_alias_names(tmp_path: Path, hazy: str, clear: str) -> None:
    """Alternative folder names are recognised."""
    make_pairs(tmp_path, {"1.png": "1.png"}, hazy=hazy, clear=clear)
    assert FolderDataset(tmp_path).ids("all") == ["1"]


def test_folder_reports_unpaired_files_by_name(tmp_path: Path) -> None:
    """Files without a partner are left out and named in info() and check()."""
    make_pairs(tmp_path, {"1.png": "1.png"})
    save(tmp_path / "hazy" / "lonely.png", rgb())
    save(tmp_path / "clear" / "orphan.png", rgb())
    (tmp_path / "hazy" / "readme.txt").write_text("not an image")
    ds = FolderDataset(tmp_path)
    assert ds.ids("all") == ["1"]
    assert ds.info()["unpaired"] == {"hazy": ["hazy/lonely.png"], "clear": ["clear/orphan.png"]}
    notes = " ".join(ds.info()["notes"])
    assert "hazy/lonely.png" in notes and "clear/orphan.png" in notes
    assert any("lonely.png" in p for p in ds.check())


def test_folder_layout_errors(tmp_path: Path) -> None:
    """No layout, and no matching names, give messages saying what is expected."""
    with pytest.raises(DatasetError, match="expected hazy/"):
        FolderDataset(tmp_path)
    save(tmp_path / "hazy" / "1.png", rgb())
    save(tmp_path / "clear" / "2.png", rgb())
    with pytest.raises(DatasetError, match="no names match"):
        FolderDataset(tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        FolderDataset(tmp_path / "missing")


def test_folder_train_test_subfolders(tmp_path: Path) -> None:
    """train/ and test/ folders each with the layout define the split; ids stay unique."""
    make_pairs(tmp_path / "train", {"1.png": "1.png", "2_1.png": "2.png"})
    make_pairs(tmp_path / "test", {"1.png": "1.png"}, hazy="input", clear="gt")
    ds = FolderDataset(tmp_path)
    assert ds.ids("train") == ["train/1", "train/2_1"] and ds.ids("test") == ["test/1"]
    assert ds.group("train/2_1") == "train/2" and ds.group("test/1") == "test/1"
    assert ds.load_pair("test/1")[0].shape == (12, 16, 3)
