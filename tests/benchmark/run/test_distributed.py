"""`run --scheduler local:2` on a real 2-process LocalCluster keeps every guarantee of a serial run.

Same rows as the serial run (keys, statuses, errors, scores to 1e-6), a method that raises on a
worker becomes error rows, a worker killed mid-run (kill -9) loses nothing, and a driver killed
mid-run resumes with the same --run-id with no lost and no duplicated rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import tests.benchmark.faulty_methods  # noqa: F401  (registers the test methods)
from benchmark.cli import main
from tests.conftest import requires_cuda

pytest.importorskip("distributed", reason="dask[distributed] not installed (the distributed extra)")
psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
FAST = ["--size", "32", "--no-progress", "--latency-budget", "0.02"]
CLI = "import sys, tests.benchmark.faulty_methods; from benchmark.cli import main; sys.exit(main())"
KEYS = ["spec", "method", "image_id", "group", "status", "device"]
SCORES = ["psnr", "ssim", "ciede2000"]
SLOW = ["--methods", "test-slow", "--limit", "8", "--batch-size", "1"]


def _run(out: Path, run_id: str, *args: str) -> int:
    return main(["run", "--out", str(out), *FAST, "--run-id", run_id, *args])


def _rows(out: Path, run_id: str) -> pd.DataFrame:
    """per_image.csv as written (no dedup), in a fixed order."""
    rows = pd.read_csv(out / "runs" / run_id / "per_image.csv", keep_default_na=False)
    return rows.sort_values(["spec", "image_id"]).reset_index(drop=True)


def _assert_same_rows(serial: pd.DataFrame, distributed: pd.DataFrame) -> None:
    assert not distributed.duplicated(["spec", "image_id"]).any()
    assert distributed[KEYS].equals(serial[KEYS])
    assert list(distributed["error"]) == list(serial["error"])
    ok = serial["status"] == "ok"
    for name in SCORES:
        a = serial.loc[ok, name].astype(float).to_numpy()
        b = distributed.loc[ok, name].astype(float).to_numpy()
        assert abs(a - b).max() <= 1e-6, name


def _spawn_driver(out: Path, run_id: str) -> subprocess.Popen:
    env = {**os.environ, "DEHAZE_TEST_SLEEP": "0.4", "PYTHONPATH": str(REPO)}
    args = ["run", "--out", str(out), *FAST, *SLOW, "--run-id", run_id, "--scheduler", "local:2"]
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its worker processes can be cleaned up as one group
    )


def _wait_for_rows(path: Path, count: int, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and len(path.read_text().splitlines()) > count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count} rows in {path} after {timeout} s")


def _worker_processes(driver: subprocess.Popen) -> list:
    """The Dask worker processes the driver's LocalCluster spawned (multiprocessing spawn)."""
    children = psutil.Process(driver.pid).children(recursive=True)
    return [p for p in children if "spawn_main" in " ".join(p.cmdline())]


def _kill_group(driver: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(driver.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def slow_serial(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The serial run of test-slow that the fault tests compare with."""
    out = tmp_path_factory.mktemp("serial")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEHAZE_TEST_SLEEP", "0")
        assert _run(out, "serial", *SLOW) == 0
    return _rows(out, "serial")


def test_distributed_rows_equal_the_serial_rows_and_a_raising_method_gives_error_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    methods = ["--methods", "dcp,hazy-input,test-raises-on-bright:threshold=0.433,test-nan"]
    args = [*methods, "--limit", "8", "--batch-size", "4"]
    assert _run(tmp_path, "serial", *args) == 1  # the raising method leaves it incomplete
    assert _run(tmp_path, "dask", *args, "--scheduler", "local:2") == 1
    err = capsys.readouterr().err
    assert "Dask scheduler tcp://127.0.0.1:" in err and "2 worker(s)" in err
    serial, distributed = _rows(tmp_path, "serial"), _rows(tmp_path, "dask")
    # test-nan is skipped after 3 consecutive failures: per task on a cluster, so a task already
    # running when the first one gives up may add its own 3 error rows (retried on resume)
    nan = distributed[distributed["spec"] == "test-nan"]
    assert len(nan) in (3, 6) and set(nan["status"]) == {"error"}
    assert (serial["spec"] == "test-nan").sum() == 3
    serial = serial[serial["spec"] != "test-nan"].reset_index(drop=True)
    distributed = distributed[distributed["spec"] != "test-nan"].reset_index(drop=True)
    _assert_same_rows(serial, distributed)
    failed = distributed[distributed["status"] == "error"]
    assert len(failed) and set(failed["spec"]) == {"test-raises-on-bright:threshold=0.433"}
    assert failed["error"].str.contains("deliberate failure on a bright image").all()
    status = {
        run: pd.read_csv(tmp_path / "runs" / run / "methods.csv")
        .drop_duplicates("spec", keep="last")
        .set_index("spec")["status"]
        .to_dict()
        for run in ("serial", "dask")
    }
    assert status["dask"] == status["serial"]
    assert list(status["dask"].values()).count("failed") == 1
    assert status["dask"]["test-nan"] == "skipped" and status["dask"]["dcp"] == "done"
    manifest = json.loads((tmp_path / "runs" / "dask" / "manifest.json").read_text())
    cluster = manifest["cluster"]
    assert cluster["scheduler"] == "local:2" and cluster["n_workers"] == 2
    assert cluster["scheduler_address"].startswith("tcp://127.0.0.1:")
    assert {w["device"] for w in cluster["workers"].values()} == {"cpu"}
    samples = tmp_path / "runs" / "dask" / "samples"
    assert sorted(p.name for p in (samples / "dcp").iterdir()) == sorted(
        p.name for p in (tmp_path / "runs" / "serial" / "samples" / "dcp").iterdir()
    )


def test_a_worker_killed_mid_run_is_retried_elsewhere_and_no_row_is_lost(
    tmp_path: Path, slow_serial: pd.DataFrame
) -> None:
    driver = _spawn_driver(tmp_path, "killed-worker")
    try:
        _wait_for_rows(tmp_path / "runs" / "killed-worker" / "per_image.csv", 1)
        workers = _worker_processes(driver)
        assert len(workers) == 2
        workers[0].send_signal(signal.SIGKILL)
        _, err = driver.communicate(timeout=300)
    finally:
        if driver.poll() is None:
            _kill_group(driver)
    assert driver.returncode == 0, err
    rows = _rows(tmp_path, "killed-worker")
    assert len(rows) == 8
    _assert_same_rows(slow_serial, rows)


def test_a_killed_driver_resumes_with_no_lost_and_no_duplicated_rows(
    tmp_path: Path, slow_serial: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    per_image = tmp_path / "runs" / "resumed" / "per_image.csv"
    driver = _spawn_driver(tmp_path, "resumed")
    try:
        _wait_for_rows(per_image, 2)
        workers = _worker_processes(driver)
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=30)
        _, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive  # workers notice their parent is gone and exit
    finally:
        _kill_group(driver)  # the orphaned workers too
    before = len(per_image.read_text().splitlines()) - 1
    assert 2 <= before < 8  # killed mid-run
    monkeypatch.setenv("DEHAZE_TEST_SLEEP", "0")
    assert _run(tmp_path, "resumed", *SLOW, "--scheduler", "local:2") == 0
    rows = _rows(tmp_path, "resumed")
    assert len(rows) == 8
    _assert_same_rows(slow_serial, rows)


@requires_cuda
def test_cuda_workers_name_their_gpu_in_every_row_and_in_the_manifest(tmp_path: Path) -> None:
    args = ["--methods", "dcp,aodnet", "--limit", "4", "--device", "cuda"]
    assert _run(tmp_path, "gpu", *args, "--scheduler", "local:1") == 0
    rows = _rows(tmp_path, "gpu")
    assert len(rows) == 8 and not rows["device"].str.startswith("CPU").any()
    manifest = json.loads((tmp_path / "runs" / "gpu" / "manifest.json").read_text())
    assert [w["device"] for w in manifest["cluster"]["workers"].values()] == ["cuda"]
