"""`run --profile-size`: sized columns in methods.csv, throughput search with OOM back-off, skips."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch

import methods
from benchmark.cli import main
from benchmark.run import throughput
from benchmark.run.throughput import best_throughput, profile_at_size, sized_fields

FAST = ["--size", "32", "--limit", "4", "--no-progress", "--latency-budget", "0.05"]


def test_profile_size_adds_sized_columns_and_backend_facts(tmp_path: Path) -> None:
    args = ["run", "--out", str(tmp_path), *FAST, "--run-id", "ps", "--device", "cpu"]
    args += ["--methods", "lnet-gie,dcp,aodnet:backend=channels_last"]
    # a budget no method's estimate reaches even on a loaded machine: every method is profiled
    # (the skip itself is tested below); fast methods stop at 10 repeats, so this stays quick
    args += ["--latency-budget", "1.0"]
    assert main([*args, "--profile-size", "48x80", "--profile-size", "24x40"]) == 0
    run = tmp_path / "runs/ps"
    table = pd.read_csv(run / "methods.csv").drop_duplicates("spec", keep="last")
    table = table.set_index("spec")
    for column in sized_fields([(48, 80), (24, 40)]):
        assert column in table.columns
    assert (table["latency_median_ms_48x80"] > 0).all()
    assert (table["throughput_ips_48x80"] > 0).all()
    assert set(table["throughput_batch_48x80"]) <= {1, 2, 4, 8, 16}
    # MACs scale with pixels for a fully convolutional network (lnet-gie: fused path, eager count)
    ratio = table.loc["lnet-gie", "macs_48x80"] / table.loc["lnet-gie", "macs_24x40"]
    assert ratio == pytest.approx(4.0)
    assert table.loc["aodnet:backend=channels_last", "backend"] == "channels_last"
    assert table.loc["aodnet:backend=channels_last", "max_abs_diff_vs_eager"] <= 1e-5
    assert table.loc["lnet-gie", "max_abs_diff_vs_eager"] <= 1e-6
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["profile_sizes"] == ["48x80", "24x40"]
    assert manifest["methods"]["aodnet:backend=channels_last"]["backend"] == "channels_last"
    assert manifest["environment"]["torch_threads"] >= 1
    deploy = (run / "table2_48x80.md").read_text()
    assert "channels_last" in deploy and "Device: CPU" in deploy  # device named once, below
    assert deploy.count("Device:") == 1


def test_bad_profile_size_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--out", str(tmp_path), *FAST, "--profile-size", "1080by1920"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "expected HxW such as 1080x1920" in err


def test_heavy_method_is_estimated_and_skipped_on_cpu() -> None:
    method = methods.get_method("dcp")
    row = profile_at_size(method, (1080, 1920), 0.5, eval_latency_ms=100.0, eval_size=(64, 64))
    assert "skipped: one forward estimated at" in row["profile_note_1080x1920"]
    assert pd.isna(row["latency_median_ms_1080x1920"])


def test_throughput_backs_off_when_a_batch_runs_out_of_memory(monkeypatch) -> None:
    method = methods.get_method("hazy-input")
    tried: list[int] = []

    def fake(method_: methods.Method, x: torch.Tensor, budget_s: float) -> float:
        tried.append(x.shape[0])
        if x.shape[0] >= 4:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return 10.0 * x.shape[0]  # scales perfectly until memory runs out

    monkeypatch.setattr(throughput, "_images_per_second", fake)
    ips, batch = best_throughput(method, 16, 16, budget_s=0.01)
    assert (ips, batch) == (20.0, 2) and tried == [1, 2, 4]


def test_throughput_stops_growing_without_gain(monkeypatch) -> None:
    method = methods.get_method("hazy-input")
    monkeypatch.setattr(throughput, "_images_per_second", lambda m, x, budget_s: 50.0)
    assert best_throughput(method, 16, 16, budget_s=0.01) == (50.0, 1)
