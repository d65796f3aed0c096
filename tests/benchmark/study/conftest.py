"""A tiny real run folder (three methods, 64 px) and studies made from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.study.create import StudyOptions, create_study

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
