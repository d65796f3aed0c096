"""Tests of load_split/LoadedSplit: pairs loaded once, errors kept, batches of equal sizes."""

from __future__ import annotations

from pathlib import Path

import torch

from benchmark.data import FolderDataset, load_split
from tests.benchmark.data.helpers import make_pairs, rgb, save


def test_load_split_keeps_errors_and_batches_by_size(tmp_path: Path) -> None:
    """A broken pair becomes an error entry; batches hold consecutive images of one size."""
    make_pairs(tmp_path, {"a.png": "a.png", "b.png": "b.png"})
    (tmp_path / "hazy" / "c.png").write_bytes(b"not an image")
    save(tmp_path / "clear" / "c.png", rgb())
    for name in ("d.png", "e.png", "f.png"):
        save(tmp_path / "hazy" / name, rgb(8, 8))
        save(tmp_path / "clear" / name, rgb(8, 8))
    dataset = FolderDataset(tmp_path)
    split = load_split(dataset, dataset.ids("all"))
    assert split.ids == ["a", "b", "c", "d", "e", "f"] and split.groups == split.ids
    assert list(split.errors) == [2] and "hazy/c.png" in split.errors[2]
    assert split.batches(8) == [[0, 1], [3, 4, 5]] and split.batches(2) == [[0, 1], [3, 4], [5]]
    assert split.common_size() == (8, 8)
    hazy, clear = split.tensors([3, 4], torch.device("cpu"))
    assert hazy.shape == clear.shape == (2, 3, 8, 8) and hazy.dtype == torch.float32
    assert float(hazy.max()) <= 1.0
