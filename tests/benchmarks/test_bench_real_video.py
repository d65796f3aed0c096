"""pytest-benchmark: the cost of the real-video metrics against same-run peers.

- structure across frames (ORB, SIFT): per 256x256 frame as the run's tracker pays it (each
  frame detected once, matched with its predecessor), against PIQE on the same frame (a
  no-reference metric every real-smoke run scores);
- aligned PSNR+SSIM per 256x256 frame (two DIS flows, the mask, the SSIM map) against the
  suite's SSIM on the same pair.

Ratios only, in extra_info and printed (no pass/fail: they say what a run will cost). Run with
``python -m pytest tests/benchmarks --benchmark-only`` (or ``nox -s bench``).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from pytest_benchmark.fixture import BenchmarkFixture

from benchmark.metrics import get_metric, piqe, ssim
from benchmark.metrics.aligned import score_aligned
from benchmark.metrics.frame_structure import FramePairs
from tests.benchmarks.test_bench_no_reference import _best

THREADS = 2
torch.set_num_threads(THREADS)
FRAMES = 6


@pytest.fixture(scope="module")
def frames() -> torch.Tensor:
    """A drifting textured 256x256 scene, FRAMES frames, 8-bit values."""
    rng = np.random.default_rng(0)
    scene = sum(cv2.GaussianBlur(rng.random((300, 300, 3)), (0, 0), s) * s for s in (1, 3, 8))
    scene = np.round((scene - scene.min()) / (scene.max() - scene.min()) * 255).astype(np.uint8)
    cuts = [scene[2 * k : 2 * k + 256, 3 * k : 3 * k + 256] for k in range(FRAMES)]
    return torch.from_numpy(np.stack(cuts)).permute(0, 3, 1, 2).float() / 255.0


@pytest.mark.parametrize("detector", ["orb", "sift"])
def test_structure_per_frame_vs_piqe(benchmark: BenchmarkFixture, frames, detector) -> None:
    metrics = [get_metric(f"{detector}_matches"), get_metric(f"{detector}_inlier_ratio")]

    def track() -> None:
        FramePairs(metrics).update(range(FRAMES), ["v"] * FRAMES, frames)

    ours = _best(track, 3) / FRAMES
    peer = _best(lambda: piqe(frames, frames), 3) / FRAMES
    benchmark.group = "structure across frames per 256x256 frame vs PIQE"
    benchmark.pedantic(track, rounds=3, warmup_rounds=1)
    benchmark.extra_info.update(
        {
            f"{detector}_ms_per_frame": round(ours * 1e3, 2),
            "piqe_ms_per_frame": round(peer * 1e3, 2),
            "ratio_ours_over_piqe": round(ours / peer, 2),
            "torch_threads": torch.get_num_threads(),
        }
    )
    print(f"\n{detector}: {ours * 1e3:.1f} ms/frame, PIQE {peer * 1e3:.1f} ms (x{ours / peer:.1f})")


def test_aligned_scores_vs_ssim(benchmark: BenchmarkFixture, frames) -> None:
    def to_uint8(x: torch.Tensor) -> np.ndarray:
        return np.ascontiguousarray((x.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))

    out, ref = to_uint8(frames[3]), to_uint8(frames[0])
    ours = _best(lambda: score_aligned(out, ref), 3)
    peer = _best(lambda: ssim(frames[3:4], frames[0:1]), 5)
    benchmark.group = "aligned PSNR+SSIM per 256x256 frame vs SSIM"
    benchmark.pedantic(score_aligned, args=(out, ref), rounds=3, warmup_rounds=1)
    benchmark.extra_info.update(
        {
            "aligned_ms_per_frame": round(ours * 1e3, 2),
            "ssim_ms_per_frame": round(peer * 1e3, 2),
            "ratio_ours_over_ssim": round(ours / peer, 2),
        }
    )
    print(f"\naligned: {ours * 1e3:.1f} ms/frame, SSIM {peer * 1e3:.2f} ms (x{ours / peer:.0f})")
