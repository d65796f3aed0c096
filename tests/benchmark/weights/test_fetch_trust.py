"""The cache and the download under attack and under faults: links, sizes, full disk, stalls, locks.

Real faults only: symbolic and hard links planted in the cache, a mirror on 127.0.0.1 that lies
about sizes, streams without end or stalls, a 1 MiB tmpfs as the cache, two real processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.errors import FetchError
from benchmark.weights import fetch_release, official_weights
from benchmark.weights.cache_files import stamp_path
from methods.core.releases import release_path
from methods.gcanet import GCANetMethod

from ..tmpfs import mounted
from .mirror_server import serve

RELEASE = GCANetMethod.releases[0]
ROOT = Path(__file__).resolve().parents[3]


def _real_bytes(shared_data: Path) -> bytes:
    path = shared_data.parent / "weights" / "gcanet_wacv_dehaze.pth"
    if not path.is_file():
        pytest.skip("../shared/weights/gcanet_wacv_dehaze.pth not present")
    return path.read_bytes()


def _mirror(tmp_path: Path, data: bytes) -> Path:
    root = tmp_path / "mirror"
    (root / "gcanet").mkdir(parents=True, exist_ok=True)
    (root / "gcanet" / RELEASE.file_name).write_bytes(data)
    return root


def _dest() -> Path:
    dest = release_path("gcanet", RELEASE)
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("error:"), err
    return err


def test_symlink_planted_at_the_partial_is_refused_and_its_target_untouched(
    tmp_path, monkeypatch
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    dest = _dest()
    (dest.parent / (dest.name + ".partial")).symlink_to(victim)
    with serve(_mirror(tmp_path, bytes(RELEASE.size)), {}) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        with pytest.raises(FetchError, match="is a symbolic link: refused"):
            fetch_release("gcanet", progress=False)
    assert victim.read_bytes() == b"precious"


def test_symlinked_release_folder_is_refused(tmp_path, monkeypatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = release_path("gcanet", RELEASE).parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.symlink_to(elsewhere)
    with serve(_mirror(tmp_path, bytes(RELEASE.size)), {}) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        with pytest.raises(FetchError, match=f"{folder} is a symbolic link"):
            fetch_release("gcanet", progress=False)
    assert not any(elsewhere.iterdir())


def test_hard_linked_partial_is_refused_and_the_other_name_untouched(tmp_path, monkeypatch) -> None:
    victim = tmp_path / "victim.bin"
    victim.write_bytes(b"x" * 1000)
    dest = _dest()
    os.link(victim, dest.parent / (dest.name + ".partial"))
    with serve(_mirror(tmp_path, bytes(RELEASE.size)), {}) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        with pytest.raises(FetchError, match="is a hard link"):
            fetch_release("gcanet", progress=False)
    assert victim.read_bytes() == b"x" * 1000


def test_endless_stream_stops_one_byte_past_the_pinned_size(tmp_path, monkeypatch) -> None:
    state = {"endless": True}
    with serve(_mirror(tmp_path, b""), state) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        with pytest.raises(FetchError, match=r"more than 2,824,156 bytes.*nothing kept"):
            fetch_release("gcanet", progress=False)
    assert not list(release_path("gcanet", RELEASE).parent.iterdir())


def test_larger_announced_size_is_refused_before_any_byte_is_written(tmp_path, monkeypatch) -> None:
    with serve(_mirror(tmp_path, bytes(RELEASE.size + 1)), {}) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        with pytest.raises(FetchError, match=r"announces 2,824,157 bytes.*refused before"):
            fetch_release("gcanet", progress=False)
    assert not list(release_path("gcanet", RELEASE).parent.iterdir())


def test_full_disk_is_reported_as_a_full_disk(tmp_path, monkeypatch, capsys) -> None:
    with mounted(tmp_path / "small", "size=1m") as cache:
        monkeypatch.setenv("DEHAZE_BENCH_CACHE", str(cache))
        with serve(_mirror(tmp_path, bytes(RELEASE.size)), {}) as url:
            monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
            assert main(["weights", "fetch", "gcanet", "--no-progress"]) == 2
        err = _one_error_line(capsys.readouterr().err)
        assert "disk full: could not write" in err and ".partial" in err
        assert "ended early" not in err


def test_stalled_mirror_says_timeout_after_the_asked_seconds(tmp_path, monkeypatch, capsys) -> None:
    with serve(_mirror(tmp_path, bytes(RELEASE.size)), {"stall": 5}) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        code = main(["weights", "fetch", "gcanet", "--no-progress", "--timeout", "0.5"])
    assert code == 2
    err = _one_error_line(capsys.readouterr().err)
    assert "timeout" in err and "0.5 s" in err and "--timeout" in err


def test_bad_mirror_variable_is_one_line(monkeypatch, capsys) -> None:
    monkeypatch.setenv("DEHAZE_BENCH_MIRROR", "http://[::1")
    assert main(["weights", "fetch", "gcanet", "--no-progress"]) == 2
    err = _one_error_line(capsys.readouterr().err)
    assert "DEHAZE_BENCH_MIRROR='http://[::1' is not a URL" in err


def test_wrong_partial_is_blamed_on_the_kept_bytes_not_the_url(
    tmp_path, shared_data, monkeypatch
) -> None:
    data = _real_bytes(shared_data)
    dest = _dest()
    (dest.parent / (dest.name + ".partial")).write_bytes(b"\0" * 1000)  # not a prefix of it
    with serve(_mirror(tmp_path, data), {}) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        with pytest.raises(FetchError, match=r"kept at .* by an earlier download, completed from"):
            fetch_release("gcanet", progress=False)
        path, digest = fetch_release("gcanet", progress=False)  # the advice works
    assert digest == RELEASE.sha256 and path.read_bytes() == data


def test_same_size_other_file_in_the_cache_is_never_used(monkeypatch) -> None:
    dest = _dest()
    dest.write_bytes(bytes(RELEASE.size))  # the right size, other bytes
    monkeypatch.setenv("DEHAZE_BENCH_MIRROR", "http://127.0.0.1:9")  # offline
    with pytest.raises(FetchError) as info:
        official_weights("gcanet", progress=False)
    text = str(info.value)
    assert f"at {dest} has sha256" in text and "not in the cache" not in text
    assert text.count("place it at") == 1


def test_wrong_size_file_offline_says_what_is_wrong_once(monkeypatch) -> None:
    dest = _dest()
    dest.write_bytes(b"short")
    monkeypatch.setenv("DEHAZE_BENCH_MIRROR", "http://127.0.0.1:9")
    with pytest.raises(FetchError) as info:
        official_weights("gcanet", progress=False)
    text = str(info.value)
    assert "holds 5 bytes, the release has 2,824,156" in text and text.count("place it at") == 1


def test_hand_placed_file_is_verified_then_rehashed_when_rewritten(
    shared_data, monkeypatch
) -> None:
    data = _real_bytes(shared_data)
    dest = _dest()
    dest.write_bytes(data)  # as the offline message tells users to do
    assert official_weights("gcanet", progress=False)[0] == dest
    assert RELEASE.sha256 in stamp_path(dest).read_text()
    before = dest.stat()
    with open(dest, "r+b") as handle:  # same size, same mtime, same inode, other bytes
        handle.write(b"\0" * 64)
    os.utime(dest, ns=(before.st_atime_ns, before.st_mtime_ns))
    monkeypatch.setenv("DEHAZE_BENCH_MIRROR", "http://127.0.0.1:9")
    with pytest.raises(FetchError, match="has sha256"):
        official_weights("gcanet", progress=False)


def test_two_concurrent_fetches_never_share_the_partial(tmp_path, shared_data) -> None:
    data = _real_bytes(shared_data)
    state: dict = {"trickle": 0.4}  # ~17 s for the 44 chunks: the second starts meanwhile
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEHAZE_BENCH_CACHE": str(tmp_path / "c")}
    cmd = [sys.executable, "-m", "benchmark", "weights", "fetch", "gcanet", "--no-progress"]
    with serve(_mirror(tmp_path, data), state) as url:
        env["DEHAZE_BENCH_MIRROR"] = url
        first = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        partial = tmp_path / "c" / "official" / "gcanet" / (RELEASE.file_name + ".partial")
        deadline = time.monotonic() + 60
        while not partial.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
        first.wait(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert f"being downloaded by pid {first.pid}" in second.stderr
    assert len(state["ranges"]) == 1  # the second found the verified file and downloaded nothing
    dest = tmp_path / "c" / "official" / "gcanet" / RELEASE.file_name
    assert dest.read_bytes() == data


def test_run_never_scores_a_same_size_file_as_official(tmp_path, monkeypatch, capsys) -> None:
    _dest().write_bytes(bytes(RELEASE.size))  # the right size, other bytes
    monkeypatch.setenv("DEHAZE_BENCH_MIRROR", "http://127.0.0.1:9")  # offline
    args = ["run", "--methods", "gcanet", "--weights", "gcanet=official", "--size", "32"]
    code = main([*args, "--limit", "2", "--out", str(tmp_path / "r"), "--no-progress"])
    assert code == 2
    err = _one_error_line(capsys.readouterr().err)
    assert "gcanet:its at" in err and "has sha256" in err
    assert not list((tmp_path / "r").rglob("per_image.csv"))
