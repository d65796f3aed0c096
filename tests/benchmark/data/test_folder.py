"""Tests of FolderDataset: loading pairs, naming bad files, stacking, fingerprint, SOTS."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.data import DatasetError, FolderDataset
from tests.benchmark.data.helpers import make_pairs, rgb, save
from tests.conftest import SHARED_DATA

SOTS = SHARED_DATA / "sots_indoor_30"


def test_folder_size_mismatch_and_unreadable_name_the_file(tmp_path: Path) -> None:
    """Bad pairs raise DatasetError naming the files when loaded; the rest still load."""
    save(tmp_path / "hazy" / "big.png", rgb(20, 20))
    save(tmp_path / "clear" / "big.png", rgb(10, 10))
    (tmp_path / "hazy").joinpath("broken.png").write_bytes(b"\x89PNG not really")
    save(tmp_path / "clear" / "broken.png", rgb())
    make_pairs(tmp_path, {"good.png": "good.png"})
    ds = FolderDataset(tmp_path)
    with pytest.raises(DatasetError, match=r"hazy/big\.png is 20x20 but clear/big\.png is 10x10"):
        ds.load_pair("big")
    with pytest.raises(DatasetError, match=r"cannot read image hazy/broken\.png") as err:
        ds.load_pair("broken")
    assert "\n" not in str(err.value)
    assert ds.load_pair("good")[0].shape == (12, 16, 3)
    problems = ds.check()
    assert len(problems) == 2 and any("broken.png" in p for p in problems)


def test_folder_load_many_needs_equal_sizes(tmp_path: Path) -> None:
    """load_many stacks equal-sized pairs and refuses mixed sizes with a clear message."""
    save(tmp_path / "hazy" / "a.png", rgb(8, 8))
    save(tmp_path / "clear" / "a.png", rgb(8, 8))
    make_pairs(tmp_path, {"b.png": "b.png", "c.png": "c.png"})
    ds = FolderDataset(tmp_path)
    hazy, clear = ds.load_many(["b", "c"])
    assert hazy.shape == clear.shape == (2, 12, 16, 3)
    with pytest.raises(DatasetError, match="sizes differ"):
        ds.load_many(["a", "b"])


def test_folder_fingerprint_follows_file_bytes(tmp_path: Path) -> None:
    """Same files -> same fingerprint; changed bytes -> a different one."""
    make_pairs(tmp_path, {"1.png": "1.png", "2.png": "2.png"})
    first = FolderDataset(tmp_path).fingerprint
    assert first == FolderDataset(tmp_path).fingerprint and len(first) == 64
    save(tmp_path / "clear" / "2.png", rgb(seed=42))
    assert FolderDataset(tmp_path).fingerprint != first


@pytest.mark.skipif(not SOTS.is_dir(), reason="shared SOTS indoor subset not available")
def test_sots_indoor_30_pairs_all() -> None:
    """The RESIDE SOTS subset: 30 hazy <scene>_<k>.png pair with clear/<scene>.png."""
    ds = FolderDataset(SOTS)
    assert len(ds.ids("all")) == 30 and not any(ds.info()["unpaired"].values())
    assert len(ds.ids("train")) + len(ds.ids("test")) == 30
    first = ds.ids("all")[0]
    assert ds.group(first) == first.split("_")[0]
    hazy, clear = ds.load_pair(first)
    assert hazy.shape == clear.shape == (460, 620, 3)
