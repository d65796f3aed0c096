"""A metric with no score for some images says why (console and Table 1's note); one with no
score for any image is a problem the exit status reports (NIQE on frames under 96x96)."""

from __future__ import annotations

from pathlib import Path

from .test_metrics_cli import _fit, _run, _write_images


def _model(tmp_path: Path) -> Path:
    model = tmp_path / "niqe.npz"
    assert _fit(_write_images(tmp_path / "clean", 3, (200, 200), seed=0), model) == 0
    return model


def test_niqe_on_frames_smaller_than_a_patch_is_a_problem(tmp_path: Path, capsys) -> None:
    model = _model(tmp_path)
    small = _write_images(tmp_path / "small", 2, (64, 64), seed=1)
    capsys.readouterr()
    assert _run(small, tmp_path / "reports", model) == 1
    out = capsys.readouterr().out
    assert "INCOMPLETE" in out and "complete: everything asked for" not in out
    assert "niqe: no score for 2 of 2 image row(s)" in out and "96x96" in out
    table = (tmp_path / "reports" / "runs" / "r" / "table1.md").read_text()
    assert "niqe: no score for 2 of 2" in table and "96x96 patches" in table


def test_niqe_missing_for_some_images_is_a_note(tmp_path: Path, capsys) -> None:
    model = _model(tmp_path)
    data = _write_images(tmp_path / "mixed", 1, (200, 200), seed=1)
    _write_images(tmp_path / "tiny", 1, (64, 64), seed=2).joinpath("img0.png").rename(
        data / "tiny.png"
    )
    capsys.readouterr()
    assert _run(data, tmp_path / "reports", model) == 0
    out = capsys.readouterr().out
    assert "note: niqe: no score for 1 of 2 image row(s) (e.g. tiny)" in out
    table = (tmp_path / "reports" / "runs" / "r" / "table1.md").read_text()
    assert "means are over the scored images" in table
