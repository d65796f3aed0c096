"""Real disk faults: a full tmpfs (ENOSPC) and read-only mounts (EROFS), one line each.

Mounting needs root; where it is not permitted the tests skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from benchmark.cli import main

from ..tmpfs import mounted

FAST = ["--size", "64", "--no-progress", "--latency-budget", "0.02", "--batch-size", "4"]
COLS = ["spec", "image_id", "psnr", "ssim", "ciede2000", "status"]


_mounted = mounted


@contextlib.contextmanager
def _read_only_view(source: Path, where: Path) -> Iterator[Path]:
    """`source` bind-mounted read-only at `where`; or skip."""
    where.mkdir(parents=True, exist_ok=True)
    bind = subprocess.run(["mount", "--bind", str(source), str(where)], capture_output=True)
    if shutil.which("mount") is None or bind.returncode:
        pytest.skip("bind mounts are not permitted here")
    try:
        remount = ["mount", "-o", "remount,ro,bind", str(where)]
        if subprocess.run(remount, capture_output=True).returncode:
            pytest.skip("read-only remounts are not permitted here")
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_full_disk_is_one_line_and_the_resumed_run_is_whole(tmp_path: Path, capsys) -> None:
    args = ["--methods", "dcp,hazy-input", "--limit", "24", "--run-id", "full"]
    with _mounted(tmp_path / "small", "size=2m") as disk:
        filler = disk / "filler"
        free = shutil.disk_usage(disk).free
        filler.write_bytes(b"\0" * (free - 120_000))  # room for rows and a few PNGs only
        assert main(["run", "--out", str(disk), *FAST, *args]) == 2
        line = _one_line(capsys.readouterr().err)
        assert "No space left on device" in line and "free some space" in line
        filler.unlink()
        assert main(["run", "--out", str(disk), *FAST, *args]) == 0
        resumed = pd.read_csv(disk / "runs" / "full" / "per_image.csv")[COLS]
    assert main(["run", "--out", str(tmp_path / "roomy"), *FAST, *args]) == 0
    clean = pd.read_csv(tmp_path / "roomy" / "runs" / "full" / "per_image.csv")[COLS]
    key = ["spec", "image_id"]
    assert not resumed.duplicated(key).any()
    pd.testing.assert_frame_equal(
        resumed.sort_values(key).reset_index(drop=True),
        clean.sort_values(key).reset_index(drop=True),
    )


def test_read_only_output_folders_are_one_line(tmp_path: Path, capsys) -> None:
    with _mounted(tmp_path / "ro", "ro", "size=1m") as disk:
        assert main(["run", "--out", str(disk), *FAST, "--methods", "dcp", "--limit", "2"]) == 2
        assert "Read-only file system" in _one_line(capsys.readouterr().err)
        train = ["train", "lnet-gie", "--size", "32", "--limit", "4", "--epochs", "1"]
        assert main([*train, "--out", str(disk / "w.pth"), "--no-progress"]) == 2
        assert "Read-only file system" in _one_line(capsys.readouterr().err)
        assert main(["data", "export", "--out", str(disk / "set"), "--size", "32"]) == 2
        assert "Read-only file system" in _one_line(capsys.readouterr().err)
        assert os.listdir(disk) == []


def test_a_read_only_run_folder_is_read_never_written(tmp_path: Path, capsys) -> None:
    run_args = ["--methods", "dcp,hazy-input", "--limit", "4", "--run-id", "r"]
    assert main(["run", "--out", str(tmp_path / "w"), *FAST, *run_args]) == 0
    source = tmp_path / "w" / "runs" / "r"
    rows = source / "per_image.csv"
    rows.write_text(rows.read_text() + "dcp,dcp,case08_f00")  # a torn last line
    before = {p.name: p.read_bytes() for p in source.iterdir() if p.is_file()}
    with _read_only_view(source, tmp_path / "view") as view:
        capsys.readouterr()
        assert main(["report", str(view)]) == 2
        assert "Read-only file system" in _one_line(capsys.readouterr().err)
        assert main(["report", str(view), "--out", str(tmp_path / "rep")]) == 0
        assert (tmp_path / "rep" / "table1.md").is_file()
        out = ["--out", str(tmp_path / "chk")]
        assert main(["check", str(view), "--baseline", str(view), *out]) == 0
        assert main(["compare", str(view), "dcp", "hazy-input", *out]) in (0, 1)
    after = {p.name: p.read_bytes() for p in source.iterdir() if p.is_file()}
    assert after == before
