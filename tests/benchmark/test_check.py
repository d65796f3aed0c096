"""Regression check, compare and ablation on synthetic run folders (no metrics, no models)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from benchmark.ablation import ablation_table, build_ablation
from benchmark.check import (
    BETTER,
    SAME,
    WORSE,
    CheckOptions,
    latency_comparison,
    load_run,
    remeasure_latency,
    run_check,
    run_compare,
)
from benchmark.cli import main
from benchmark.run.profiling import Profile, join_repeats_ms, split_repeats_ms
from benchmark.run.store import METHOD_FIELDS, CsvAppender, RunStore
from benchmark.stats import holm_adjust, mann_whitney_p, paired_bootstrap_ci, wilcoxon_p
from methods import canonical_spec

N_IMAGES = 200
DEVICE = "CPU Test CPU (2 logical cores)"
FAST = CheckOptions(n_boot=2000)


def base_scores(n: int = N_IMAGES, seed: int = 0) -> dict[str, np.ndarray]:
    """Per-image scores of a reference method: PSNR, SSIM, CIEDE2000."""
    rng = np.random.default_rng(seed)
    return {
        "psnr": rng.normal(25.0, 2.0, n),
        "ssim": rng.uniform(0.7, 0.9, n),
        "ciede2000": rng.uniform(3.0, 6.0, n),
    }


def shifted(scores: dict[str, np.ndarray], psnr_shift: float, seed: int = 1) -> dict:
    """The same images with PSNR shifted by a true effect plus noise sd 0.2, SSIM unchanged."""
    noise = np.random.default_rng(seed).normal(0.0, 0.2, scores["psnr"].size)
    return {**scores, "psnr": scores["psnr"] + psnr_shift + noise}


def write_run(
    root: Path,
    scores: dict[str, dict[str, np.ndarray]],
    fingerprint: str = "synthetic-v1-seed0",
    device: str = DEVICE,
    latency_ms: dict[str, np.ndarray] | None = None,
    errors: dict[str, list[int]] | None = None,
    n_images: int | None = None,
    status: dict[str, str] | None = None,
) -> Path:
    """A run folder with the runner's layout, rows written through RunStore."""
    store = RunStore(root)
    specs = list(scores)
    store.write_manifest(
        {
            "dataset_fingerprint": fingerprint,
            "split": "test",
            "limit": None,
            "specs": specs,
            "weights": dict.fromkeys(specs),
            "run_id": root.name,
            "dataset": {"name": "synthetic"},
            "n_images": n_images or N_IMAGES,
            "environment": {"device_name": device, "git_commit": "abc"},
            "methods": {},
            "sample_images": [],
        }
    )
    with store.per_image_writer() as rows:
        for spec, values in scores.items():
            failed = set((errors or {}).get(spec, []))
            rows.write(
                {
                    "spec": spec,
                    "method": spec.split(":")[0],
                    "image_id": f"img{i:04d}",
                    "group": "g",
                    **({} if i in failed else {k: float(v[i]) for k, v in values.items()}),
                    "status": "error" if i in failed else "ok",
                    "error": "RuntimeError: boom" if i in failed else "",
                }
                for i in range(values["psnr"].size)
            )
    with store.methods_writer() as table:
        for spec in specs:
            reps = (latency_ms or {}).get(spec, np.full(10, 5.0))
            table.write(
                [
                    {
                        "spec": spec,
                        "method": spec.split(":")[0],
                        "status": (status or {}).get(spec, "done"),
                        "reason": "skipped after 3 consecutive failures",
                        "params": 14,
                        "macs": 1.5e6,
                        "latency_median_ms": float(np.median(reps)),
                        "latency_repeats": reps.size,
                        "latency_repeats_ms": join_repeats_ms(reps),
                        "eval_height": 32,
                        "eval_width": 32,
                        "device_name": device,
                    }
                ]
            )
    return root


def by_metric(result, spec: str | None = None) -> dict[str, object]:
    """Comparisons of a result keyed by metric (of one spec)."""
    return {c.metric: c for c in result.comparisons if spec is None or c.spec == spec}


# --- statistics ------------------------------------------------------------------------------
def test_holm_matches_hand_computed_values() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 -> 4*0.005, 3*0.01, 2*0.03, max(1*0.04, 0.06)
    adjusted = holm_adjust(np.array([0.01, 0.04, 0.03, 0.005]))
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm_adjust(np.array([np.nan, 0.5, 0.2])), [np.nan, 0.5, 0.4])
    np.testing.assert_allclose(holm_adjust(np.array([0.6, 0.7])), [1.0, 1.0])
    assert holm_adjust(np.array([])).size == 0


def test_wilcoxon_and_mann_whitney_equal_scipy() -> None:
    rng = np.random.default_rng(3)
    for n in (12, 60, 200):
        diffs = rng.normal(0.1, 0.3, n)
        assert wilcoxon_p(diffs) == pytest.approx(stats.wilcoxon(diffs).pvalue, rel=1e-12)
    assert wilcoxon_p(np.zeros(50)) == 1.0
    assert wilcoxon_p(np.array([])) == 1.0
    a, b = rng.normal(10, 1, 25), rng.normal(11, 1, 30)
    ref = stats.mannwhitneyu(a, b, alternative="two-sided").pvalue
    assert mann_whitney_p(a, b) == pytest.approx(ref, rel=1e-12)
    assert mann_whitney_p(np.ones(5), np.ones(5)) == 1.0
    assert np.isnan(mann_whitney_p(np.array([]), b))


def test_paired_bootstrap_ci_contains_truth_and_is_seeded() -> None:
    base = base_scores()["psnr"]
    cand = shifted(base_scores(), 0.3)["psnr"]
    mean, low, high = paired_bootstrap_ci(cand, base)
    assert low < 0.3 < high and low < mean < high
    assert mean == pytest.approx((cand - base).mean())
    assert paired_bootstrap_ci(cand, base) == (mean, low, high)
    assert paired_bootstrap_ci(cand, base, seed=7) != (mean, low, high)
    half = 1.96 * (cand - base).std(ddof=1) / np.sqrt(base.size)
    assert abs((high - low) - 2 * half) < 0.1 * (high - low)
    with pytest.raises(ValueError):
        paired_bootstrap_ci(cand, base[:-1])


def test_repeats_round_trip_and_old_methods_csv_header(tmp_path: Path) -> None:
    ms = np.array([1.25, 2.5, 3.0])
    np.testing.assert_allclose(split_repeats_ms(join_repeats_ms(ms)), ms)
    assert split_repeats_ms(float("nan")).size == 0 and split_repeats_ms(4.0).tolist() == [4.0]
    assert "latency_repeats_ms" in Profile.__dataclass_fields__
    old = tmp_path / "methods.csv"
    old.write_text("spec,status,latency_median_ms\nold,done,3.0\n", encoding="utf-8")
    with CsvAppender(old, METHOD_FIELDS) as table:
        table.write([{"spec": "new", "status": "done", "latency_repeats_ms": "1;2"}])
    assert old.read_text(encoding="utf-8").splitlines()[-1] == "new,done,"


# --- check verdicts --------------------------------------------------------------------------
@pytest.mark.parametrize(("shift", "verdict"), [(0.3, BETTER), (0.0, SAME), (-0.3, WORSE)])
def test_quality_verdicts(tmp_path: Path, shift: float, verdict: str) -> None:
    base = write_run(tmp_path / "base", {"lnet-gie": base_scores()})
    cand = write_run(tmp_path / "cand", {"lnet-gie": shifted(base_scores(), shift)})
    result = run_check(cand, base, FAST)
    found = by_metric(result)
    assert found["psnr"].verdict == verdict
    assert found["ssim"].verdict == SAME and found["ssim"].p == 1.0  # all-zero differences
    assert found["psnr"].ci_low < shift < found["psnr"].ci_high
    assert result.exit_code() == (1 if verdict == WORSE else 0)


def test_lower_is_better_metric_and_min_effect(tmp_path: Path) -> None:
    scores = base_scores()
    worse_colour = {**scores, "ciede2000": scores["ciede2000"] + 0.5}
    base = write_run(tmp_path / "base", {"dcp": scores})
    cand = write_run(tmp_path / "cand", {"dcp": worse_colour})
    options = CheckOptions(metrics=("ciede2000",), n_boot=2000)
    assert by_metric(run_check(cand, base, options))["ciede2000"].verdict == WORSE
    options.min_effect["ciede2000"] = 1.0  # a real but too small change is not a verdict
    assert by_metric(run_check(cand, base, options))["ciede2000"].verdict == SAME


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


# --- latency ---------------------------------------------------------------------------------
def test_latency_verdicts_same_and_different_devices(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    base_ms = 10 + rng.normal(0, 0.2, 30)
    slow_ms, close_ms = 13 + rng.normal(0, 0.2, 30), 10.3 + rng.normal(0, 0.2, 30)
    scores = {"aodnet": base_scores()}
    base = write_run(tmp_path / "base", scores, latency_ms={"aodnet": base_ms})
    slow = write_run(tmp_path / "slow", scores, latency_ms={"aodnet": slow_ms})
    close = write_run(tmp_path / "close", scores, latency_ms={"aodnet": close_ms})
    elsewhere = write_run(
        tmp_path / "gpu", scores, device="NVIDIA H100", latency_ms={"aodnet": slow_ms}
    )
    options = CheckOptions(metrics=("latency",), n_boot=2000)
    found = by_metric(run_check(slow, base, options))["latency"]
    assert found.verdict == WORSE and found.difference == pytest.approx(
        np.median(slow_ms) / np.median(base_ms)
    )
    assert found.ci_low < found.difference < found.ci_high
    close_found = by_metric(run_check(close, base, options))["latency"]
    assert close_found.p < 0.05 and close_found.verdict == SAME  # significant, but < x1.10
    assert by_metric(run_check(elsewhere, base, options))["latency"].verdict == (
        "not comparable: different devices"
    )
    assert main(["check", str(slow), "--baseline", str(base), "--metrics", "latency",
                 "--no-figures"]) == 1  # fmt: skip


def test_latency_without_repeats_is_not_tested() -> None:
    found = latency_comparison("x", np.empty(0), np.empty(0), medians=(20.0, 10.0))
    assert found.difference == 2.0 and np.isnan(found.p)
    assert found.verdict == "not comparable: no per-repeat latencies"


def test_rerun_latency_interleaves_both_specs(tmp_path: Path) -> None:
    cand, base, where = remeasure_latency("hazy-input", "dcp", 16, 16, "cpu", budget_s=0.01)
    assert cand.size == base.size >= 5 and where
    scores = {"hazy-input": base_scores(n=20)}
    base_dir = write_run(tmp_path / "base", scores, device="another machine")
    cand_dir = write_run(tmp_path / "cand", scores)
    options = CheckOptions(
        metrics=("latency",), n_boot=500, rerun_latency=True, latency_budget_s=0.01
    )
    found = by_metric(run_check(cand_dir, base_dir, options))["latency"]
    assert "re-measured now" in found.note and found.verdict in (SAME, BETTER, WORSE)


# --- compare and ablation --------------------------------------------------------------------
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
