"""Tests of open_dataset(): synthetic by name, folders by path, one-line errors otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.data import DatasetError, FolderDataset, SyntheticEndoscopyDataset, open_dataset
from tests.benchmark.data.helpers import make_pairs


def test_open_dataset_dispatch(tmp_path: Path) -> None:
    """None/'synthetic' -> synthetic (with options), a folder -> FolderDataset, else an error."""
    assert isinstance(open_dataset(None), SyntheticEndoscopyDataset)
    ds = open_dataset("synthetic", size=64, seed=3)
    assert (ds.size, ds.seed) == (64, 3)
    make_pairs(tmp_path, {"1.png": "1.png"})
    assert isinstance(open_dataset(str(tmp_path)), FolderDataset)
    for spec in ("no-such-thing", str(tmp_path / "hazy" / "1.png")):
        with pytest.raises(DatasetError):
            open_dataset(spec)
    with pytest.raises(DatasetError, match="size"):
        open_dataset(str(tmp_path), size=3)
