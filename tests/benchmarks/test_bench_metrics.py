"""pytest-benchmark: benchmark.metrics against scikit-image on one 1080x1920 RGB pair.

Run with ``python -m pytest tests/benchmarks --benchmark-only`` (or ``nox -s bench``); the default
pytest options skip these. Torch is pinned to 2 intra-op threads (skimage's numpy/scipy code runs on
one); every benchmark records the thread counts and versions in extra_info. Each group holds ours
next to skimage's, skimage getting the same pixels as (H, W, 3) numpy arrays twice: float32, the
tensors' own dtype (skimage then computes in float32; the faster baseline), and float64 (what
``img_as_float`` gives for 8-bit images, and what tests/benchmark/test_metrics.py compares against).

test_speed_ratio_vs_skimage times ours and skimage in the same process, interleaved, takes the best
of a few repeats of each, stores skimage/ours in extra_info and asserts the targets: SSIM at least
5x faster than skimage's Gaussian SSIM, PSNR and CIEDE2000 no slower. Timings from a machine busy
with other work mean little: the 2-thread torch code then loses more than skimage's single thread.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np
import pytest
import torch
from pytest_benchmark.fixture import BenchmarkFixture

from benchmark.metrics import ciede2000, psnr, ssim

skimage = pytest.importorskip("skimage")
skm = pytest.importorskip("skimage.metrics")
skc = pytest.importorskip("skimage.color")

THREADS = 2
torch.set_num_threads(THREADS)

HEIGHT, WIDTH = 1080, 1920
OURS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "psnr": psnr,
    "ssim": ssim,
    "ciede2000": ciede2000,
}
MIN_RATIO = {"psnr": 1.0, "ssim": 5.0, "ciede2000": 1.0}  # skimage float32 time / ours
ROUNDS = {"psnr": 30, "ssim": 10, "ciede2000": 5}  # ours, per benchmark
SK_ROUNDS = {"psnr": 20, "ssim": 4, "ciede2000": 3}  # skimage, per benchmark and dtype
REPEATS = {"psnr": 15, "ssim": 5, "ciede2000": 3}  # interleaved repeats in the ratio test


@pytest.fixture(scope="module")
def pair() -> dict[str, object]:
    """A seeded 1080x1920 (pred, target) pair as tensors and as float32 / float64 HWC arrays."""
    gen = torch.Generator().manual_seed(0)
    target = torch.rand(1, 3, HEIGHT, WIDTH, generator=gen)
    pred = (target + 0.05 * torch.randn(target.shape, generator=gen)).clamp(0, 1)
    arrays = {}
    for dtype in (np.float32, np.float64):
        arrays[dtype] = tuple(
            np.ascontiguousarray(x[0].permute(1, 2, 0).numpy().astype(dtype))
            for x in (pred, target)
        )
    return {"pred": pred, "target": target, "arrays": arrays}


def _skimage(name: str, target: np.ndarray, pred: np.ndarray) -> float:
    """skimage's value of a metric for one (H, W, 3) pair, with the settings our metrics mirror."""
    if name == "psnr":
        return skm.peak_signal_noise_ratio(target, pred, data_range=1.0)
    if name == "ssim":
        return skm.structural_similarity(
            target,
            pred,
            channel_axis=-1,
            data_range=1.0,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
        )
    return skc.deltaE_ciede2000(skc.rgb2lab(target), skc.rgb2lab(pred)).mean()


def _record(benchmark: BenchmarkFixture, impl: str, input_dtype: str) -> None:
    """Thread counts, versions and inputs, so that saved runs can be compared fairly."""
    benchmark.extra_info.update(
        {
            "impl": impl,
            "input": f"1x3x{HEIGHT}x{WIDTH} {input_dtype}",
            "torch_threads": torch.get_num_threads(),
            "torch_interop_threads": torch.get_num_interop_threads(),
            "skimage_threads": 1,
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
            "MKL_NUM_THREADS": os.environ.get("MKL_NUM_THREADS"),
            "cpu_count": os.cpu_count(),
            "torch": torch.__version__,
            "skimage": skimage.__version__,
        }
    )


@pytest.mark.parametrize("name", list(OURS))
def test_ours(benchmark: BenchmarkFixture, pair: dict, name: str) -> None:
    benchmark.group = name
    _record(benchmark, "ours (torch)", "float32")
    fn = OURS[name]
    result = benchmark.pedantic(
        fn, args=(pair["pred"], pair["target"]), rounds=ROUNDS[name], warmup_rounds=1
    )
    assert result.shape == (1,) and result.dtype == torch.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(OURS))
def test_skimage(benchmark: BenchmarkFixture, pair: dict, name: str, dtype: type) -> None:
    benchmark.group = name
    _record(benchmark, f"skimage {dtype.__name__}", dtype.__name__)
    pred, target = pair["arrays"][dtype]
    benchmark.pedantic(_skimage, args=(name, target, pred), rounds=SK_ROUNDS[name], warmup_rounds=1)


def _seconds(fn: Callable[[], object]) -> float:
    """Wall time of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@pytest.mark.parametrize("name", list(OURS))
def test_speed_ratio_vs_skimage(benchmark: BenchmarkFixture, pair: dict, name: str) -> None:
    benchmark.group = f"{name} ratio"
    _record(benchmark, "ours (torch) vs skimage", "float32")
    ours = OURS[name]
    pred_t, target_t = pair["pred"], pair["target"]
    calls = {
        "ours": lambda: ours(pred_t, target_t),
        **{
            f"skimage_{dtype.__name__}": (
                lambda arrays=pair["arrays"][dtype]: _skimage(name, arrays[1], arrays[0])
            )
            for dtype in (np.float32, np.float64)
        },
    }
    best = dict.fromkeys(calls, float("inf"))
    for fn in calls.values():
        fn()  # warm-up: first-call allocations
    for _ in range(REPEATS[name]):
        for key, fn in calls.items():
            best[key] = min(best[key], _seconds(fn))
    benchmark.pedantic(calls["ours"], rounds=ROUNDS[name], warmup_rounds=1)
    stats = getattr(benchmark.stats, "stats", None)
    if stats is not None:
        best["ours"] = min(best["ours"], stats.min)

    ratio32 = best["skimage_float32"] / best["ours"]
    ratio64 = best["skimage_float64"] / best["ours"]
    benchmark.extra_info.update(
        {
            "ours_ms": round(best["ours"] * 1e3, 2),
            "skimage_float32_ms": round(best["skimage_float32"] * 1e3, 2),
            "skimage_float64_ms": round(best["skimage_float64"] * 1e3, 2),
            "ratio_skimage_float32_over_ours": round(ratio32, 2),
            "ratio_skimage_float64_over_ours": round(ratio64, 2),
            "min_ratio": MIN_RATIO[name],
        }
    )
    print(
        f"\n{name}: ours {best['ours'] * 1e3:.1f} ms, skimage float32 "
        f"{best['skimage_float32'] * 1e3:.1f} ms (x{ratio32:.2f}), float64 "
        f"{best['skimage_float64'] * 1e3:.1f} ms (x{ratio64:.2f})"
    )
    assert ratio32 >= MIN_RATIO[name], (
        f"{name}: skimage float32 / ours = {ratio32:.2f}, target >= {MIN_RATIO[name]}"
    )
