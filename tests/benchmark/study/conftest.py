"""A tiny real run folder (three methods, 64 px) and studies made from it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.study.create import StudyOptions, create_study

ROOT = Path(__file__).resolve().parents[3]
FAST = ["--size", "64", "--no-progress", "--latency-budget", "0.02", "--batch-size", "4"]


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """reports/runs/tiny: dcp, cap and aodnet on 8 synthetic images, 5 samples kept."""
    out = tmp_path_factory.mktemp("runs")
    args = ["run", "--methods", "dcp,cap,aodnet", "--limit", "8", "--out", str(out), *FAST]
    assert main([*args, "--run-id", "tiny"]) == 0
    return out / "runs" / "tiny"


@pytest.fixture
def run_copy(tiny_run: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny run (tests that write report.html into it)."""
    return Path(shutil.copytree(tiny_run, tmp_path / "run"))


def make_study(run: Path, folder: Path, **options) -> Path:
    """A study folder made from `run` with StudyOptions(**options)."""
    create_study(run, folder, StudyOptions(**options))
    return folder


@pytest.fixture
def pairs_study(tiny_run: Path, tmp_path: Path) -> Path:
    """A paired study: 2 raters x 12 items."""
    return make_study(tiny_run, tmp_path / "study", raters=2, per_rater=12)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(study: Path, port: int) -> subprocess.Popen:
    """`study serve` in a subprocess; returns once it answers."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmark", "study", "serve", str(study), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/next?token=x", timeout=2)
        except urllib.error.HTTPError as exc:
            if exc.code == 403:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"server did not start: {proc.stdout.read() if proc.stdout else ''}")
