"""The Python API: `benchmark.run(...)` returns a Run of DataFrames; `load_run` reads it back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import benchmark
from benchmark.cli import main
from benchmark.errors import RunFolderError, UsageError
from methods import MethodError

ROOT = Path(__file__).resolve().parents[3]
FAST = {"limit": 2, "size": 32, "latency_budget": 0.01}


def test_a_run_is_frames_and_tables_and_loads_back_the_same(tmp_path: Path) -> None:
    run = benchmark.run("hazy-input,dcp", data=None, out=tmp_path, run_id="api", **FAST)
    assert run.folder == tmp_path / "runs" / "api" and run.exit_code == 0
    assert isinstance(run.per_image, pd.DataFrame) and len(run.per_image) == 4
    assert list(run.methods["spec"]) == ["hazy-input", "dcp"]
    assert set(run.summary["spec"]) == {"hazy-input", "dcp"}
    table1 = run.table1()
    assert list(table1["Method"]) == list(pd.read_csv(run.folder / "table1.csv")["Method"])
    assert run.table2().shape[0] == 2
    assert run.manifest.schema == 2 and run.manifest.command[0].startswith(
        "benchmark.run('hazy-input,dcp'"
    )
    again = benchmark.load_run(run.folder)
    assert again.per_image.equals(run.per_image) and again.table1().equals(table1)


def test_the_cli_and_the_api_write_the_same_scores(tmp_path: Path) -> None:
    args = ["--limit", "2", "--size", "32", "--latency-budget", "0.01", "--no-progress"]
    assert main(["run", "--methods", "dcp", "--out", str(tmp_path), "--run-id", "cli", *args]) == 0
    api = benchmark.run(["dcp"], out=tmp_path, run_id="api", **FAST)
    cli = benchmark.load_run(tmp_path / "runs" / "cli")
    assert (cli.per_image["psnr"] - api.per_image["psnr"]).abs().max() == 0


@pytest.mark.parametrize(
    ("options", "error", "text"),
    [
        ({"limit": 0}, UsageError, "limit=0: must be at least 1"),
        ({"bogus": 1}, UsageError, "unknown option 'bogus'"),
        ({"scheduler": "local"}, UsageError, "use local:N"),
        ({"run_id": "a/b"}, UsageError, "is not a run name"),
        ({"methods": "no-such-method"}, MethodError, "no-such-method"),
    ],
)
def test_bad_options_raise_the_suites_errors_not_systemexit(
    tmp_path: Path, options: dict, error: type[Exception], text: str
) -> None:
    methods_list = options.pop("methods", "dcp")
    with pytest.raises(error, match=text.replace("(", r"\(")):
        benchmark.run(methods_list, out=tmp_path, **{**FAST, **options})


def test_load_run_of_a_folder_that_is_no_run_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(RunFolderError, match="is not a run folder"):
        benchmark.load_run(tmp_path)


def test_import_benchmark_stays_cheap() -> None:
    """`python -m benchmark` imports the package first: the API must not pull torch in."""
    code = "import sys, benchmark; print('torch' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
