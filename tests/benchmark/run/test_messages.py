"""Messages that must not mislead: a resumed run's metric-set mismatch names what differs, a
video-only option names itself in the singular, `train` says where weights/ is."""

from __future__ import annotations

import pytest

from benchmark.cli import main
from benchmark.errors import DatasetError, RunConflictError
from benchmark.run.store import RunStore

LONG = ["psnr", "ssim", "ciede2000", "lpips_like", "piqe", "visible_edges", "entropy", "niqe"]


def test_metric_set_mismatch_names_the_differing_metrics(tmp_path) -> None:
    store = RunStore(tmp_path / "run")
    store.root.mkdir()
    store.write_manifest({"metrics": LONG})
    with pytest.raises(RunConflictError) as info:
        store.check_identity({"metrics": [*LONG[:-1], "fade"]})
    text = str(info.value)
    assert 'only in the run: ["niqe"]' in text and 'only asked now: ["fade"]' in text
    with pytest.raises(RunConflictError, match="the same 8 in another order"):
        store.check_identity({"metrics": LONG[::-1]})


def test_one_video_option_on_a_folder_is_said_in_the_singular(tmp_path) -> None:
    from benchmark.data import open_dataset

    (tmp_path / "hazy").mkdir()
    (tmp_path / "clear").mkdir()
    with pytest.raises(DatasetError, match="--stride does not apply"):
        open_dataset(tmp_path, stride=2)


def test_train_says_the_default_weights_folder_is_the_current_one(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["train", "aodnet", "--size", "32", "--limit", "4", "--epochs", "1", "--device", "cpu"]
    assert main([*args, "--val-every", "2", "--no-progress"]) == 0
    assert f"wrote weights/aodnet.pth (in {tmp_path})" in capsys.readouterr().out
