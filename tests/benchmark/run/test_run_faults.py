"""Runs stay right when things go wrong: retries, a locked run folder, bad options and files."""

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

import tests.benchmark.faulty_methods  # noqa: F401  (registers the test methods)
from benchmark.cli import main
from benchmark.run.store import RunStore

REPO = Path(__file__).resolve().parents[3]
FAST = ["--size", "32", "--no-progress", "--latency-budget", "0.02", "--batch-size", "4"]
CLI = "import sys, tests.benchmark.faulty_methods; from benchmark.cli import main; sys.exit(main())"


def _run(tmp_path: Path, *args: str) -> int:
    return main(["run", "--out", str(tmp_path), *FAST, *args])


def _default_sigint() -> None:
    """In the child: Ctrl-C's default action, even when pytest runs as a background job.

    A shell starts background jobs with SIGINT ignored, and Python then installs no
    KeyboardInterrupt handler, so the signal these tests send would be lost.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _spawn(
    tmp_path: Path, run_id: str, sleep: str, *extra: str, hold: Path | None = None
) -> subprocess.Popen:
    env = {**os.environ, "DEHAZE_TEST_SLEEP": sleep, "PYTHONPATH": str(REPO)}
    if hold is not None:
        env["DEHAZE_TEST_HOLD"] = str(hold)
    args = ["run", "--out", str(tmp_path), *FAST, "--methods", "test-slow", "--limit", "12"]
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *args, "--batch-size", "2", "--run-id", run_id, *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_rows(path: Path, count: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and len(path.read_text().splitlines()) > count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count} rows in {path} after {timeout} s")


def test_resumed_run_retries_error_rows_and_exit_status_tells_the_final_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    marker = tmp_path / "disk-full"
    marker.touch()
    monkeypatch.setenv("DEHAZE_TEST_FAIL_MARKER", str(marker))
    args = ["--methods", "test-fails-while-marked,dcp", "--limit", "6", "--run-id", "retry"]
    assert _run(tmp_path, *args) == 1
    assert _run(tmp_path, *args) == 1  # still failing: still incomplete, every time
    marker.unlink()  # the transient cause is gone
    assert _run(tmp_path, *args) == 0
    assert "retrying 3 image(s) that failed before" in capsys.readouterr().err
    rows = pd.read_csv(tmp_path / "runs" / "retry" / "per_image.csv")
    assert len(rows) == 12 and set(rows["status"]) == {"ok"}
    assert not rows.duplicated(["spec", "image_id"]).any()
    summary = pd.read_csv(tmp_path / "runs" / "retry" / "summary.csv")
    assert summary.set_index("spec")["n_images"].to_dict() == {
        "test-fails-while-marked": 6,
        "dcp": 6,
    }
    assert _run(tmp_path, *args) == 0  # complete stays complete


def test_permanently_failing_images_keep_the_run_incomplete(tmp_path: Path) -> None:
    args = ["--methods", "test-raises-on-bright:threshold=0.433", "--limit", "8", "--run-id", "p"]
    assert _run(tmp_path, *args) == 1
    assert _run(tmp_path, *args) == 1  # before: 0 on every later start
    rows = pd.read_csv(tmp_path / "runs" / "p" / "per_image.csv")
    assert len(rows) == 8 and (rows["status"] == "error").sum() == 3


def test_second_process_on_a_run_is_refused_naming_the_holder(tmp_path: Path, capsys) -> None:
    first = _spawn(tmp_path, "busy", "0.3")
    rows_file = tmp_path / "runs" / "busy" / "per_image.csv"
    try:
        _wait_for_rows(rows_file, 2)
        assert _run(tmp_path, "--methods", "test-slow", "--limit", "12", "--run-id", "busy") == 2
        err = capsys.readouterr().err.strip()
        assert f"in use by pid {first.pid}" in err and len(err.splitlines()) == 1
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # the killed holder's lock is taken over; the run completes without duplicates
    resumed = _spawn(tmp_path, "busy", "0")
    assert resumed.wait(timeout=120) == 0
    assert "taking over the lock left by pid" in resumed.stderr.read()
    rows = pd.read_csv(rows_file)
    assert len(rows) == 12 and not rows.duplicated(["spec", "image_id"]).any()


def test_second_process_waits_when_asked(tmp_path: Path) -> None:
    hold = tmp_path / "hold"
    hold.touch()  # the first run stops at its first image until the second one waits
    first = _spawn(tmp_path, "queue", "0", hold=hold)
    lock = tmp_path / "runs" / "queue" / ".lock"
    deadline = time.time() + 120
    while time.time() < deadline and not (lock.exists() and lock.read_text()):
        time.sleep(0.05)
    second = _spawn(tmp_path, "queue", "0", "--wait")
    deadline = time.time() + 120
    lines = []
    while time.time() < deadline and not any("waiting for it" in line for line in lines):
        lines.append(second.stderr.readline())
    hold.unlink()
    assert first.wait(timeout=120) == 0 and second.wait(timeout=120) == 0
    assert any("waiting for it" in line for line in lines)
    rows_file = tmp_path / "runs" / "queue" / "per_image.csv"
    rows = pd.read_csv(rows_file)
    assert len(rows) == 12 and not rows.duplicated(["spec", "image_id"]).any()


@pytest.mark.parametrize("run_id", ["/abs/path", "../../escaped", ".", "..", "a/b", ""])
def test_run_ids_are_names_never_paths(tmp_path: Path, capsys, run_id: str) -> None:
    out = tmp_path / "reports"
    assert main(["run", "--out", str(out), *FAST, "--methods", "dcp", "--run-id", run_id]) == 2
    err = capsys.readouterr().err.strip()
    assert "is not a run name" in err and len(err.splitlines()) == 1
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--methods", ""], "names no method"),
        (["--methods", ","], "names no method"),
        (["--methods", "dcp", "--threads", "-1"], "--threads: must be at least 1, got -1"),
        (["--methods", "dcp", "--threads", "0"], "--threads: must be at least 1, got 0"),
        (["--methods", "dcp", "--latency-budget", "-1"], "--latency-budget: must be a number"),
        (["--methods", "dcp", "--device", "mps"], "device 'mps' is not supported"),
        (["--methods", "dcp", "--device", "meta"], "device 'meta' is not supported"),
        (["--methods", "dcp", "--seed", "3"], "--data-seed"),
        (["--methods", "dcp:overlap=8"], "no parameter 'overlap'"),
        (["--methods", "aodnet:overlap=8"], "overlap only applies with tiling"),
        (["--methods", "lnet-gie:rm=[0.25,,0.5]"], "an empty value in the grid"),
    ],
)
def test_bad_options_are_one_line_and_leave_no_run_folder(
    tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    assert _run(tmp_path, "--run-id", "x", *args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "runs").exists()


def test_weights_option_is_repeatable(tmp_path: Path) -> None:
    weights = tmp_path / "lnet.pth"
    import torch

    import methods

    torch.save(methods.get_method("lnet-gie").module.state_dict(), weights)
    both = ["--weights", f"lnet-gie={weights}", "--weights", f"aodnet={weights}"]
    # the second --weights used to replace the first: aodnet's file is for LNet-GIE, so it fails
    assert _run(tmp_path, "--methods", "lnet-gie,aodnet", "--run-id", "w", *both) == 2
    spaced = ["--weights", f"lnet-gie={weights}", f"aodnet={weights}"]
    assert _run(tmp_path, "--methods", "lnet-gie,aodnet", "--run-id", "w", *spaced) == 2
    assert _run(tmp_path, "--methods", "lnet-gie", "--limit", "2", "--run-id", "w2", *both[:2]) == 0


def test_start_line_names_the_run_id_and_ctrl_c_says_how_to_resume(tmp_path: Path) -> None:
    proc = _spawn(tmp_path, "named", "0.3")
    proc.kill()
    proc.wait()
    env = {**os.environ, "DEHAZE_TEST_SLEEP": "0.3", "PYTHONPATH": str(REPO)}
    args = ["run", "--out", str(tmp_path), *FAST, "--methods", "test-slow", "--limit", "12"]
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    runs = tmp_path / "runs"
    deadline = time.time() + 60
    while time.time() < deadline and not list(runs.glob("*/per_image.csv")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130 and "Traceback" not in err
    run_id = next(p.name for p in runs.iterdir() if p.name != "named")
    assert f"starting run {run_id} in" in err
    assert f"resume with --run-id {run_id}" in err


def test_ctrl_c_while_starting_up_exits_quietly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmark", "list"],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    time.sleep(0.3)  # still importing torch
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    if proc.returncode == 0:
        pytest.skip("the command finished before the signal")
    assert proc.returncode == 130 and "Traceback" not in err


def _finished_run(tmp_path: Path) -> Path:
    assert _run(tmp_path, "--methods", "dcp,hazy-input", "--limit", "4", "--run-id", "r") == 0
    return tmp_path / "runs" / "r"


@pytest.mark.parametrize("command", ["report", "check", "compare"])
def test_damaged_run_folders_give_one_line(tmp_path: Path, capsys, command: str) -> None:
    run = _finished_run(tmp_path)
    capsys.readouterr()
    extra = {"report": [], "check": ["--baseline", str(run)], "compare": ["dcp", "hazy-input"]}
    rows = run / "per_image.csv"
    original = rows.read_text()
    text = original.splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("psnr")] = "abc"
    rows.write_text("\n".join([text[0], ",".join(cells), *text[2:]]) + "\n")
    assert main([command, str(run), *extra[command]]) == 2
    err = capsys.readouterr().err.strip()
    assert "line 2: psnr = 'abc' is not a number" in err and len(err.splitlines()) == 1
    rows.write_text(original)
    (run / "manifest.json").write_text("{not json")
    assert main([command, str(run), *extra[command]]) == 2
    assert "manifest.json is corrupt" in capsys.readouterr().err


def test_run_folder_without_methods_csv_reports_one_line(tmp_path: Path, capsys) -> None:
    run = _finished_run(tmp_path)
    (run / "methods.csv").unlink()
    rc = main(["report", str(run)])
    err = capsys.readouterr().err
    assert "Traceback" not in err and rc in (0, 2)


def test_resume_refuses_a_non_number_cell(tmp_path: Path, capsys) -> None:
    run = _finished_run(tmp_path)
    rows = run / "per_image.csv"
    lines = rows.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("seconds")] = "fast"
    rows.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    assert _run(tmp_path, "--methods", "dcp,hazy-input", "--limit", "4", "--run-id", "r") == 2
    assert "seconds = 'fast' is not a number" in capsys.readouterr().err


def test_readers_never_write_to_a_run_folder(tmp_path: Path) -> None:
    run = _finished_run(tmp_path)
    rows = run / "per_image.csv"
    rows.write_text(rows.read_text() + "dcp,dcp,case08_f00")  # a torn last line
    before = rows.read_bytes()
    assert main(["report", str(run)]) == 0
    assert main(["compare", str(run), "dcp", "hazy-input", "--out", str(tmp_path / "c")]) in (0, 1)
    assert rows.read_bytes() == before
    summary = pd.read_csv(run / "summary.csv").set_index("spec")
    assert summary.loc["dcp", "n_images"] == 4


def test_convert_weights_refuses_to_replace_its_source(tmp_path: Path, capsys) -> None:
    import torch

    import methods

    src = tmp_path / "a.pth"
    torch.save(methods.get_method("aodnet").module.state_dict(), src)
    before = src.read_bytes()
    assert main(["convert-weights", "aodnet", str(src), str(src)]) == 2
    assert "DST is SRC" in capsys.readouterr().err and src.read_bytes() == before
    dst = tmp_path / "b.pth"
    dst.write_bytes(b"keep me")
    assert main(["convert-weights", "aodnet", str(src), str(dst)]) == 2
    assert "--overwrite" in capsys.readouterr().err and dst.read_bytes() == b"keep me"
    assert main(["convert-weights", "aodnet", str(src), str(dst), "--overwrite"]) == 0
    assert main(["convert-weights", "aodnet", str(src), str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert methods.get_method("aodnet", weights=dst).is_ready


def test_manifest_records_json_values(tmp_path: Path) -> None:
    run = _finished_run(tmp_path)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["specs"] == ["dcp", "hazy-input"]


def test_sample_files_of_ids_in_other_scripts_never_collide(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    data = tmp_path / "set"
    names = ["画像", "写真", "風景"]
    for k, name in enumerate(names):
        for side, level in (("hazy", 60 + 60 * k), ("clear", 30 + 60 * k)):
            (data / side).mkdir(parents=True, exist_ok=True)
            image = np.full((24, 24, 3), level, np.uint8)
            image[:, : 4 + 4 * k] = 255 - level  # a different picture per id
            cv2.imwrite(str(data / side / f"{name}.png"), image)
    args = ["--data", str(data), "--split", "all", "--methods", "hazy-input", "--run-id", "u"]
    assert (
        main(["run", "--out", str(tmp_path), "--no-progress", "--latency-budget", "0.02", *args])
        == 0
    )
    samples = tmp_path / "runs" / "u" / "samples"
    for folder in ("_hazy", "_clear", "hazy-input"):
        files = sorted((samples / folder).iterdir())
        assert len(files) == 3, folder  # one file per id: before, all three were "_.png"
        arrays = [cv2.imread(str(f)) for f in files]
        assert len({a.tobytes() for a in arrays}) == 3
    # the method's sample of each id is that id's own input (hazy-input returns its input)
    store = RunStore(tmp_path / "runs" / "u")
    for name in names:
        own = cv2.imread(str(store.sample_path("_hazy", name)))
        assert np.array_equal(cv2.imread(str(store.sample_path("hazy-input", name))), own)


def _folder_with_bad_pairs(root: Path) -> Path:
    """4 good pairs, a truncated hazy file, a size-mismatched pair and a hazy file with no clear."""
    import cv2
    import numpy as np

    for side in ("hazy", "clear"):
        (root / side).mkdir(parents=True)
    rng = np.random.default_rng(0)
    for k in range(6):
        image = rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)
        cv2.imwrite(str(root / "hazy" / f"p{k}.png"), image)
        cv2.imwrite(str(root / "clear" / f"p{k}.png"), image // 2)
    whole = (root / "hazy" / "p4.png").read_bytes()
    (root / "hazy" / "p4.png").write_bytes(whole[: len(whole) // 2])
    cv2.imwrite(str(root / "clear" / "p5.png"), np.zeros((20, 24, 3), np.uint8))
    cv2.imwrite(str(root / "hazy" / "orphan.png"), np.zeros((24, 24, 3), np.uint8))
    return root


def test_data_problems_are_reported_once_and_not_blamed_on_methods(tmp_path: Path, capsys) -> None:
    data = _folder_with_bad_pairs(tmp_path / "set")
    args = ["--data", str(data), "--split", "all", "--methods", "dcp,hazy-input", "--run-id", "d"]
    rc = main(["run", "--out", str(tmp_path), "--no-progress", "--latency-budget", "0.02", *args])
    assert rc == 3  # everything that could be scored was; the data set had problems
    captured = capsys.readouterr()
    err = captured.err
    assert err.count("data: skipped p4:") == 1 and err.count("data: skipped p5:") == 1
    assert "p5" in err and "24x20" in err  # the size mismatch, width x height
    assert err.count("orphan.png") == 1 and "left out hazy/orphan.png: no partner" in err
    assert "COMPLETE, but the data set had problems" in captured.out
    run = tmp_path / "runs" / "d"
    rows = pd.read_csv(run / "per_image.csv")
    assert set(rows["status"]) == {"ok"} and len(rows) == 8  # 4 valid pairs x 2 methods
    methods_table = pd.read_csv(run / "methods.csv").drop_duplicates("spec", keep="last")
    assert set(methods_table["status"]) == {"done"}
    summary = pd.read_csv(run / "summary.csv")
    assert summary["n_images"].tolist() == [4, 4]
    table1 = (run / "table1.md").read_text()
    assert "n counts the 4 valid pairs of 6: 2 could not be used" in table1
    report = json.loads((run / "manifest.json").read_text())["data_report"]
    assert sorted(report["skipped"]) == ["p4", "p5"] and report["unpaired"] == ["hazy/orphan.png"]


def test_every_option_has_help_text() -> None:
    from benchmark.cli import build_parser

    parser = build_parser()
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, sub in parser._subparsers._group_actions[0].choices.items()
        for action in sub._actions
        if action.help is None and action.dest != "help"
    ]
    assert missing == []


def test_list_shows_kinds_and_spec_parameters(capsys) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    hazy = next(line for line in out.splitlines() if line.startswith("hazy-input"))
    assert "reference" in hazy and "classical" not in hazy
    assert "rm=0.5 (need 0 < rm <= 1)" in out and "omega=0.95 (need 0 < omega <= 1)" in out
    assert "tile=0 (need tile = 0 or tile >= 16)" in out


def test_folder_data_with_synthetic_options_names_the_flag(tmp_path: Path, capsys) -> None:
    data = _folder_with_bad_pairs(tmp_path / "set")
    assert main(["data", "info", "--data", str(data), "--size", "64"]) == 2
    err = capsys.readouterr().err
    assert "--size does not apply to the folder" in err and "use name" not in err


def test_data_info_check_counts_are_final(tmp_path: Path, capsys) -> None:
    data = _folder_with_bad_pairs(tmp_path / "set")
    assert main(["data", "info", "--data", str(data), "--check"]) == 1
    info = json.loads(capsys.readouterr().out)
    assert not any("files so far" in note for note in info["notes"])  # all were loaded
    assert len(info["problems"]) == 3


def test_run_finds_what_train_wrote_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = "lnet-gie:rm=1.0"
    assert _run(tmp_path, "--methods", spec, "--limit", "2", "--run-id", "before") == 1
    assert "run then finds what train wrote to weights/" in capsys.readouterr().out
    train = ["train", spec, "--size", "32", "--limit", "6", "--epochs", "1", "--seed", "1"]
    assert main([*train, "--no-progress", "--init", "random"]) == 0
    assert _run(tmp_path, "--methods", spec, "--limit", "2", "--run-id", "after") == 0
    table = pd.read_csv(tmp_path / "runs" / "after" / "methods.csv").iloc[-1]
    assert table["status"] == "done" and table["weights_source"] == "trained"


def test_small_cli_guards(tmp_path: Path, capsys) -> None:
    # train --out given a folder: refused before anything is written
    folder = tmp_path / "wdir"
    folder.mkdir()
    train = ["train", "lnet-gie", "--size", "32", "--limit", "4", "--epochs", "1", "--no-progress"]
    assert main([*train, "--out", str(folder)]) == 2
    assert "is a folder" in capsys.readouterr().err and list(folder.iterdir()) == []
    # data export --limit 0 / -1
    for limit in ("0", "-1"):
        assert main(["data", "export", "--out", str(tmp_path / "x"), "--limit", limit]) == 2
        assert "--limit: must be at least 1" in capsys.readouterr().err
    # report on a run that scored nothing says so and is not a success
    assert _run(tmp_path, "--methods", "ffanet", "--limit", "2", "--run-id", "none") == 1
    capsys.readouterr()
    assert main(["report", str(tmp_path / "runs" / "none")]) == 1
    assert "holds no scored image" in capsys.readouterr().err
