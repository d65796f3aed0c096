"""`check` and `compare` end to end: exit codes, outputs, refusals, images left out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmark.check import BETTER, SAME, WORSE, run_check, run_compare
from benchmark.cli import main

from .fake_runs import FAST, base_scores, by_metric, shifted, write_run


def test_check_cli_exit_codes_and_outputs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    base = write_run(tmp_path / "base", {"lnet-gie": base_scores(), "dcp": base_scores(seed=5)})
    good = write_run(tmp_path / "good", {"lnet-gie": shifted(base_scores(), 0.3)})
    bad = write_run(tmp_path / "bad", {"lnet-gie": shifted(base_scores(), -0.3)})
    assert main(["check", str(good), "--baseline", str(base)]) == 0
    printed = capsys.readouterr().out
    assert (
        "| lnet-gie | psnr |" in printed
        and "better" in printed
        and "only in the baseline" in printed
    )
    report = json.loads((good / "check" / "check.json").read_text())
    assert report["exit_code"] == 0 and report["comparisons"][0]["verdict"] == BETTER
    assert (good / "check" / "figures" / "diff_lnet-gie.png").is_file()
    out = tmp_path / "out"
    assert (
        main(["check", str(bad), "--baseline", str(base), "--out", str(out), "--no-figures"]) == 1
    )
    assert json.loads((out / "check.json").read_text())["worse"] is True


def test_check_refuses_other_data_and_bad_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    base = write_run(tmp_path / "base", {"lnet-gie": base_scores()})
    other = write_run(tmp_path / "other", {"lnet-gie": base_scores()}, fingerprint="folder-xyz")
    disjoint = write_run(tmp_path / "disjoint", {"aodnet": base_scores()})
    capsys.readouterr()
    for argv in (
        ["check", str(other), "--baseline", str(base)],
        ["check", str(disjoint), "--baseline", str(base)],
        ["check", str(tmp_path / "nope"), "--baseline", str(base)],
        ["check", str(base), "--baseline", str(base), "--metrics", "psnr,lpips"],
        ["check", str(base), "--baseline", str(base), "--min-effect", "latency=0.5"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1
    main(["check", str(other), "--baseline", str(base)])
    assert "fingerprint" in capsys.readouterr().err


def test_smaller_candidate_and_new_failures(tmp_path: Path) -> None:
    base = write_run(tmp_path / "base", {"aodnet": base_scores()})
    subset = {k: v[:60] for k, v in shifted(base_scores(), 0.0).items()}
    cand = write_run(tmp_path / "cand", {"aodnet": subset}, errors={"aodnet": [3]}, n_images=60)
    result = run_check(cand, base, FAST)
    found = by_metric(result)
    assert found["psnr"].n == 59 and found["psnr"].verdict == SAME
    assert found["errors"].verdict == WORSE and result.exit_code() == 1
    assert any("140 image(s) only in the baseline" in n for n in result.notes)
    assert any("failed in the candidate but not in the baseline" in n for n in result.notes)
    gave_up = write_run(tmp_path / "gave_up", {"aodnet": subset}, status={"aodnet": "skipped"})
    found = by_metric(run_check(gave_up, base, FAST))
    assert found["status"].verdict == WORSE and "errors" not in found


def test_compare_two_specs_of_one_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run = write_run(
        tmp_path / "run",
        {"lnet-gie": base_scores(), "lnet-gie:rm=1.0": shifted(base_scores(), 0.3)},
        latency_ms={"lnet-gie": np.full(10, 5.0), "lnet-gie:rm=1.0": np.full(10, 9.0)},
    )
    result = run_compare(run, "lnet-gie", "lnet-gie:rm=1", FAST)  # canonicalised to rm=1.0
    found = by_metric(result)
    assert found["psnr"].verdict == BETTER and found["latency"].verdict == WORSE
    assert found["psnr"].spec == "lnet-gie:rm=1.0 vs lnet-gie"
    assert main(["compare", str(run), "lnet-gie", "lnet-gie:rm=1.0", "--metrics", "psnr"]) == 0
    assert "better" in capsys.readouterr().out
    assert list((run / "compare").glob("*/compare.json"))
    assert main(["compare", str(run), "lnet-gie", "aodnet"]) == 2
