"""The run command end to end: outputs, resume after a crash, failure isolation, CLI errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

import methods
import tests.benchmark.faulty_methods  # noqa: F401  (registers the test methods)
from benchmark.cli import main
from methods.core.spec import split_method_list as split_method_args
from tests.methods.reference_weights import deterministic_like

REPO = Path(__file__).resolve().parents[3]
FAST = ["--size", "32", "--no-progress", "--latency-budget", "0.02", "--batch-size", "4"]


def _run(tmp_path: Path, *args: str) -> int:
    return main(["run", "--out", str(tmp_path), *FAST, *args])


def _lnet_weights(tmp_path: Path) -> Path:
    m = methods.get_method("lnet-gie", use_shipped=False)
    path = tmp_path / "lnet.pth"
    # e_conv2 bias > 0 makes K > 0 so the formula changes the image
    state = deterministic_like(m.module.state_dict(), seed=1)
    state["e_conv2.bias"] = torch.tensor([0.5])
    torch.save(state, path)
    return path


def test_end_to_end_outputs_have_content(tmp_path: Path) -> None:
    weights = _lnet_weights(tmp_path)
    rc = _run(
        tmp_path,
        "--methods",
        "lnet-gie,dcp,hazy-input",
        "ffanet",
        "--limit",
        "6",
        "--run-id",
        "e2e",
        "--weights",
        f"lnet-gie={weights}",
    )
    # ffanet was asked for by name but has no weights: not everything was computed
    assert rc == 1
    run = tmp_path / "runs" / "e2e"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["specs"] == ["lnet-gie", "dcp", "hazy-input", "ffanet"]
    assert len(manifest["dataset_fingerprint"]) == 64 and manifest["n_images"] == 6
    assert manifest["environment"]["versions"]["torch"] == torch.__version__
    assert manifest["environment"]["torch_threads"] == torch.get_num_threads()
    assert manifest["weights"]["lnet-gie"] == methods.core.weights.sha256_file(weights)
    assert len(manifest["sample_images"]) == 5
    rows = pd.read_csv(run / "per_image.csv")
    assert len(rows) == 18 and set(rows["status"]) == {"ok"}  # ffanet: no weights, no rows
    assert rows["psnr"].between(5, 100).all() and rows["ssim"].between(-1, 1).all()
    table = pd.read_csv(run / "methods.csv").drop_duplicates("spec", keep="last")
    status = dict(zip(table["spec"], table["status"], strict=True))
    assert status == {
        "lnet-gie": "done",
        "dcp": "done",
        "hazy-input": "done",
        "ffanet": "not scored",
    }
    assert (table["latency_median_ms"] > 0).all()
    summary = pd.read_csv(run / "summary.csv")
    lnet = summary[summary["spec"] == "lnet-gie"].iloc[0]
    assert lnet["params"] == 14 and lnet["n_images"] == 6
    assert lnet["psnr_ci_low"] <= lnet["psnr_mean"] <= lnet["psnr_ci_high"]
    assert lnet["paper_psnr"] == pytest.approx(28.1082)
    t1 = (run / "table1.md").read_text()
    assert "LNet-GIE" in t1 and "Paper PSNR" in t1 and "no weights: pass --weights ffanet" in t1
    assert "\\toprule" in (run / "table2.tex").read_text()
    assert "| 4,455,913 |" in (run / "table2.md").read_text()
    for name in (
        "quality_bars",
        "psnr_vs_params",
        "psnr_vs_latency",
        "psnr_distribution",
        "qualitative_grid",
    ):
        png = run / "figures" / f"{name}.png"
        assert png.stat().st_size > 5000, name
        assert f"figures/{name}.png" in (run / "report.md").read_text()


def test_all_profiles_unweighted_networks_without_scoring_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from methods.core import registry

    builtin = {k: v for k, v in registry._REGISTRY.items() if not k.startswith("test-")}
    monkeypatch.setattr(registry, "_REGISTRY", builtin)
    assert _run(tmp_path, "--methods", "all", "--limit", "2", "--run-id", "all") == 0
    run = tmp_path / "runs" / "all"
    table = pd.read_csv(run / "methods.csv").drop_duplicates("spec", keep="last")
    table = table.set_index("spec")
    in_all = {n for n in methods.available_methods() if methods.method_class(n).in_all}
    assert in_all <= set(table.index)
    for name in ("ffanet", "c2pnet", "gcanet", "griddehazenet", "msbdn-dff", "da-dehazing"):
        assert table.loc[name, "params"] > 100_000
        assert table.loc[name, "macs"] > 0 and table.loc[name, "latency_median_ms"] > 0
        if table.loc[name, "weights_source"] != "shipped":
            assert table.loc[name, "status"] == "not scored"
    rows = pd.read_csv(run / "per_image.csv")
    assert "ffanet" not in set(rows["spec"])
    assert "no weights: pass --weights ffanet=PATH" in (run / "table1.md").read_text()


def test_finished_run_recomputes_nothing_and_report_regenerates(tmp_path: Path) -> None:
    args = ("--methods", "dcp,hazy-input", "--limit", "4", "--run-id", "again")
    assert _run(tmp_path, *args) == 0
    run = tmp_path / "runs" / "again"
    before = (run / "per_image.csv").read_bytes(), (run / "methods.csv").read_bytes()
    table1 = (run / "table1.md").read_text()
    assert _run(tmp_path, *args) == 0
    assert ((run / "per_image.csv").read_bytes(), (run / "methods.csv").read_bytes()) == before
    (run / "table1.md").unlink()
    for png in (run / "figures").glob("*.png"):
        png.unlink()
    assert main(["report", str(run)]) == 0
    assert (run / "table1.md").read_text() == table1
    assert (run / "figures" / "quality_bars.png").exists()


def test_run_id_with_other_data_is_refused(tmp_path: Path, capsys) -> None:
    assert _run(tmp_path, "--methods", "dcp", "--limit", "2", "--run-id", "x") == 0
    assert _run(tmp_path, "--methods", "dcp", "--limit", "3", "--run-id", "x") == 2
    assert _run(tmp_path, "--methods", "cap", "--limit", "2", "--run-id", "x") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: run id 'x' exists with a different specs")


def test_failures_are_isolated(tmp_path: Path) -> None:
    rc = _run(
        tmp_path,
        "--methods",
        "test-raises-on-bright:threshold=0.433",
        "test-nan",
        "test-wrong-shape",
        "dcp",
        "--limit",
        "8",
        "--run-id",
        "faults",
        "--batch-size",
        "4",
    )
    assert rc == 1
    run = tmp_path / "runs" / "faults"
    rows = pd.read_csv(run / "per_image.csv")
    dcp = rows[rows["spec"] == "dcp"]
    assert len(dcp) == 8 and set(dcp["status"]) == {"ok"}
    nan = rows[rows["spec"] == "test-nan"]
    # skipped once 3 in a row failed (counted per image, also inside a batch of 4)
    assert len(nan) == 3 and set(nan["status"]) == {"error"}
    assert nan["error"].str.contains("NaN or Inf").all()
    shape = rows[rows["spec"] == "test-wrong-shape"]
    assert shape["error"].str.contains("output shape").all()
    table = pd.read_csv(run / "methods.csv").drop_duplicates("spec", keep="last")
    status = dict(zip(table["spec"], table["status"], strict=True))
    assert status["test-nan"] == "skipped" and status["dcp"] == "done"
    reason = dict(zip(table["spec"], table["reason"], strict=True))["test-nan"]
    assert reason.startswith("skipped after 3 consecutive failures")  # the limit, not a count
    # the first 8 synthetic test frames at 32 px have mean brightness
    # 0.435 0.440 0.430 0.431 0.422 0.417 0.431 0.437: frames 0, 1 and 7 fail, the rest score
    bright = rows[rows["spec"] == "test-raises-on-bright:threshold=0.433"]
    assert len(bright) == 8
    failed = bright.loc[bright["status"] == "error", "image_id"].tolist()
    assert failed == ["case08_f0000", "case08_f0001", "case08_f0007"]
    assert bright["error"].dropna().str.contains("deliberate failure").all()
    assert status["test-raises-on-bright:threshold=0.433"] == "failed"


def _subprocess_run(tmp_path: Path, run_id: str, sleep: str) -> subprocess.Popen:
    code = (
        "import sys, tests.benchmark.faulty_methods; from benchmark.cli import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    env = {**os.environ, "DEHAZE_TEST_SLEEP": sleep, "PYTHONPATH": str(REPO)}
    args = [
        "run",
        "--out",
        str(tmp_path),
        *FAST,
        "--methods",
        "test-slow,dcp",
        "--limit",
        "12",
        "--batch-size",
        "2",
        "--run-id",
        run_id,
    ]
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_resume_after_kill_gives_exactly_the_uninterrupted_rows(tmp_path: Path) -> None:
    proc = _subprocess_run(tmp_path, "crash", "0.25")
    rows_file = tmp_path / "runs" / "crash" / "per_image.csv"
    deadline = time.time() + 60
    while time.time() < deadline:
        if rows_file.exists() and len(rows_file.read_text().splitlines()) >= 4:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = len(rows_file.read_text().splitlines()) - 1
    assert 0 < partial < 24
    assert _subprocess_run(tmp_path, "crash", "0").wait() == 0
    assert _subprocess_run(tmp_path, "clean", "0").wait() == 0
    cols = ["spec", "image_id", "psnr", "ssim", "ciede2000", "status"]
    crashed = pd.read_csv(rows_file)[cols]
    clean = pd.read_csv(tmp_path / "runs" / "clean" / "per_image.csv")[cols]
    assert len(crashed) == 24 and not crashed.duplicated(["spec", "image_id"]).any()
    key = ["spec", "image_id"]
    pd.testing.assert_frame_equal(
        crashed.sort_values(key).reset_index(drop=True),
        clean.sort_values(key).reset_index(drop=True),
    )


def test_torn_last_line_is_repaired(tmp_path: Path) -> None:
    assert _run(tmp_path, "--methods", "dcp", "--limit", "3", "--run-id", "torn") == 0
    rows_file = tmp_path / "runs" / "torn" / "per_image.csv"
    lines = rows_file.read_text().splitlines(keepends=True)
    rows_file.write_text("".join(lines[:-1]) + lines[-1][:15])  # a write cut by power loss
    methods_file = tmp_path / "runs" / "torn" / "methods.csv"
    methods_file.write_text("".join(methods_file.read_text().splitlines(keepends=True)[:2]))
    assert _run(tmp_path, "--methods", "dcp", "--limit", "3", "--run-id", "torn") == 0
    rows = pd.read_csv(rows_file)
    assert len(rows) == 3 and not rows.duplicated(["spec", "image_id"]).any()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--methods", "lnet-gei"], "did you mean 'lnet-gie'"),
        (["--methods", "dcp:omega=abc"], "expected float"),
        (["--methods", "dcp", "--data", "/no/such/folder"], "/no/such/folder"),
        (["--methods", "aodnet", "--weights", "aodnet=/no/file.pth"], "not found"),
        (["--methods", "dcp", "--weights", "aodnet=x.pth"], "not among the methods"),
        (["--methods", "dcp", "--limit", "0"], "--limit"),
    ],
)
def test_user_errors_are_one_line(tmp_path: Path, capsys, args: list[str], message: str) -> None:
    assert _run(tmp_path, *args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_cuda_without_cuda_is_one_line(tmp_path: Path, capsys) -> None:
    if torch.cuda.is_available():
        pytest.skip("CUDA is available")
    assert _run(tmp_path, "--methods", "dcp", "--device", "cuda") == 2
    assert "no CUDA device" in capsys.readouterr().err


def test_list_shows_methods_and_weights(capsys) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "lnet-gie" in out and "classical" in out and "1,761" in out


def test_method_argument_splitting() -> None:
    assert split_method_args(["lnet-gie,aodnet", "dcp"]) == ["lnet-gie", "aodnet", "dcp"]
    assert split_method_args(["lnet-gie:rm=0.25,wm=1.0,dcp"]) == ["lnet-gie:rm=0.25,wm=1.0", "dcp"]
    assert split_method_args(["lnet-gie:rm=[0.25,0.5],wm=1.0"]) == ["lnet-gie:rm=[0.25,0.5],wm=1.0"]


def test_weights_by_name_apply_to_variants_and_by_spec_only_to_that_spec(tmp_path: Path) -> None:
    from benchmark.run.config import RunConfig
    from benchmark.run.plan import plan_methods

    weights = _lnet_weights(tmp_path)
    config = RunConfig(methods=["lnet-gie", "lnet-gie:rm=0.25"], weights={"lnet-gie": str(weights)})
    planned = plan_methods(config, torch.device("cpu"))
    assert all(p.method.weights is not None for p in planned)
    config = RunConfig(
        methods=["lnet-gie", "lnet-gie:rm=0.25"], weights={"lnet-gie:rm=0.25": str(weights)}
    )
    by_spec = {p.method.spec: p.method.weights for p in plan_methods(config, torch.device("cpu"))}
    assert by_spec["lnet-gie:rm=0.25"].path == str(weights)
    assert by_spec["lnet-gie"].source == "shipped"
