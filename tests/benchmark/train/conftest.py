"""Fixtures of the training tests: a tiny synthetic set, its train split, an AOD-Net file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

import methods
from benchmark.data import open_dataset
from benchmark.train import TrainData, load_train_data


@pytest.fixture(scope="module")
def dataset() -> Any:
    """Tiny synthetic set: 2 train cases x 12 frames of 32x32 (and 1 test case)."""
    return open_dataset(None, size=32, n_cases=3, frames_per_case=12)


@pytest.fixture(scope="module")
def data(dataset: Any) -> TrainData:
    """Its train split in memory: every 4th frame of each case held out (6 val, 18 train)."""
    return load_train_data(dataset, limit=None, val_every=4, progress=False)


@pytest.fixture
def aod_file(tmp_path: Path) -> Path:
    """An AOD-Net state_dict in the port's layout (seeded random values)."""
    torch.manual_seed(123)
    path = tmp_path / "aod.pth"
    torch.save(methods.get_method("aodnet", use_shipped=False).module.state_dict(), path)
    return path
