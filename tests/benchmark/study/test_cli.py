"""`study create|simulate|results` end to end on a real run folder, and their one-line errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from benchmark.cli import main
from benchmark.study.store import StudyStore


def test_pairs_study_from_create_to_the_run_report(run_copy: Path, tmp_path: Path, capsys) -> None:
    study = tmp_path / "study"
    args = [
        "study",
        "create",
        str(run_copy),
        "--out",
        str(study),
        "--raters",
        "3",
        "--per-rater",
        "20",
    ]
    assert main(args) == 0
    assert "60 items for 3 raters" in capsys.readouterr().out
    with open(study / "raters.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["rater"] for r in rows] == ["rater01", "rater02", "rater03"]
    assert all(r["url_path"] == f"/r/{r['token']}" and len(r["token"]) >= 32 for r in rows)
    assert main(["study", "simulate", str(study), "--like", "psnr"]) == 0
    assert main(["study", "results", str(study), "--bootstrap", "100"]) == 0
    out = capsys.readouterr().out
    assert "SIMULATED" in out and "report.html" in out
    ranking = pd.read_csv(study / "results.csv")
    assert sorted(ranking["spec"]) == ["aodnet", "cap", "dcp"] and ranking["rank"].min() == 1
    assert (ranking["ci_low"] <= ranking["bt_score"]).all()
    metrics = pd.read_csv(study / "results_metrics.csv").set_index("metric")
    assert set(metrics.index) == {"psnr", "ssim", "ciede2000"}
    assert metrics.loc["psnr", "agreement"] > 0.5  # the votes were simulated to follow PSNR
    md = (study / "results.md").read_text(encoding="utf-8")
    assert "SIMULATED" in md and "Krippendorff" in md and "Win rate" in md and "same_answer" in md
    assert {p.name for p in (study / "figures").iterdir()} == {
        "reader_scores.png",
        "win_rate.png",
        "metric_agreement.png",
    }
    report = (run_copy / "report.html").read_text(encoding="utf-8")
    assert "Reader study: study (SIMULATED)" in report and "Bradley-Terry" in report
    assert main(["report", str(run_copy)]) == 0  # a rebuilt report keeps the section
    assert "Reader study: study" in (run_copy / "report.html").read_text(encoding="utf-8")


def test_rating_study_reports_mos_with_the_hidden_reference(run_copy: Path, tmp_path: Path) -> None:
    study = tmp_path / "rating"
    create = ["study", "create", str(run_copy), "--out", str(study), "--design", "rating"]
    assert main([*create, "--raters", "2", "--per-rater", "24", "--methods", "dcp,cap"]) == 0
    assert main(["study", "simulate", str(study)]) == 0
    assert main(["study", "results", str(study), "--bootstrap", "50", "--no-report"]) == 0
    ranking = pd.read_csv(study / "results.csv").set_index("spec")
    assert set(ranking.index) == {"dcp", "cap", "input (hidden reference)"}
    assert ranking["mos"].between(1, 5).all() and ranking["dmos"].notna().sum() == 2
    assert "MOS [95% CI]" in (study / "results.md").read_text(encoding="utf-8")
    assert not (run_copy / "reader_studies").exists()


def test_user_errors_are_one_line(tiny_run: Path, tmp_path: Path, capsys) -> None:
    cases = [
        (
            ["study", "create", str(tmp_path / "none"), "--out", str(tmp_path / "s")],
            "is not a run folder",
        ),
        (
            [
                "study",
                "create",
                str(tiny_run),
                "--out",
                str(tmp_path / "s"),
                "--methods",
                "dcp,lnet-gie",
            ],
            "not in run",
        ),
        (
            ["study", "create", str(tiny_run), "--out", str(tmp_path / "s"), "--methods", "dcp"],
            "too few methods",
        ),
        (["study", "results", str(tmp_path / "none")], "is not a study folder"),
        (["study", "serve", str(tmp_path / "none")], "is not a study folder"),
        (
            ["study", "create", str(tiny_run), "--out", str(tmp_path / "s"), "--repeats", "0.9"],
            "from 0 to 0.5",
        ),
    ]
    for args, message in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err
    study = tmp_path / "empty"
    assert (
        main(
            [
                "study",
                "create",
                str(tiny_run),
                "--out",
                str(study),
                "--raters",
                "1",
                "--per-rater",
                "4",
            ]
        )
        == 0
    )
    assert main(["study", "results", str(study)]) == 2 and "no votes yet" in capsys.readouterr().err
    assert main(["study", "create", str(tiny_run), "--out", str(study)]) == 2
    assert "exists" in capsys.readouterr().err and StudyStore(study).counts()["items"] == 4
