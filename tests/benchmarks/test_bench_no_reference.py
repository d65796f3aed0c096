"""pytest-benchmark: the no-reference metrics' cost against same-run peers.

Two targets of the no-reference track, each a ratio measured in one process (interleaved, best
of a few repeats, torch pinned to 2 threads):

- the cheap default no-reference metrics together (all but FADE, CPBD, NIQE and Hautiere's e and
  r, which are benchmarked against their references or costed in the README's metric table), on
  a batch of 8 256x256 images, cost no more per image than SSIM + CIEDE2000 (the paired
  defaults' expensive pair) on the same batch;
- PIQE on one 1080x1920 frame is at least 5x faster than pypiqe (the reference the tests check
  PIQE against), given the same grey frame, both on one thread.

Run with ``python -m pytest tests/benchmarks --benchmark-only`` (or ``nox -s bench``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest
import torch
from pytest_benchmark.fixture import BenchmarkFixture

from benchmark.metrics import ciede2000, default_metrics, piqe, ssim
from benchmark.metrics.scoring import score_batch

THREADS = 2
EXPENSIVE = ("fade", "cpbd", "niqe", "contrast_e", "contrast_r")
torch.set_num_threads(THREADS)


def _best(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _smooth_images(n: int, height: int, width: int, seed: int) -> torch.Tensor:
    """8-bit images with texture at several scales (random noise blurred and re-quantised)."""
    gen = torch.Generator().manual_seed(seed)
    noise = torch.rand(n, 3, height // 4, width // 4, generator=gen)
    up = torch.nn.functional.interpolate(noise, size=(height, width), mode="bilinear")
    fine = 0.15 * torch.rand(n, 3, height, width, generator=gen)
    return torch.round((0.8 * up + fine).clamp(0, 1) * 255) / 255


@pytest.fixture(scope="module")
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    """(output, input) batches of 8 images of 256x256."""
    return _smooth_images(8, 256, 256, 0), _smooth_images(8, 256, 256, 1)


def test_no_reference_set_vs_ssim_ciede2000(benchmark: BenchmarkFixture, batch) -> None:
    out, hazy = batch
    metrics = [m for m in default_metrics("no-reference") if m.name not in EXPENSIVE]
    ours = _best(lambda: score_batch(metrics, out, hazy, None), 5)
    peer = _best(lambda: (ssim(out, hazy), ciede2000(out, hazy)), 5)
    benchmark.group = "cheap no-reference set vs SSIM + CIEDE2000 (8 x 256x256)"
    benchmark.pedantic(score_batch, args=(metrics, out, hazy, None), rounds=5, warmup_rounds=1)
    ratio = peer / ours
    benchmark.extra_info.update(
        {
            "no_reference_ms_per_image": round(ours / 8 * 1e3, 3),
            "ssim_ciede2000_ms_per_image": round(peer / 8 * 1e3, 3),
            "ratio_peer_over_ours": round(ratio, 2),
            "torch_threads": torch.get_num_threads(),
        }
    )
    print(
        f"\nno-reference set {ours / 8 * 1e3:.2f} ms/image, SSIM+CIEDE2000 "
        f"{peer / 8 * 1e3:.2f} ms/image (x{ratio:.2f})"
    )
    assert ratio >= 1.0, f"no-reference set costs {1 / ratio:.2f}x SSIM + CIEDE2000"


def test_piqe_1080p_vs_pypiqe(benchmark: BenchmarkFixture) -> None:
    pypiqe = pytest.importorskip("pypiqe")
    frame = _smooth_images(1, 1080, 1920, 2)
    weights = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    rgb = np.round(frame[0].permute(1, 2, 0).double().numpy() * 255)
    grey = np.floor(rgb @ weights + 0.5)  # MATLAB rgb2gray, then piqe.m's scaling to 255
    grey_u8 = np.floor(255 * grey / grey.max() + 0.5).astype(np.uint8)
    # one thread each: pypiqe is single-threaded Python, so this compares the same resources
    # (and 2-thread pools are erratic on a loaded 2-core machine)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ours = _best(lambda: piqe(frame), 3)
        ref = _best(lambda: pypiqe.piqe(grey_u8), 2)
        benchmark.group = "PIQE 1080x1920 vs pypiqe (1 thread)"
        benchmark.pedantic(piqe, args=(frame,), rounds=3, warmup_rounds=1)
    finally:
        torch.set_num_threads(threads)
    ratio = ref / ours
    benchmark.extra_info.update(
        {
            "ours_ms": round(ours * 1e3, 1),
            "pypiqe_ms": round(ref * 1e3, 1),
            "ratio": round(ratio, 1),
        }
    )
    print(f"\nPIQE 1080p: ours {ours * 1e3:.0f} ms, pypiqe {ref * 1e3:.0f} ms (x{ratio:.1f})")
    assert float(piqe(frame)[0]) == pytest.approx(float(pypiqe.piqe(grey_u8)[0]), abs=1e-6)
    assert ratio >= 5.0, f"PIQE only {ratio:.1f}x faster than pypiqe"
