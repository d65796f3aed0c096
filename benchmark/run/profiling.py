"""Cost of a method at the evaluated resolution: parameters, weight size, MACs, latency, memory.

Latency is batch 1, after warm-up, CUDA-synchronised, median and p90 over repeats; the number of
repeats adapts to the method's speed within a time budget. Peak memory is the CUDA allocator's
peak on GPUs and, on CPUs, the peak of live tensor storage tracked by a dispatch mode.
"""

from __future__ import annotations

import time
import tracemalloc
import weakref
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves
from torch.utils.flop_counter import FlopCounterMode

from methods import Method, NeuralMethod


@dataclass
class Profile:
    """One method's cost at one resolution on one device."""

    params: int
    file_size_bytes: int
    macs: float  # NaN when the method has no conv/matmul ops for the counter to see
    latency_median_ms: float
    latency_p90_ms: float
    latency_repeats: int
    peak_memory_bytes: float
    eval_height: int
    eval_width: int
    device: str
    latency_repeats_ms: str = ""  # every repeat, ';'-joined, for tests on the distribution

    def to_dict(self) -> dict[str, Any]:
        """Flat dict for CSV rows."""
        return asdict(self)


class _PeakTensorMemory(TorchDispatchMode):
    """Tracks the peak bytes of live tensor storages created inside the mode."""

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[int, int] = {}
        self.current = 0
        self.peak = 0

    def _release(self, key: int) -> None:
        self.current -= self.live.pop(key, 0)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for leaf in tree_leaves(out):
            if isinstance(leaf, torch.Tensor):
                storage = leaf.untyped_storage()
                key = storage.data_ptr()
                if key and key not in self.live:
                    self.live[key] = storage.nbytes()
                    self.current += storage.nbytes()
                    self.peak = max(self.peak, self.current)
                    weakref.finalize(storage, self._release, key)
        return out


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def macs_and_peak_memory(method: Method, x: torch.Tensor) -> tuple[float, float]:
    """MACs (FLOPs/2 from torch's counter; NaN if no conv/matmul; the eager network's where a
    fused CPU kernel hides the convs) and peak memory in bytes of one enhance() call: the CUDA
    allocator's peak on GPUs; on CPUs the peak of live tensor storage plus numpy/OpenCV buffers."""
    counter = FlopCounterMode(display=False)
    if x.device.type == "cuda":
        torch.cuda.synchronize(x.device)
        torch.cuda.reset_peak_memory_stats(x.device)
        base = torch.cuda.memory_allocated(x.device)
        with counter:
            method.enhance(x)
        torch.cuda.synchronize(x.device)
        peak = float(torch.cuda.max_memory_allocated(x.device) - base)
    else:
        with counter:
            method.enhance(x)
        # numpy/OpenCV buffers of fused CPU paths are invisible to torch: tracemalloc sees them
        # (a separate call, so that the counter's own allocations are not counted)
        tracker = _PeakTensorMemory()
        tracemalloc.start()
        try:
            with tracker:
                method.enhance(x)
            numpy_peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        peak = float(tracker.peak + numpy_peak)
    flops = counter.get_total_flops()
    if flops == 0 and isinstance(method, NeuralMethod):
        counter = FlopCounterMode(display=False)  # a fused kernel hides its convs: count eager
        with counter, torch.inference_mode():
            method.forward(x)
        flops = counter.get_total_flops()
    return (flops / 2 if flops > 0 else float("nan")), peak


def measure_latency(
    method: Method,
    x: torch.Tensor,
    warmup: int = 2,
    min_repeats: int = 3,
    max_repeats: int = 30,
    budget_s: float = 2.0,
) -> list[float]:
    """Seconds per enhance() call at batch 1, repeats chosen to fit `budget_s`.

    A method slower than half the budget per call gets one warm-up and two repeats: on a 2-core
    CPU a large network takes seconds per image, and more repeats would not change the picture.
    """
    for i in range(warmup):
        start = time.perf_counter()
        method.enhance(x)
        _sync(x.device)
        if i == 0 and time.perf_counter() - start > budget_s / 2:
            min_repeats = max_repeats = 2
            break
    times: list[float] = []
    start_all = time.perf_counter()
    while len(times) < max_repeats:
        start = time.perf_counter()
        method.enhance(x)
        _sync(x.device)
        times.append(time.perf_counter() - start)
        if len(times) >= min_repeats and time.perf_counter() - start_all > budget_s:
            break
    return times


def profile_method(
    method: Method, height: int, width: int, budget_s: float = 2.0, warmup: int = 2
) -> Profile:
    """Full cost profile on a fixed-seed random image of the evaluated size (all NaN for a
    method not run here, such as published outputs: Table 2 says 'not measured here')."""
    if not method.measured:
        nan = float("nan")
        return Profile(0, 0, nan, nan, nan, 0, nan, height, width, str(method.device))
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(1, 3, height, width, generator=gen).to(method.device)
    times = measure_latency(method, x, warmup=warmup, budget_s=budget_s)
    ms = np.asarray(times) * 1000.0
    macs, peak = macs_and_peak_memory(method, x)
    return Profile(
        params=method.num_params,
        file_size_bytes=method.file_size_bytes,
        macs=macs,
        latency_median_ms=float(np.median(ms)),
        latency_p90_ms=float(np.percentile(ms, 90)),
        latency_repeats=len(times),
        peak_memory_bytes=peak,
        eval_height=height,
        eval_width=width,
        device=str(method.device),
        latency_repeats_ms=join_repeats_ms(ms),
    )


def join_repeats_ms(ms: np.ndarray) -> str:
    """Per-repeat latencies in ms as one CSV cell: '12.3456;12.4012;...'."""
    return ";".join(f"{float(v):.4f}" for v in ms)


def split_repeats_ms(cell: object) -> np.ndarray:
    """The inverse of join_repeats_ms; empty for a missing cell (runs made before the column)."""
    if isinstance(cell, (int, float)) and np.isfinite(cell):  # one repeat reads as a number
        return np.asarray([float(cell)])
    if not isinstance(cell, str) or not cell.strip():
        return np.empty(0)
    return np.asarray([float(v) for v in cell.split(";") if v.strip()], dtype=np.float64)
