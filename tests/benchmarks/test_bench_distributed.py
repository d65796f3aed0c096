"""pytest-benchmark: `run --scheduler local:2` against the serial run on the same work, as a ratio.

Run with ``python -m pytest tests/benchmarks/test_bench_distributed.py --benchmark-only -s`` (or
``nox -s bench -- -k distributed -s``). Both sides are whole `python -m benchmark run` commands in
fresh processes (start-up, data loading, profiling and the cluster's start and stop included),
on the built-in synthetic test split: the serial run with 1 torch thread (on this shared 2-core
machine the fastest serial setting: the same run with 2 threads took 724 s against 103 s), the
distributed one with 2 worker processes of 1 thread each. The wall-clock ratio
serial / distributed is printed and stored in extra_info; the rows of both runs must be equal.
Environment: DEHAZE_BENCH_SCALING_LIMIT (images, default 160), DEHAZE_BENCH_SCALING_METHODS.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

pytest.importorskip("distributed", reason="dask[distributed] not installed (the distributed extra)")

REPO = Path(__file__).resolve().parents[2]
LIMIT = os.environ.get("DEHAZE_BENCH_SCALING_LIMIT", "160")
METHODS = os.environ.get("DEHAZE_BENCH_SCALING_METHODS", "dcp,cap,aodnet,lnet-gie,hazy-input")


def _timed_run(out: Path, run_id: str, *extra: str) -> float:
    """Wall-clock seconds of one `benchmark run` command (which must finish complete)."""
    command = [sys.executable, "-m", "benchmark", "run", "--methods", METHODS, "--limit", LIMIT]
    command += ["--no-progress", "--out", str(out), "--run-id", run_id, *extra]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-2000:]
    return seconds


def test_local2_speed_ratio_vs_serial(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    serial = _timed_run(tmp_path, "serial", "--threads", "1")
    distributed = benchmark.pedantic(
        lambda: _timed_run(tmp_path, "local2", "--scheduler", "local:2"), rounds=1, iterations=1
    )
    ratio = serial / distributed
    benchmark.extra_info.update(
        serial_s=serial, local2_s=distributed, speedup=ratio, limit=LIMIT, methods=METHODS
    )
    print(
        f"\n{METHODS} on {LIMIT} images: serial (1 thread) {serial:.1f} s, "
        f"--scheduler local:2 {distributed:.1f} s, speed-up {ratio:.2f}x"
    )
    keys = ["spec", "image_id", "psnr", "ssim", "ciede2000", "status"]
    rows = [
        pd.read_csv(tmp_path / "runs" / run / "per_image.csv")[keys]
        .sort_values(keys[:2])
        .reset_index(drop=True)
        for run in ("serial", "local2")
    ]
    assert rows[0][keys[:2]].equals(rows[1][keys[:2]])
    assert (rows[0][keys[2:5]] - rows[1][keys[2:5]]).abs().max().max() <= 1e-6
