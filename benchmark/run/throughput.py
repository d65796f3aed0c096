"""Deployment cost at other resolutions (`run --profile-size HxW`): latency, throughput, MACs, memory.

Per size: batch-1 latency (median/p90, warm-up, CUDA-synchronised, adaptive repeats), the best
throughput in images/s over batch sizes 1, 2, 4, ... up to 16 (a batch that runs out of memory
ends the search, as timm's benchmark.py backs off; so does one that gains nothing), MACs and peak
memory. A method whose single forward is estimated (from its latency at the evaluated size,
scaled by pixels) to exceed the latency budget on a CPU is skipped with the reason. Columns carry
the size: `latency_median_ms_1080x1920`, `throughput_ips_1080x1920`, ...
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from methods import Method

from .profiling import macs_and_peak_memory, measure_latency

#: the per-size measurements, each a methods.csv column with the size appended
SIZED_COLUMNS = (
    "latency_median_ms",
    "latency_p90_ms",
    "throughput_ips",
    "throughput_batch",
    "macs",
    "peak_memory_bytes",
    "profile_note",
)
MAX_BATCH = 16


def size_label(height: int, width: int) -> str:
    """`1080x1920` (height x width, as --profile-size takes it)."""
    return f"{height}x{width}"


def sized_fields(sizes: Sequence[tuple[int, int]]) -> tuple[str, ...]:
    """The methods.csv columns of these profile sizes."""
    return tuple(f"{col}_{size_label(h, w)}" for h, w in sizes for col in SIZED_COLUMNS)


def _is_oom(exc: BaseException) -> bool:
    return isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower()


def _images_per_second(method: Method, x: torch.Tensor, budget_s: float) -> float:
    """Best images/s of enhance() on batch `x` over repeats that fit `budget_s` (1 warm-up)."""
    times = measure_latency(method, x, warmup=1, min_repeats=2, max_repeats=10, budget_s=budget_s)
    return x.shape[0] / min(times)


def best_throughput(
    method: Method, height: int, width: int, budget_s: float, max_batch: int = MAX_BATCH
) -> tuple[float, int]:
    """(images/s, batch size) at the best batch size up to `max_batch`, backing off on OOM."""
    gen = torch.Generator().manual_seed(0)
    best, best_batch, batch = 0.0, 0, 1
    while batch <= max_batch:
        try:
            x = torch.rand(batch, 3, height, width, generator=gen).to(method.device)
            ips = _images_per_second(method, x, budget_s)
        except (RuntimeError, MemoryError) as exc:
            if not _is_oom(exc) and not isinstance(exc, MemoryError):
                raise
            if method.device.type == "cuda":
                torch.cuda.empty_cache()
            break  # back off: the last batch that fitted stands
        finally:
            x = None
        if ips <= best * 1.02:  # no gain from a larger batch (within noise): stop growing
            break
        best, best_batch, batch = ips, batch, batch * 2
    return best, best_batch


def estimated_forward_s(
    latency_ms: float | None, eval_size: tuple[int, int], size: tuple[int, int]
) -> float | None:
    """One forward's seconds at `size`, scaled by pixels from the latency at the evaluated size."""
    if latency_ms is None or not math.isfinite(latency_ms):
        return None
    ratio = (size[0] * size[1]) / (eval_size[0] * eval_size[1])
    return latency_ms / 1000.0 * ratio


def profile_at_size(
    method: Method,
    size: tuple[int, int],
    budget_s: float,
    eval_latency_ms: float | None = None,
    eval_size: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """The sized columns of one method at one size (NaN and a note when skipped or failed)."""
    label = size_label(*size)
    row: dict[str, Any] = {f"{col}_{label}": float("nan") for col in SIZED_COLUMNS}
    row[f"profile_note_{label}"] = ""
    if not method.measured:
        row[f"profile_note_{label}"] = "not measured here: the method is not run here"
        return row
    estimate = estimated_forward_s(eval_latency_ms, eval_size or size, size)
    if method.device.type == "cpu" and estimate is not None and estimate > budget_s:
        row[f"profile_note_{label}"] = (
            f"skipped: one forward estimated at {estimate:.1f} s at {label} on this CPU, over "
            f"the latency budget of {budget_s:g} s (--latency-budget)"
        )
        return row
    try:
        gen = torch.Generator().manual_seed(0)
        x = torch.rand(1, 3, *size, generator=gen).to(method.device)
        ms = np.asarray(measure_latency(method, x, budget_s=budget_s)) * 1000.0
        macs, peak = macs_and_peak_memory(method, x)
        ips, batch = best_throughput(method, *size, budget_s=budget_s)
    except (RuntimeError, MemoryError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        kind = "out of memory" if _is_oom(exc) else "failed"
        row[f"profile_note_{label}"] = f"{kind} at {label}: {reason}"
        return row
    row.update(
        {
            f"latency_median_ms_{label}": float(np.median(ms)),
            f"latency_p90_ms_{label}": float(np.percentile(ms, 90)),
            f"throughput_ips_{label}": ips,
            f"throughput_batch_{label}": batch,
            f"macs_{label}": macs,
            f"peak_memory_bytes_{label}": peak,
        }
    )
    return row
