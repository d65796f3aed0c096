"""`--scheduler` refuses what cannot work with one line, before any cluster starts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.run.config import RunConfig
from benchmark.run.distributed import work_context
from benchmark.run.tasks import survey_worker

FAST = ["--size", "32", "--no-progress", "--limit", "2", "--methods", "hazy-input"]


def test_a_scheduler_without_dask_installed_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["run", "--out", str(tmp_path), *FAST, "--scheduler", "local:2"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert 'pip install -e ".[distributed]"' in err


@pytest.mark.parametrize("text", ["local:0", "local", "8786", "http://host:8786"])
def test_a_malformed_scheduler_is_a_usage_error(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["run", "--out", str(tmp_path), *FAST, "--scheduler", text]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"{text!r}: use local:N" in err


def test_a_worker_that_cannot_see_the_data_or_weights_says_which_path(tmp_path: Path) -> None:
    config = RunConfig(data=str(tmp_path / "not-shared"), device="cpu")
    info = survey_worker(work_context(config), [str(tmp_path / "w.pth")])
    assert info["problems"] == [
        f"data {tmp_path / 'not-shared'} is not visible (a folder or a video file)",
        f"weights file {tmp_path / 'w.pth'} is not visible",
    ]
    assert info["fingerprint"] is None and info["device"] == "cpu"


def test_workers_see_the_synthetic_set_with_the_drivers_fingerprint() -> None:
    from benchmark.data import open_dataset

    config = RunConfig(device="cpu", data_options={"size": 32})
    info = survey_worker(work_context(config), [])
    assert info["problems"] == []
    assert info["fingerprint"] == open_dataset(None, size=32).fingerprint


def test_a_worker_without_the_device_asked_for_says_so() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: a cuda worker is not a problem here")
    info = survey_worker(work_context(RunConfig(device="cuda", data_options={"size": 32})), [])
    assert len(info["problems"]) == 1 and "no CUDA device" in info["problems"][0]
