"""Latency as a cost comparison: stored repeats of two runs, or both specs re-timed now, interleaved.

Stored latencies are compared as the ratio of medians (candidate / baseline) only between rows
profiled on the same device name and resolution, with a Mann-Whitney U test on the per-repeat
latencies (methods.csv column latency_repeats_ms). Re-timing uses the code checked out now for
both specs, so it sees cost differences of specs, not of code changes.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch

import methods

from ..environment import device_name
from ..run.profiling import measure_latency, split_repeats_ms
from ..stats import mann_whitney_p, ratio_of_medians_ci
from .number_text import finite
from .options import LATENCY, CheckOptions
from .results import NOT_COMPARABLE, Comparison
from .runs import RunData

RERUN_MIN_ROUNDS = 10
RERUN_MAX_ROUNDS = 40

#: (methods.csv row or None, device name) of one side
StoredSide = tuple[dict[str, Any] | None, str]


def latency_comparison(
    spec: str,
    candidate: np.ndarray,
    baseline: np.ndarray,
    medians: tuple[float, float] | None = None,
    options: CheckOptions | None = None,
) -> Comparison:
    """Ratio of median latencies with a bootstrap CI and a Mann-Whitney U p on the repeats.

    Without repeats (runs made before they were stored) the stored medians give the ratio and
    no test is made, so the verdict cannot be "worse".
    """
    options = options or CheckOptions()
    cand = np.asarray(candidate, dtype=np.float64)
    base = np.asarray(baseline, dtype=np.float64)
    if cand.size and base.size:
        ratio, low, high = ratio_of_medians_ci(cand, base, n_boot=options.n_boot, seed=options.seed)
        return Comparison(
            spec,
            LATENCY,
            int(min(cand.size, base.size)),
            float(np.median(base)),
            float(np.median(cand)),
            ratio,
            low,
            high,
            p=mann_whitney_p(cand, base),
        )
    return not_comparable(
        spec,
        medians if medians else (math.nan, math.nan),
        "no per-repeat latencies",
        "a run made before methods.csv stored latency_repeats_ms: ratio of medians not tested",
    )


def not_comparable(spec: str, medians: tuple[float, float], why: str, detail: str) -> Comparison:
    """A latency row with the ratio of the stored medians and no test ("not comparable: why")."""
    c_med, b_med = medians
    return Comparison(
        spec,
        LATENCY,
        0,
        b_med,
        c_med,
        c_med / b_med if b_med else math.nan,
        verdict=f"{NOT_COMPARABLE}: {why}",
        note=detail,
    )


def stored_latency(
    spec: str, new: StoredSide, ref: StoredSide, options: CheckOptions
) -> Comparison | None:
    """Stored latency repeats of `new` against `ref`, compared only on one device and resolution."""
    (n_row, n_dev), (r_row, r_dev) = new, ref
    if not n_row or not r_row:
        return None
    if not (finite(n_row.get("latency_median_ms")) and finite(r_row.get("latency_median_ms"))):
        return None
    medians = (float(n_row["latency_median_ms"]), float(r_row["latency_median_ms"]))
    if n_dev != r_dev:
        return not_comparable(spec, medians, "different devices", f"{n_dev} vs {r_dev}")
    n_size, r_size = _eval_size(n_row), _eval_size(r_row)
    if n_size != r_size:
        return not_comparable(spec, medians, "different resolutions", f"{n_size} vs {r_size}")
    return latency_comparison(
        spec,
        split_repeats_ms(n_row.get("latency_repeats_ms")),
        split_repeats_ms(r_row.get("latency_repeats_ms")),
        medians,
        options,
    )


def stored_side(run: RunData, spec: str) -> StoredSide:
    """What `stored_latency` needs of one spec of a run."""
    return run.method_row(spec), run.device_name(spec)


def _eval_size(row: dict[str, Any]) -> str:
    height, width = row.get("eval_height"), row.get("eval_width")
    if not finite(height) or not finite(width):
        return "unknown size"
    return f"{int(float(height))}x{int(float(width))}"


def remeasure_latency(
    spec_cand: str,
    spec_base: str,
    height: int,
    width: int,
    device: str = "auto",
    budget_s: float = 3.0,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Time two specs now, interleaved round by round (ABBA order), on one input.

    Alternating the order in every round spreads drift (clocks, other load) evenly over both.
    Weights are not loaded: a spec's architecture fixes its cost, not its weight values.
    Returns the candidate's and the baseline's repeats in ms and the device name.
    """
    dev = methods.resolve_device(device)
    cand = methods.get_method(spec_cand, device=dev, use_shipped=False)
    base = methods.get_method(spec_base, device=dev, use_shipped=False)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(1, 3, height, width, generator=gen).to(dev)
    pair = (cand, base)
    for method in pair:  # warm-up
        measure_latency(method, x, warmup=2, min_repeats=1, max_repeats=1, budget_s=math.inf)
    times: tuple[list[float], list[float]] = ([], [])
    start = time.perf_counter()
    for round_ in range(RERUN_MAX_ROUNDS):
        order = (0, 1) if round_ % 2 == 0 else (1, 0)
        for index in order:
            once = measure_latency(pair[index], x, 0, 1, 1, budget_s=math.inf)
            times[index].append(once[0] * 1000.0)
        if round_ + 1 >= RERUN_MIN_ROUNDS and time.perf_counter() - start > budget_s:
            break
    return np.asarray(times[0]), np.asarray(times[1]), device_name(dev)


def rerun_latency(
    spec: str, spec_base: str, size: tuple[int, int], options: CheckOptions
) -> Comparison:
    """A latency comparison from timings made now, in this process."""
    try:
        cand, base, where = remeasure_latency(
            spec, spec_base, size[0], size[1], options.device, options.latency_budget_s
        )
    except methods.MethodError:
        raise  # a bad device or spec: the user's to fix (one line, exit 2)
    except Exception as exc:  # a method that breaks while timing must not sink the check
        why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return not_comparable(spec, (math.nan, math.nan), "re-measuring failed", why)
    comparison = latency_comparison(spec, cand, base, options=options)
    comparison.note = f"re-measured now on {where} at {size[0]}x{size[1]}, {cand.size} rounds"
    return comparison


def rerun_size(*runs_and_specs: tuple[RunData, str]) -> tuple[int, int] | None:
    """The evaluated resolution to time at: the first side that recorded one."""
    for run, which in runs_and_specs:
        row = run.method_row(which) or {}
        if finite(row.get("eval_height")) and finite(row.get("eval_width")):
            return int(float(row["eval_height"])), int(float(row["eval_width"]))
    return None
