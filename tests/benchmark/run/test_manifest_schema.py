"""The typed, versioned manifest: schema 1 folders read, a newer schema is refused in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import benchmark
from benchmark.cli import main
from benchmark.errors import RunFolderError
from benchmark.run.manifest import SCHEMA, RunManifest, parse_manifest

BASELINE = Path(__file__).resolve().parents[3] / "reports" / "baseline"


def test_a_schema_1_folder_reads_the_same() -> None:
    """The shipped baseline was written before the schema key: it is schema 1 and reads whole."""
    data = json.loads((BASELINE / "manifest.json").read_text(encoding="utf-8"))
    assert "schema" not in data
    manifest = parse_manifest(data)
    assert manifest.schema == 1 and manifest.specs == data["specs"]
    assert manifest.weights == data["weights"] and manifest.methods == data["methods"]
    assert {**manifest.to_dict(), "schema": None} == {**data, "schema": None}


def test_a_new_manifest_round_trips_through_its_dict() -> None:
    manifest = RunManifest(run_id="x", specs=["dcp"], weights={"dcp": None}, extra={"new": 1})
    assert manifest.to_dict()["schema"] == SCHEMA and manifest.to_dict()["new"] == 1
    assert parse_manifest(manifest.to_dict()) == manifest


def test_a_newer_schema_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "runs" / "future"
    shutil.copytree(BASELINE, folder, ignore=shutil.ignore_patterns("figures", "samples"))
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**data, "schema": SCHEMA + 1}))
    with pytest.raises(RunFolderError, match=f"manifest schema {SCHEMA + 1}, newer than"):
        benchmark.load_run(folder)
    assert main(["report", str(folder), "--out", str(tmp_path / "report")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "update dehaze-bench" in err
