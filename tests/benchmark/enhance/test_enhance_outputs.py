"""`enhance` never overwrites what it reads, never leaves half a file, and says so truthfully.

Real faults: hard links and symlinks onto the input, a full tmpfs (mounting needs root: skipped
otherwise), SIGINT and SIGKILL to a real `enhance` process on a real 1080p video.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmark.cli import main
from benchmark.data.video import VideoWriter, probe_video
from tests.benchmark.run.test_disk_faults import _mounted

ROOT = Path(__file__).resolve().parents[3]
CLI = "import sys, tests.benchmark.faulty_methods; from benchmark.cli import main; sys.exit(main())"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _video(path: Path, frames: int = 3, size: tuple[int, int] = (64, 48)) -> Path:
    width, height = size
    rng = np.random.default_rng(0)  # noise: large JPEG frames, quick to fill a small disk
    with VideoWriter(path, 25.0, width, height) as writer:
        for _ in range(frames):
            writer.write(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
    return path


def _real_1080p(shared_data: Path, path: Path, frames: int) -> Path:
    """A real 1080p MJPG clip cycling the three frames of real_presmoke_sequence."""
    images = sorted((shared_data / "endoscopy/real_presmoke_sequence").glob("*.jpg"))
    decoded = [cv2.imread(str(p)) for p in images]
    with VideoWriter(path, 30.0, 1920, 1080) as writer:
        for i in range(frames):
            writer.write_bgr(decoded[i % len(decoded)])
    return path


def _refused(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    assert main([*args, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_side_by_side_onto_the_input_is_refused(tmp_path: Path, capsys) -> None:
    source = _video(tmp_path / "in.avi")
    before = _digest(source)
    out = str(tmp_path / "out.avi")
    err = _refused(capsys, ["enhance", "dcp", str(source), out, "--side-by-side", str(source)])
    assert "--side-by-side" in err and "is the input" in err
    spelt = str(tmp_path / "." / "in.avi")
    assert "is the input" in _refused(
        capsys, ["enhance", "dcp", str(source), out, "--side-by-side", spelt]
    )
    assert _digest(source) == before and not Path(out).exists()


def test_hard_link_and_symlink_of_the_input_are_refused(tmp_path: Path, capsys) -> None:
    source = _video(tmp_path / "in.avi")
    before = _digest(source)
    linked = tmp_path / "out.avi"
    os.link(source, linked)  # ln -f in.avi out.avi
    for extra in ([], ["--overwrite"]):
        err = _refused(capsys, ["enhance", "dcp", str(source), str(linked), *extra])
        assert "OUTPUT" in err and "is the input" in err
    symlink = tmp_path / "sym.avi"
    symlink.symlink_to(source)
    err = _refused(capsys, ["enhance", "dcp", str(source), str(symlink), "--overwrite"])
    assert "is the input" in err
    side = ["--side-by-side", str(tmp_path / "o.avi")]
    err = _refused(capsys, ["enhance", "dcp", str(source), str(tmp_path / "o.avi"), *side])
    assert "is also OUTPUT" in err
    assert _digest(source) == before


def test_an_existing_output_needs_overwrite(tmp_path: Path, capsys) -> None:
    source = _video(tmp_path / "in.avi")
    out = tmp_path / "out.avi"
    out.write_bytes(b"keep me")
    err = _refused(capsys, ["enhance", "dcp", str(source), str(out)])
    assert "exists" in err and "--overwrite" in err
    assert out.read_bytes() == b"keep me"
    assert main(["enhance", "dcp", str(source), str(out), "--overwrite", "--no-progress"]) == 0
    assert probe_video(out).frames == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_folder_and_suffix_mistakes_are_one_line(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.full((20, 30, 3), 128, np.uint8))
    err = _refused(capsys, ["enhance", "dcp", str(folder), str(tmp_path / "x.png")])
    assert "looks like a file name" in err and not (tmp_path / "x.png").exists()
    err = _refused(capsys, ["enhance", "dcp", str(folder), str(folder)])
    assert "input folder" in err
    image = folder / "a.png"
    err = _refused(capsys, ["enhance", "dcp", str(image), str(tmp_path / "out.xyz")])
    assert "cannot write an image as '.xyz'" in err and not (tmp_path / "out.xyz").exists()
    jpeg = tmp_path / "out.jpg"
    assert main(["enhance", "dcp", str(image), str(jpeg), "--no-progress"]) == 0
    assert jpeg.read_bytes()[:3] == b"\xff\xd8\xff"  # JPEG bytes under .jpg, not PNG
    out = tmp_path / "outs"
    assert main(["enhance", "dcp", str(folder), str(out), "--no-progress"]) == 0
    err = _refused(capsys, ["enhance", "dcp", str(folder), str(out)])
    assert "outs/a.png exists" in err


def test_a_full_disk_fails_naming_the_file_and_leaves_nothing(tmp_path: Path, capsys) -> None:
    source = _video(tmp_path / "in.avi", frames=40, size=(640, 480))
    with _mounted(tmp_path / "small", "size=256k") as disk:
        out = disk / "out.avi"
        status = main(["enhance", "hazy-input", str(source), str(out), "--no-progress"])
        err = capsys.readouterr().err
        left = sorted(p.name for p in disk.iterdir())
    assert status != 0
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(out) in lines[0] and "no space left" in lines[0] and "--out" not in lines[0]
    assert left == []  # neither out.avi nor its temporary file


def _start(args: list[str], tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **env}
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_partial(folder: Path, process: subprocess.Popen[str]) -> Path:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        partial = [p for p in folder.iterdir() if ".partial-" in p.name]
        if partial and partial[0].stat().st_size > 0:
            return partial[0]
        time.sleep(0.05)
    raise AssertionError(f"no partial output appeared: {process.communicate()}")


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_enhance_leaves_the_old_output_untouched(
    shared_data: Path, tmp_path: Path, how: signal.Signals
) -> None:
    source = _real_1080p(shared_data, tmp_path / "real.avi", frames=30)
    out = tmp_path / "out.avi"
    shutil.copyfile(_video(tmp_path / "old.avi"), out)
    before = _digest(out)
    args = ["enhance", "test-slow", str(source), str(out), "--overwrite", "--no-progress"]
    process = _start(args, tmp_path, DEHAZE_TEST_SLEEP="0.1")
    partial = _wait_for_partial(tmp_path, process)
    process.send_signal(how)
    _, err = process.communicate(timeout=120)
    assert process.returncode != 0
    assert _digest(out) == before and probe_video(out).frames == 3  # the old output, whole
    if how == signal.SIGINT:
        assert "interrupted: nothing was written: " in err and "is as it was" in err
        assert not partial.exists()
    else:  # kill -9 cannot clean up: the hidden temporary stays, never the final name
        assert partial.name.startswith(".out.partial-")


def test_killed_enhance_leaves_no_file_under_the_final_name(
    shared_data: Path, tmp_path: Path
) -> None:
    source = _real_1080p(shared_data, tmp_path / "real.avi", frames=30)
    out = tmp_path / "new.avi"
    args = ["enhance", "test-slow", str(source), str(out), "--no-progress"]
    process = _start(args, tmp_path, DEHAZE_TEST_SLEEP="0.1")
    _wait_for_partial(tmp_path, process)
    process.kill()
    process.communicate(timeout=60)
    assert not out.exists()
