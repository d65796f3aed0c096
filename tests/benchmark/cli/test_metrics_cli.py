"""`metrics fit-niqe` and `run --metric-params niqe=MODEL` end to end on images the test writes."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from benchmark.cli import main


def _write_images(folder: Path, n: int, size: tuple[int, int], seed: int) -> Path:
    """Textured 8-bit RGB images: blurred noise at a few scales (every patch has detail)."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for k in range(n):
        noise = rng.uniform(0, 255, (*size, 3))
        image = sum(cv2.GaussianBlur(noise, (0, 0), s) for s in (0.8, 2, 6)) / 3
        cv2.imwrite(str(folder / f"img{k}.png"), np.clip(image, 0, 255).astype(np.uint8))
    return folder


def _fit(clean: Path, out: Path) -> int:
    return main(["metrics", "fit-niqe", "--data", str(clean), "--out", str(out)])


def _run(data: Path, out: Path, model: Path, run_id: str = "r") -> int:
    args = ["run", "--data", str(data), "--methods", "hazy-input", "--device", "cpu"]
    args += ["--metric-params", f"niqe={model}", "--limit", "2", "--out", str(out)]
    return main([*args, "--run-id", run_id, "--no-progress", "--latency-budget", "0.01"])


def test_fit_then_run_scores_niqe_and_records_the_model(tmp_path: Path, capsys) -> None:
    clean = _write_images(tmp_path / "clean", 3, (200, 200), seed=0)
    smoky = _write_images(tmp_path / "smoky", 3, (200, 300), seed=1)
    model = tmp_path / "niqe.npz"
    assert _fit(clean, model) == 0
    assert "--metric-params niqe=" in capsys.readouterr().out
    with np.load(model) as saved:
        assert saved["mu"].shape == (36,) and saved["cov"].shape == (36, 36)
        assert int(saved["patch_size"]) == 96 and float(saved["sharpness_threshold"]) == 0.75
        assert int(saved["n_images"]) == 3 and int(saved["n_patches"]) >= 2
    assert _run(smoky, tmp_path / "reports", model) == 0
    run = tmp_path / "reports" / "runs" / "r"
    rows = pd.read_csv(run / "per_image.csv")
    assert len(rows) == 2 and np.isfinite(rows["niqe"]).all() and "piqe" in rows
    manifest = json.loads((run / "manifest.json").read_text())
    from benchmark.files import sha256_file

    assert manifest["metric_params"]["niqe"]["sha256"] == sha256_file(model)
    assert "niqe" not in manifest["metrics_unavailable"]
    # resuming the same run with another model would mix scores: refused in one line
    other = tmp_path / "other.npz"
    assert _fit(_write_images(tmp_path / "clean2", 2, (200, 200), seed=5), other) == 0
    capsys.readouterr()
    assert _run(smoky, tmp_path / "reports", other) == 2
    err = capsys.readouterr().err.strip()
    assert "metric models" in err and len(err.splitlines()) == 1
    assert _run(smoky, tmp_path / "reports", model) == 0  # the same model resumes


@pytest.mark.parametrize("case", ["missing", "empty", "tiny", "out-is-folder", "bad-model"])
def test_bad_input_is_one_line(tmp_path: Path, capsys, case: str) -> None:
    clean = tmp_path / "clean"
    if case == "missing":
        code = _fit(clean, tmp_path / "m.npz")
    elif case == "empty":
        clean.mkdir()
        code = _fit(clean, tmp_path / "m.npz")
    elif case == "tiny":  # smaller than one 96x96 patch: no sharp patch at all
        code = _fit(_write_images(clean, 2, (64, 64), seed=0), tmp_path / "m.npz")
    elif case == "out-is-folder":
        code = _fit(_write_images(clean, 1, (200, 200), seed=0), tmp_path)
    else:
        smoky = _write_images(tmp_path / "smoky", 1, (200, 200), seed=0)
        (tmp_path / "bad.npz").write_bytes(b"junk")
        args = ["run", "--data", str(smoky), "--methods", "hazy-input", "--out", str(tmp_path)]
        extra = ["--metric-params", f"niqe={tmp_path / 'bad.npz'}"]
        code = main([*args, *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert not (tmp_path / "m.npz").exists()
