"""Tests of export(): PNG folders that FolderDataset reads back bit-exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.data import DatasetError, FolderDataset, export
from tests.benchmark.data.helpers import tiny


def test_export_then_read_back_is_identical(tmp_path: Path) -> None:
    """export() writes PNGs that FolderDataset reads back bit-exactly, with splits and groups."""
    source = tiny(n_cases=2, frames_per_case=3)
    assert export(source, tmp_path / "out", "all") == 6
    back = FolderDataset(tmp_path / "out")
    assert back.ids("all") == source.ids("all")
    assert back.ids("test") == source.ids("test") and back.ids("train") == source.ids("train")
    assert back.group("case01_f0002") == "case01"
    h1, c1 = source.load_many(source.ids("all"))
    h2, c2 = back.load_many(back.ids("all"))
    np.testing.assert_array_equal(h1, h2)
    np.testing.assert_array_equal(c1, c2)
    with pytest.raises(DatasetError, match="not empty"):
        export(source, tmp_path / "out", "test")
    assert export(source, tmp_path / "out", "test", limit=1, overwrite=True) == 1
