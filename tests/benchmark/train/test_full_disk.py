"""`train` onto a full disk (a real 64 KiB tmpfs): one line naming the file, exit 2, and the
last checkpoint kept so that the same command resumes instead of starting over."""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmark.cli import main

from ..tmpfs import mounted

ARGS = ["aodnet", "--size", "32", "--limit", "8", "--init", "random", "--device", "cpu"]


def test_full_disk_keeps_the_last_checkpoint_and_resumes(tmp_path: Path, capsys) -> None:
    # one aodnet checkpoint (~45 kB) fits, a second beside it (the atomic write) does not
    with mounted(tmp_path / "disk", "size=64k") as disk:
        out = disk / "a.pth"
        code = main(["train", *ARGS, "--epochs", "2", "--out", str(out), "--no-progress"])
        err = capsys.readouterr().err
        ckpt = disk / "a.pth.ckpt"
        assert code == 2 and "Traceback" not in err
        (line,) = [x for x in err.splitlines() if x.startswith("error:")]
        assert f"could not write {ckpt}: disk full" in line and "bytes free there" in line
        assert f"the last checkpoint {ckpt} (epoch 1) is kept" in line
        assert not out.exists()
        shutil.copyfile(ckpt, tmp_path / "a.pth.ckpt")  # "free some space": move to a disk
    out = tmp_path / "a.pth"
    assert main(["train", *ARGS, "--epochs", "2", "--out", str(out)]) == 0
    assert "after epoch 1" in capsys.readouterr().err and out.is_file()
