"""pytest-benchmark: CPBD against its reference package, in the same process.

Both get the same 8-bit frames on one thread (the reference is single-threaded numpy): CPBD
against cpbd.compute on the same "L" grey, per 256x256 frame (a batch of 8) and per 1080x1920
frame. The target: ours costs no more than the reference (ratio reference / ours >= 1). (FADE
is scored by its reference, pyfade, itself: benchmark/metrics/fade.py says why, with the numbers
this file measured at commit 0f8cebe.) Run with ``nox -s bench``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest
import scipy.ndimage
import torch
from pytest_benchmark.fixture import BenchmarkFixture

from benchmark.metrics.cpbd import cpbd, luma_l


def _best(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _frames(n: int, height: int, width: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    noise = torch.rand(n, 3, height // 8, width // 8, generator=gen)
    up = torch.nn.functional.interpolate(noise, size=(height, width), mode="bilinear")
    fine = 0.1 * torch.rand(n, 3, height, width, generator=gen)
    return torch.round((0.8 * up + fine).clamp(0, 1) * 255) / 255


def _uint8(frames: torch.Tensor) -> list[np.ndarray]:
    return [np.round(f.permute(1, 2, 0).numpy() * 255).astype(np.uint8) for f in frames]


def _compare(benchmark, name, ours_fn, ref_fn, frames, repeats) -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ours = _best(ours_fn, repeats) / len(frames)
        ref = _best(ref_fn, repeats) / len(frames)
        benchmark.pedantic(ours_fn, rounds=repeats, warmup_rounds=0)
    finally:
        torch.set_num_threads(threads)
    size = f"{frames.shape[2]}x{frames.shape[3]}"
    benchmark.group = f"{name} {size} vs its reference (1 thread)"
    benchmark.extra_info.update(
        {"ours_ms_per_frame": round(ours * 1e3, 1), "reference_ms_per_frame": round(ref * 1e3, 1)}
    )
    print(f"\n{name} {size}: ours {ours * 1e3:.1f} ms/frame, reference {ref * 1e3:.1f} ms/frame")
    assert ref / ours >= 1.0, f"{name} {size} costs {ours / ref:.2f}x its reference"


@pytest.mark.parametrize("shape", [(8, 256, 256), (1, 1080, 1920)])
def test_cpbd_vs_cpbd_package(benchmark: BenchmarkFixture, shape, monkeypatch) -> None:
    monkeypatch.setattr(scipy.ndimage, "imread", None, raising=False)
    reference = pytest.importorskip("cpbd")
    frames = _frames(*shape, seed=1)
    greys = luma_l(frames)
    _compare(
        benchmark,
        "CPBD",
        lambda: cpbd(frames),
        lambda: [reference.compute(g) for g in greys],
        frames,
        2,
    )
