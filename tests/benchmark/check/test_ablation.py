"""`ablation`: a method's spec grid as a table and a figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.check import load_run
from benchmark.check.ablation import ablation_table, build_ablation, build_table
from benchmark.check.grid import find_grid
from benchmark.cli import main
from methods import canonical_spec

from .fake_runs import base_scores, shifted, write_run


def test_ablation_table_and_heatmap(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    grid = [(rm, wm) for rm in (0.25, 0.5, 1.0) for wm in (0.5, 1.0)]
    scores = {}
    for k, (rm, wm) in enumerate(grid):
        spec = canonical_spec(f"lnet-gie:rm={rm},wm={wm}")  # defaults left out: 'lnet-gie'
        scores[spec] = shifted(base_scores(n=40), 0.1 * k, seed=k)
    scores["dcp"] = base_scores(n=40)
    run = write_run(tmp_path / "run", scores, n_images=40)
    table = ablation_table(load_run(run))
    assert list(zip(table["rm"], table["wm"], strict=True)) == grid
    default = table[table["spec"] == "lnet-gie"].iloc[0]
    assert np.isnan(default["dpsnr"]) and table["dpsnr"].notna().sum() == 5
    paths = build_ablation(run)
    assert paths["heatmap"].stat().st_size > 0 and "ΔPSNR" in paths["markdown"].read_text()
    assert main(["ablation", str(run), "--out", str(tmp_path / "abl")]) == 0
    assert "| 0.25 | 0.5 | lnet-gie:rm=0.25 |" in capsys.readouterr().out
    plain = write_run(tmp_path / "plain", {"dcp": base_scores(n=10)}, n_images=10)
    assert main(["ablation", str(plain)]) == 2


def grid_run(root: Path, specs: list[str], n: int = 30) -> Path:
    """A run whose specs (canonicalised) score better the later they come."""
    scores = {
        canonical_spec(spec): shifted(base_scores(n=n), 0.2 * k, seed=k)
        for k, spec in enumerate(specs)
    }
    return write_run(root, scores, n_images=n)


def test_ablation_of_one_numeric_parameter_is_a_line_plot(tmp_path: Path) -> None:
    run = grid_run(tmp_path / "run", ["dcp:omega=0.8", "dcp", "dcp:omega=0.9", "hazy-input"])
    ablation = build_table(load_run(run), find_grid(load_run(run)))
    assert ablation.grid.method == "dcp" and ablation.grid.varying == ("omega",)
    assert ablation.reference == "dcp"  # the default spec (omega=0.95)
    assert ablation.table["omega"].tolist() == [0.8, 0.9, 0.95]
    paths = build_ablation(run)
    assert paths["plot"].stat().st_size > 0 and "heatmap" not in paths
    text = paths["markdown"].read_text()
    assert "# DCP ablation" in text and "| omega | spec |" in text
    assert "ΔPSNR vs default [95% CI]" in text and "(dcp, omega=0.95)" in text
    assert "![PSNR over omega](ablation_plot.png)" in text


def test_ablation_point_plot_reference_without_default_and_three_parameters(tmp_path: Path) -> None:
    bools = grid_run(tmp_path / "bools", ["dcp:refine=false", "dcp:refine=false,patch=7"])
    ablation = build_table(load_run(bools), find_grid(load_run(bools)))
    assert ablation.grid.varying == ("patch",) and ablation.reference == "dcp:patch=7,refine=false"
    assert np.isnan(ablation.table["dpsnr"].iloc[0]) and ablation.table["dpsnr"].notna().sum() == 1
    assert "ΔPSNR vs reference" in build_ablation(bools)["markdown"].read_text()
    flags = grid_run(tmp_path / "flags", ["dcp:refine=false", "dcp"])
    assert build_ablation(flags)["plot"].is_file()  # a point per value of a bool parameter
    three = grid_run(tmp_path / "three", ["dcp", "dcp:omega=0.8,patch=7", "dcp:t0=0.2"])
    paths = build_ablation(three)
    assert set(paths) == {"csv", "markdown"}
    assert "no figure: 3 parameters vary" in paths["markdown"].read_text()


def test_ablation_chooses_the_method_or_asks(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run = grid_run(tmp_path / "run", ["dcp", "dcp:omega=0.8", "cap", "cap:beta=2.0"])
    capsys.readouterr()
    assert main(["ablation", str(run)]) == 2
    err = capsys.readouterr().err
    assert "dcp, cap" in err and "--method" in err
    assert main(["ablation", str(run), "--method", "cap", "--out", str(tmp_path / "cap")]) == 0
    assert "| 2 | cap:beta=2.0 |" in capsys.readouterr().out
    assert main(["ablation", str(run), "--method", "aodnet"]) == 2
    assert "no aodnet specs" in capsys.readouterr().err
