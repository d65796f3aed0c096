"""Image ids that spreadsheets would run as formulas are guarded in every CSV, and come back raw.

A real run over files named like `=cmd|' C calc'!A0.png`: per_image.csv, summary.csv and the
tables hold guarded cells; resuming the run finds every id done, and `check` pairs them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from benchmark.cli import main
from benchmark.csv_cells import guard_cell, read_csv, unguard_cell
from benchmark.run.store import RunStore

NASTY = ["=cmd|' C calc'!A0", "+SUM(1)", "@evil", "-bad", "'=quoted", "plain"]
ARGS = ["--methods", "hazy-input", "--device", "cpu", "--no-progress", "--latency-budget", "0.01"]


def _images(folder: Path) -> Path:
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in NASTY:
        image = rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f"{name}.png"), image)
    return folder


def _cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def test_every_raw_value_survives_the_guard() -> None:
    for raw in [*NASTY, "''=x", "-1.5", "'-1.5", "\tx", "\rx", "-", "-inf", "lnet-gie:rm=1.0"]:
        assert unguard_cell(guard_cell(raw)) == raw
    assert guard_cell("-1.5") == "-1.5" and guard_cell("=x") == "'=x"


def test_formula_ids_are_guarded_and_resume_and_check_see_them_raw(tmp_path, capsys) -> None:
    data = _images(tmp_path / "imgs")
    out = tmp_path / "reports"
    run_args = ["run", "--data", str(data), "--out", str(out), "--run-id", "x", *ARGS]
    run_args += ["--metrics", "piqe"]
    assert main(run_args) == 0
    run = out / "runs" / "x"
    for name in ("per_image.csv", "summary.csv"):
        cells = _cells(run / name)
        assert not [c for c in cells if c.startswith(("=", "+", "@", "-b"))], name
    raw = _cells(run / "per_image.csv")
    assert "'=cmd|' C calc'!A0" in raw and "''=quoted" in raw and "'-bad" in raw
    store = RunStore(run)
    assert set(store.per_image()["image_id"]) == set(NASTY)
    assert set(read_csv(run / "per_image.csv")["image_id"]) == set(NASTY)
    capsys.readouterr()
    assert main(run_args) == 0  # resumed: every id is found done, nothing scored twice
    assert len(store.per_image()) == len(NASTY)
    assert len((run / "per_image.csv").read_text().splitlines()) == len(NASTY) + 1
    check = ["check", str(run), "--baseline", str(run), "--metrics", "piqe", "--no-figures"]
    assert main([*check, "--out", str(tmp_path / "check")]) == 0
    report = (tmp_path / "check" / "check.md").read_text()
    assert report.count(f"({len(NASTY)} images)") == 2  # every guarded id paired with itself
