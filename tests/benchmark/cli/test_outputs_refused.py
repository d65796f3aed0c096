"""Nothing overwritten: fit-niqe --out and report --out refuse what they must not replace.

Also the one-line messages of a NIQE model that is not one (a .npy, a pickle, a folder) and of
fit-niqe on images too small for one 96x96 patch, and check's relative default baseline.
"""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from benchmark.cli import main
from benchmark.errors import MetricError
from benchmark.metrics.niqe import load_model

from .test_metrics_cli import _fit, _run, _write_images


def _err_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error:") and err.count("\n") == 1, err
    return err


def test_fit_niqe_refuses_an_existing_out_without_overwrite(tmp_path, capsys) -> None:
    clean = _write_images(tmp_path / "clean", 2, (200, 200), seed=0)
    out = tmp_path / "niqe.npz"
    out.write_bytes(b"keep me")
    assert _fit(clean, out) == 2
    assert "exists: pass --overwrite" in _err_line(capsys)
    assert out.read_bytes() == b"keep me"
    args = ["metrics", "fit-niqe", "--data", str(clean), "--out", str(out), "--overwrite"]
    assert main(args) == 0
    assert load_model(out).mu.shape == (36,)


def test_fit_niqe_requires_an_npz_name(tmp_path, capsys) -> None:
    clean = _write_images(tmp_path / "clean", 2, (200, 200), seed=0)
    assert _fit(clean, tmp_path / "model.png") == 2
    assert "is an .npz file" in _err_line(capsys)
    assert not (tmp_path / "model.png").exists()


def test_fit_niqe_never_overwrites_one_of_its_inputs(tmp_path, capsys) -> None:
    clean = _write_images(tmp_path / "clean", 2, (200, 200), seed=0)
    image = clean / "img0.png"
    before = image.read_bytes()
    alias = tmp_path / "model.npz"
    os.link(image, alias)  # the same file under an .npz name
    args = ["metrics", "fit-niqe", "--data", str(clean), "--out", str(alias), "--overwrite"]
    assert main(args) == 2
    assert "is one of the --data images" in _err_line(capsys)
    assert image.read_bytes() == before


def test_fit_niqe_on_tiny_images_says_they_are_too_small(tmp_path, capsys) -> None:
    tiny = _write_images(tmp_path / "tiny", 3, (64, 64), seed=0)
    assert _fit(tiny, tmp_path / "niqe.npz") == 2
    err = _err_line(capsys)
    assert "from 3 image(s) (3 smaller than 96x96 or flat, 0 unreadable)" in err


@pytest.mark.parametrize("kind", ["npy", "pickle", "folder", "text"])
def test_a_file_that_is_not_a_niqe_model_is_one_plain_line(tmp_path, kind) -> None:
    path = tmp_path / f"model.{kind}"
    if kind == "npy":
        np.save(path, np.zeros(36))
    elif kind == "pickle":
        path.write_bytes(pickle.dumps({"mu": [0.0] * 36}))
    elif kind == "folder":
        path.mkdir()
    else:
        path.write_text("random text\n")
    with pytest.raises(MetricError) as info:
        load_model(path)
    text = str(info.value)
    assert "allow_pickle" not in text and "not found" not in text
    assert ("is a folder" if kind == "folder" else "is not a NIQE model") in text


def test_run_with_an_npy_as_niqe_model_is_one_line(tmp_path, capsys) -> None:
    smoky = _write_images(tmp_path / "smoky", 2, (200, 200), seed=1)
    model = tmp_path / "x.npy"
    np.save(model, np.zeros(36))
    assert _run(smoky, tmp_path / "reports", model) == 2
    assert "is not a NIQE model" in _err_line(capsys)


def test_report_out_refuses_another_runs_folder(tmp_path, capsys) -> None:
    smoky = _write_images(tmp_path / "smoky", 2, (200, 200), seed=1)
    model = tmp_path / "niqe.npz"
    assert _fit(_write_images(tmp_path / "clean", 2, (200, 200), seed=0), model) == 0
    reports = tmp_path / "reports"
    assert _run(smoky, reports, model, run_id="a") == 0
    assert _run(smoky, reports, model, run_id="b") == 0
    b = reports / "runs" / "b"
    before = {p.name: p.read_bytes() for p in b.iterdir() if p.is_file()}
    capsys.readouterr()
    assert main(["report", str(reports / "runs" / "a"), "--out", str(b)]) == 2
    assert "is another run's folder" in _err_line(capsys)
    assert {p.name: p.read_bytes() for p in b.iterdir() if p.is_file()} == before
    assert main(["report", str(b), "--out", str(b)]) == 0  # its own folder is fine


def test_report_without_methods_csv_says_so(tmp_path, capsys) -> None:
    smoky = _write_images(tmp_path / "smoky", 2, (200, 200), seed=1)
    model = tmp_path / "niqe.npz"
    assert _fit(_write_images(tmp_path / "clean", 2, (200, 200), seed=0), model) == 0
    assert _run(smoky, tmp_path / "reports", model) == 0
    run = tmp_path / "reports" / "runs" / "r"
    (run / "methods.csv").unlink()
    capsys.readouterr()
    main(["report", str(run)])
    assert "methods.csv is missing" in capsys.readouterr().err
    assert "methods.csv is missing" in (run / "table2.md").read_text()


def test_check_without_baseline_says_the_default_is_relative(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run").mkdir()
    assert main(["check", str(tmp_path / "run")]) == 2
    err = _err_line(capsys)
    assert "relative to the current folder" in err and str(tmp_path) in err
