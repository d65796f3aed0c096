"""`benchmark train` on the command line: end to end, and user errors as one line with status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.train import plot_path
from methods.core.weights import sidecar_path
from tests.benchmark.train.helpers import LIVE_SEED


def test_cli_trains_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lnet.pth"
    args = [
        "train",
        "lnet-gie",
        "--size",
        "32",
        "--limit",
        "16",
        "--epochs",
        "1",
        "--init",
        "random",
        "--seed",
        str(LIVE_SEED),
        "--val-every",
        "2",
        "--device",
        "cpu",
        "--out",
        str(out),
        "--no-progress",
    ]
    assert main(args) == 0
    assert out.is_file() and sidecar_path(out).is_file() and plot_path(out).is_file()
    assert "wrote" in capsys.readouterr().out
    assert json.loads(sidecar_path(out).read_text())["dataset"]["used"]["train"] == 8
    assert main(args) == 2  # exists, no --overwrite
    assert main(["train", "dcp", "--out", str(tmp_path / "d.pth")]) == 2
    assert main([*args, "--compare-init"]) == 2  # --init with --compare-init
    assert main([*args, "--overwrite", "--compare-seeds", "3"]) == 2  # needs --compare-init
    err = capsys.readouterr().err
    assert "--overwrite" in err and "classical" in err and "drop --init" in err
    assert "need --compare-init" in err
    assert "Traceback" not in err
