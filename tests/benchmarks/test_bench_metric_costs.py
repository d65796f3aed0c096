"""pytest-benchmark: the cost of every default no-reference metric, against PIQE in the same run.

On 8 real DeSmoke-LAP frames (256x256) and one real 1080x1920 frame from ../shared (skipped
without it), one torch thread, each output scored against a veiled copy as its input (the
Hautiere metrics segment both). Prints ms per frame and the ratio to PIQE: the README's metric
table. Run with ``python -m pytest tests/benchmarks/test_bench_metric_costs.py --benchmark-only -s``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from pytest_benchmark.fixture import BenchmarkFixture

from benchmark.metrics import default_metrics, get_metric, piqe
from benchmark.metrics import visible_edges as edges


def _load(paths: list[Path]) -> torch.Tensor:
    arrays = [np.asarray(Image.open(p).convert("RGB")).copy() for p in paths]
    return torch.stack([torch.from_numpy(a).permute(2, 0, 1) for a in arrays]).float() / 255


@pytest.mark.parametrize("size", ["256x256", "1080x1920"])
def test_no_reference_costs_against_piqe(benchmark: BenchmarkFixture, shared_data: Path, size):
    root = shared_data / "endoscopy"
    if size == "256x256":
        frames = _load(sorted((root / "desmoke_lap_real_smoky").glob("*.png"))[:8])
    else:
        frames = _load(sorted((root / "real_presmoke_sequence").glob("*.jpg"))[:1])
    inputs = torch.round((frames * 0.9 + 0.05).clamp(0, 1) * 255) / 255
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        get_metric("fade").fn(frames[:1, :, :64, :64], None)  # load pyfade (numba) once
        costs = {}
        for metric in default_metrics("no-reference"):
            edges._RECENT.clear()  # each Hautiere metric pays for its own segmentation
            start = time.perf_counter()
            values = metric.fn(frames, inputs)
            costs[metric.name] = (time.perf_counter() - start) / len(frames)
            assert values.shape == (len(frames),) and torch.isfinite(values).all(), metric.name
        benchmark.pedantic(piqe, args=(frames,), rounds=1, warmup_rounds=0)
    finally:
        torch.set_num_threads(threads)
    benchmark.group = f"no-reference metric costs, {size} (1 thread)"
    benchmark.extra_info.update({k: round(v * 1e3, 1) for k, v in costs.items()})
    print(f"\n{size}:")
    for name, seconds in costs.items():
        print(f"  {name:15s} {seconds * 1e3:9.1f} ms/frame  x{seconds / costs['piqe']:.2f} PIQE")
