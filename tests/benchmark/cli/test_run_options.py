"""Run options held to one clear line: --scheduler's process cap and unreachable scheduler,
--size's bound, --methods ALL, and --weights paths that hold '='."""

from __future__ import annotations

import socket

import pytest

from benchmark.cli import main
from benchmark.cli.common import parse_weights
from benchmark.cli.run import all_lowercase
from benchmark.cli.scheduler import cpu_cores

FAST = ["--size", "32", "--limit", "1", "--methods", "hazy-input", "--no-progress"]


def _err_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error:") and err.count("\n") == 1, err
    return err


def test_local_scheduler_above_the_cores_is_refused_naming_them(tmp_path, capsys) -> None:
    many = cpu_cores() * 100
    args = ["run", *FAST, "--out", str(tmp_path), "--scheduler", f"local:{many}"]
    assert main(args) == 2
    err = _err_line(capsys)
    assert f"asks for {many} worker processes" in err and f"has {cpu_cores()} cores" in err
    assert "--oversubscribe" in err and not (tmp_path / "runs").exists()


def test_refused_scheduler_connection_is_one_line_without_retrying(tmp_path, capsys) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: the connection is refused
    args = ["run", *FAST, "--out", str(tmp_path), "--scheduler", f"tcp://127.0.0.1:{port}"]
    assert main(args) == 2
    err = _err_line(capsys)
    assert f"cannot reach the Dask scheduler tcp://127.0.0.1:{port} (Connection refused)" in err


def test_size_has_an_upper_bound(tmp_path, capsys) -> None:
    assert main(["run", "--size", "100000", "--out", str(tmp_path)]) == 2
    assert "must be 16 to 4096" in capsys.readouterr().err
    assert main(["train", "aodnet", "--size", "100000", "--out", str(tmp_path)]) == 2
    assert "must be 16 to 4096" in capsys.readouterr().err


def test_methods_all_is_case_insensitive_like_the_names() -> None:
    assert all_lowercase("ALL") == "all" and all_lowercase("dcp,All") == "dcp,all"
    assert all_lowercase("lnet-gie:rm=[0.25,1.0]") == "lnet-gie:rm=[0.25,1.0]"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("aodnet=w/epoch=3-step=100.pth", ("aodnet", "w/epoch=3-step=100.pth")),
        ("lnet-gie:rm=1.0=ckpt/a=b.pth", ("lnet-gie:rm=1.0", "ckpt/a=b.pth")),
        ("ffanet=official:its", ("ffanet", "official:its")),
    ],
)
def test_weights_path_holding_equals_is_kept_whole(item, expected) -> None:
    assert parse_weights([item]) == {expected[0]: expected[1]}
