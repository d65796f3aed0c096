"""A method's cost profile as methods.csv fields: the evaluated size, then every deployment size.

One function for every scheduler (the serial run and a Dask worker call the same thing), so the
profile fields, their order and what a profiling failure records cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from methods import Method

from ..errors import failure_text
from .profiling import profile_method
from .throughput import profile_at_size


def cost_profile(
    method: Method,
    height: int,
    width: int,
    budget_s: float,
    sizes: Sequence[tuple[int, int]] = (),
) -> dict[str, Any]:
    """Profile fields of `method`; a failure is `error` plus what is known (never raises)."""
    out: dict[str, Any]
    try:
        out = profile_method(method, height, width, budget_s).to_dict()
    except Exception as exc:  # a broken method must not sink the run: score it anyway
        out = {"error": f"profiling failed: {failure_text(exc)}"}
        out.update(params=method.num_params, file_size_bytes=method.file_size_bytes)
    for size in sizes:
        latency = out.get("latency_median_ms")
        out.update(profile_at_size(method, size, budget_s, latency, (height, width)))
    return out
