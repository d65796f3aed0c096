"""`weights fetch` from a local mirror: right file, corrupted, truncated then resumed, 404."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.errors import FetchError
from benchmark.weights import fetch_release
from methods.core.releases import release_path
from methods.gcanet import GCANetMethod

from .mirror_server import serve

RELEASE = GCANetMethod.releases[0]


def _mirror(tmp_path: Path, data: bytes) -> Path:
    root = tmp_path / "mirror"
    (root / "gcanet").mkdir(parents=True)
    (root / "gcanet" / RELEASE.file_name).write_bytes(data)
    return root


def _real_bytes(shared_data: Path) -> bytes:
    path = shared_data.parent / "weights" / "gcanet_wacv_dehaze.pth"
    if not path.is_file():
        pytest.skip("../shared/weights/gcanet_wacv_dehaze.pth not present")
    return path.read_bytes()


def test_right_file_is_verified_and_kept(tmp_path, shared_data, monkeypatch, capsys) -> None:
    data = _real_bytes(shared_data)
    state: dict = {}
    with serve(_mirror(tmp_path, data), state) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        assert main(["weights", "fetch", "gcanet:its", "--no-progress"]) == 0
    dest = release_path("gcanet", RELEASE)
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == RELEASE.sha256
    assert RELEASE.sha256 in capsys.readouterr().out
    assert not list(dest.parent.glob("*.partial"))


def test_corrupted_file_is_refused_and_nothing_kept(tmp_path, monkeypatch) -> None:
    bad = bytes(RELEASE.size)  # the right size, the wrong bytes
    with serve(_mirror(tmp_path, bad), {}) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        with pytest.raises(FetchError, match=r"sha256.*refused, nothing kept"):
            fetch_release("gcanet", progress=False)
    folder = release_path("gcanet", RELEASE).parent
    assert not folder.exists() or not any(folder.iterdir())


def test_wrong_size_is_refused_with_one_line(tmp_path, monkeypatch, capsys) -> None:
    with serve(_mirror(tmp_path, b"x" * (RELEASE.size + 10)), {}) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        assert main(["weights", "fetch", "gcanet", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing kept" in err
    assert not release_path("gcanet", RELEASE).exists()


def test_truncated_transfer_resumes(tmp_path, shared_data, monkeypatch) -> None:
    data = _real_bytes(shared_data)
    state: dict = {"cut": 1_000_000}
    with serve(_mirror(tmp_path, data), state) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        with pytest.raises(FetchError, match="ended early after 1,000,000 of 2,824,156 bytes"):
            fetch_release("gcanet", progress=False)
        dest = release_path("gcanet", RELEASE)
        assert not dest.exists()
        state["cut"] = 0
        path, digest = fetch_release("gcanet", progress=False)
    assert state["ranges"] == [None, "bytes=1000000-"]  # the second request asked for the rest
    assert digest == RELEASE.sha256 and path.read_bytes() == data


def test_truncated_then_server_ignoring_range_restarts(tmp_path, shared_data, monkeypatch) -> None:
    data = _real_bytes(shared_data)
    state: dict = {"cut": 500_000}
    with serve(_mirror(tmp_path, data), state) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        with pytest.raises(FetchError):
            fetch_release("gcanet", progress=False)
        state.update(cut=0, ranges_ok=False)
        path, digest = fetch_release("gcanet", progress=False)
    assert digest == RELEASE.sha256 and path.stat().st_size == RELEASE.size


def test_404_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    with serve(root, {}) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        assert main(["weights", "fetch", "gcanet", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "HTTP 404" in err and f"{url}/gcanet/{RELEASE.file_name}" in err
    assert err.count("\n") == 1


def test_unpinned_needs_allow_unpinned_and_prints_sha(tmp_path, monkeypatch, capsys) -> None:
    payload = b"any bytes at all"
    root = tmp_path / "mirror"
    (root / "ffanet").mkdir(parents=True)
    (root / "ffanet" / "its_train_ffa_3_19.pk").write_bytes(payload)
    with serve(root, {}) as url:
        monkeypatch.setenv("DEHAZE_BENCH_MIRROR", url)
        assert main(["weights", "fetch", "ffanet:its", "--no-progress"]) == 2
        assert "--allow-unpinned" in capsys.readouterr().err
        assert main(["weights", "fetch", "ffanet:its", "--allow-unpinned", "--no-progress"]) == 0
    assert hashlib.sha256(payload).hexdigest() in capsys.readouterr().out


def test_download_page_release_says_where_to_get_it(capsys) -> None:
    assert main(["weights", "fetch", "c2pnet:its"]) == 2
    err = capsys.readouterr().err
    assert "drive.google.com" in err and "weights add c2pnet:its FILE" in err
