"""compare_init: one run per (init, seed), curves written, finished runs reused."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from benchmark.errors import TrainingError
from benchmark.train import TrainData, compare_init
from benchmark.train import compare as compare_module
from methods import lnet_gie

from .helpers import config


def test_compare_init_writes_curves_for_each_init(
    tmp_path: Path, data: TrainData, aod_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lnet_gie, "shipped_weights_for", lambda spec: None)
    cfg = config(tmp_path / "lnet.pth", "lnet-gie", epochs=2)
    folder = compare_init(cfg, {"aodnet-public": aod_file}, seeds=1, dataset=None, data=data)[
        "folder"
    ]
    assert folder == tmp_path / "lnet-compare-init"
    with open(folder / "curves.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["init"], r["epoch"]) for r in rows} == {
        (init, str(e)) for init in ("random", "aodnet-public") for e in range(3)
    }
    summary = json.loads((folder / "curves.json").read_text())
    assert set(summary["summary"]) == {"random", "aodnet-public"}
    assert (folder / "curves.png").stat().st_size > 0
    monkeypatch.setattr(
        compare_module, "train", lambda *a, **k: pytest.fail("should reuse the runs")
    )
    again = compare_init(cfg, {"aodnet-public": aod_file}, seeds=1, data=data)["summary"]["summary"]
    assert again == summary["summary"]
    with pytest.raises(TrainingError, match="nothing to compare"):
        compare_init(cfg, None, data=data)


@pytest.mark.parametrize(
    "spec,message",
    [("aodnet", "not supported by aodnet"), ("dcp", "not supported by dcp: it is a classical")],
)
def test_compare_init_needs_a_method_with_inits_to_compare(
    tmp_path: Path, data: TrainData, spec: str, message: str
) -> None:
    with pytest.raises(TrainingError, match=message):
        compare_init(config(tmp_path / "x.pth", spec), data=data)
