"""`outputs:path=DIR` in a run: scored like any method on paired data, missing and wrongly sized
outputs named in the data report and failed by name, cost 'not measured here', and a changed
folder a different method (the run refuses to resume with it)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from skimage.metrics import peak_signal_noise_ratio

from benchmark.cli import main

FAST = ["--no-progress", "--latency-budget", "0.02", "--batch-size", "4"]


def _write(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))


@pytest.fixture
def paired(tmp_path: Path) -> tuple[Path, Path, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A paired folder of 3 images and an outputs folder: img1 ok, img2 wrongly sized, img3
    missing, plus one extra output that matches no input."""
    rng = np.random.default_rng(0)
    data, outs = tmp_path / "data", tmp_path / "published"
    clear, given = {}, {}
    for name in ("img1", "img2", "img3"):
        clear[name] = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
        _write(data / "clear" / f"{name}.png", clear[name])
        _write(data / "hazy" / f"{name}.png", (clear[name] * 0.5 + 100).astype(np.uint8))
    noisy = np.clip(clear["img1"].astype(int) + rng.integers(-20, 21, (24, 32, 3)), 0, 255)
    given["img1"] = noisy.astype(np.uint8)
    given["img2"] = rng.integers(0, 256, (20, 32, 3), dtype=np.uint8)
    given["zzz"] = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    for name, image in given.items():
        _write(outs / f"res_{name}.png", image)
    return data, outs, clear, given


def _run(tmp_path: Path, data: Path, spec: str, run_id: str = "r") -> int:
    args = ["--data", str(data), "--methods", spec, "--metrics", "psnr,ssim", "--split", "all"]
    return main(["run", "--out", str(tmp_path), *FAST, *args, "--run-id", run_id])


def test_published_outputs_are_scored_as_they_are_and_problems_named(
    tmp_path: Path, paired, capsys
) -> None:
    data, outs, clear, given = paired
    spec = f"outputs:path={outs},name=Elsewhere"
    assert _run(tmp_path, data, spec) == 1  # img2 and img3 cannot be scored: not complete
    run = tmp_path / "runs" / "r"
    rows = pd.read_csv(run / "per_image.csv").set_index("image_id")
    expected = peak_signal_noise_ratio(clear["img1"], given["img1"], data_range=255)
    assert rows.loc["img1", "status"] == "ok"
    assert rows.loc["img1", "psnr"] == pytest.approx(expected, abs=1e-6)  # skimage reference
    assert rows.loc["img2", "status"] == "error"  # never scored against a resized image
    assert "output for img2 is 32x20, the input 32x24" in rows.loc["img2", "error"]
    assert "no output for img3" in rows.loc["img3", "error"]
    report = json.loads((run / "manifest.json").read_text())["data_report"]["methods"]
    (found,) = report.values()
    assert found[0] == "no output for 1 input(s): img3"
    assert "res_img2.png is 32x20, its input img2 32x24: not scored" in found
    assert "1 output file(s) match no input: res_zzz.png (left out)" in found
    err = capsys.readouterr().err
    assert "res_zzz.png" in err and "no output for 1 input(s): img3" in err
    table2 = (run / "table2.md").read_text()
    assert "| Elsewhere |" in table2 and "not measured here" in table2
    methods_csv = pd.read_csv(run / "methods.csv").drop_duplicates("spec", keep="last")
    assert methods_csv.iloc[-1]["weights_source"] == "outputs"
    # a changed folder is another method: the run id cannot be resumed with it
    _write(outs / "res_img3.png", clear["img3"])
    assert _run(tmp_path, data, spec) == 2
    assert "exists with a different weights" in capsys.readouterr().err
    assert _run(tmp_path, data, spec, run_id="fresh") == 1
    fresh = pd.read_csv(tmp_path / "runs" / "fresh" / "per_image.csv").set_index("image_id")
    assert fresh.loc["img3", "status"] == "ok" and np.isinf(fresh.loc["img3", "psnr"])
