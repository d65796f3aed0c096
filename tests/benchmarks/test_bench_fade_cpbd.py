"""pytest-benchmark: CPBD against its reference package, in the same process.

Both get the same 8-bit frames on one thread (the reference is single-threaded numpy): CPBD
against cpbd.compute on the same "L" grey, per 256x256 frame (a batch of 8) and per 1080x1920
frame. The target: ours costs no more than the reference (ratio reference / ours >= 1). (FADE
is scored by its reference, pyfade, itself: benchmark/metrics/fade.py says why, with the numbers
this file measured at commit 0f8cebe.) Run with ``nox -s bench``.
"""

from __future__ import annotations

import pytest
import scipy.ndimage
import torch
from pytest_benchmark.fixture import BenchmarkFixture

from benchmark.metrics.cpbd import cpbd, luma_l
from tests.benchmarks.test_bench_no_reference import _best, _smooth_images


def _frames(n: int, height: int, width: int, seed: int) -> torch.Tensor:
    return _smooth_images(n, height, width, seed)


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
