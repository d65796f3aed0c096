"""Shared fixtures: where ../shared lives (tests that need it skip cleanly without it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
import torch

SHARED = Path(__file__).resolve().parents[2] / "shared"
AOD_WEIGHTS = SHARED / "weights" / "aodnet_dehazer.pth"
SHARED_DATA = SHARED / "data"

# one thread: 2-thread pools slow down ~10x on a shared, loaded 2-core machine (measured)
torch.set_num_threads(1)
CV2_THREADS = cv2.getNumThreads()


@pytest.fixture(autouse=True)
def _one_thread_again() -> Iterator[None]:
    """Undo a test's thread settings (`enhance --threads 2` runs in-process): later tests
    compare in-process scores with Dask workers, which run one thread each."""
    yield
    torch.set_num_threads(1)
    cv2.setNumThreads(CV2_THREADS)


@pytest.fixture
def aod_weights() -> Path:
    """The public AOD-Net port weights from ../shared, or skip."""
    if not AOD_WEIGHTS.is_file():
        pytest.skip("../shared/weights/aodnet_dehazer.pth not present (only in the dev checkout)")
    return AOD_WEIGHTS


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data not present (only in the dev checkout)")
    return SHARED_DATA


requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture(autouse=True)
def private_weights_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> Path:
    """Every test gets an empty weights cache and no mirror (never the user's ~/.cache)."""
    cache = tmp_path_factory.mktemp("weights-cache")
    monkeypatch.setenv("DEHAZE_BENCH_CACHE", str(cache))
    monkeypatch.delenv("DEHAZE_BENCH_MIRROR", raising=False)
    return cache
