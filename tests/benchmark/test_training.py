"""Training: loss goes down, determinism, resume, Procedure 1, sidecar, init comparison, CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import torch

import methods
from benchmark import training
from benchmark.cli import main
from benchmark.data import open_dataset
from benchmark.training import (
    TrainConfig,
    TrainData,
    TrainHooks,
    TrainingError,
    checkpoint_path,
    compare_init,
    load_train_data,
    plot_path,
    split_validation,
    spread,
    train,
)
from methods.core.weights import sha256_file, sidecar_path

LIVE_SEED = 2  # lnet-gie seeds whose default init lets gradients flow on this tiny data
OTHER_LIVE_SEED = 6


@pytest.fixture(scope="module")
def dataset() -> Any:
    """Tiny synthetic set: 2 train cases x 12 frames of 32x32 (and 1 test case)."""
    return open_dataset(None, size=32, n_cases=3, frames_per_case=12)


@pytest.fixture(scope="module")
def data(dataset: Any) -> TrainData:
    """Its train split in memory: every 4th frame of each case held out (6 val, 18 train)."""
    return load_train_data(dataset, limit=None, val_every=4, progress=False)


def config(out: Path, spec: str = "lnet-gie", **changes: Any) -> TrainConfig:
    """A fast CPU config writing to `out` (random init unless `init` is given)."""
    base = {
        "epochs": 2,
        "device": "cpu",
        "val_every": 4,
        "progress": False,
        "seed": LIVE_SEED,
        "init": "random",
    }
    return TrainConfig(spec=spec, out=out, **{**base, **changes})


def state_of(path: Path) -> dict[str, torch.Tensor]:
    """A saved state_dict."""
    return torch.load(path, map_location="cpu", weights_only=True)


def assert_same_state(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    """Bitwise-equal state_dicts."""
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.fixture
def aod_file(tmp_path: Path) -> Path:
    """An AOD-Net state_dict in the port's layout (seeded random values)."""
    torch.manual_seed(123)
    path = tmp_path / "aod.pth"
    torch.save(methods.get_method("aodnet", use_shipped=False).module.state_dict(), path)
    return path


def test_validation_frames_come_from_train_cases_only(dataset: Any, data: TrainData) -> None:
    train_cases = {dataset.group(i) for i in dataset.ids("train")}
    assert {dataset.group(i) for i in data.val_ids} <= train_cases
    assert not set(data.val_ids) & set(dataset.ids("test"))
    assert not set(data.val_ids) & set(data.train_ids)
    assert (len(data.train_ids), len(data.val_ids)) == (18, 6)
    assert split_validation(["a", "b"], ["g", "g"], 0) == (["a", "b"], [])
    assert spread(list("abcdefgh"), 4) == ["a", "c", "e", "g"]


def test_two_epochs_lower_the_loss(tmp_path: Path, data: TrainData) -> None:
    record = train(config(tmp_path / "a.pth", "aodnet"), data=data).record
    history = record["history"]
    assert history["train_loss"][1] < history["train_loss"][0]
    assert history["val_loss"][-1] < record["initial"]["val_loss"]
    assert history["val_psnr"][-1] > record["initial"]["val_psnr"]


def test_same_seed_same_weights_and_other_seed_differs(tmp_path: Path, data: TrainData) -> None:
    first = train(config(tmp_path / "a.pth", crop=16), data=data).weights
    second = train(config(tmp_path / "b.pth", crop=16), data=data).weights
    other = train(config(tmp_path / "c.pth", crop=16, seed=OTHER_LIVE_SEED), data=data).weights
    assert_same_state(state_of(first), state_of(second))
    assert not torch.equal(state_of(first)["e_conv1.weight"], state_of(other)["e_conv1.weight"])


def interrupt_after(epoch: int) -> TrainHooks:
    """Hooks that raise KeyboardInterrupt once `epoch` has finished (and been checkpointed)."""

    def stop(done: int, history: dict[str, list]) -> None:
        if done == epoch:
            raise KeyboardInterrupt

    return TrainHooks(on_epoch_end=stop)


def test_resume_after_interruption_matches_an_uninterrupted_run(
    tmp_path: Path, data: TrainData
) -> None:
    whole = train(config(tmp_path / "whole.pth", crop=16), data=data)
    out = tmp_path / "resumed.pth"
    with pytest.raises(KeyboardInterrupt):
        train(config(out, crop=16), data=data, hooks=interrupt_after(1))
    assert checkpoint_path(out).is_file() and not out.exists()
    resumed = train(config(out, crop=16), data=data)
    assert_same_state(state_of(whole.weights), state_of(resumed.weights))
    assert resumed.record["history"] == {
        **whole.record["history"],
        "seconds": resumed.record["history"]["seconds"],
    }
    assert resumed.record["sessions"] == 2
    assert not checkpoint_path(out).exists()


def test_resume_with_other_arguments_is_refused(tmp_path: Path, data: TrainData) -> None:
    out = tmp_path / "w.pth"
    with pytest.raises(KeyboardInterrupt):
        train(config(out), data=data, hooks=interrupt_after(1))
    with pytest.raises(TrainingError, match=r"different arguments \(lr: 0\.01 -> 0\.02\)"):
        train(config(out, lr=0.02), data=data)
    assert checkpoint_path(out).is_file()  # kept, so the original command can still resume


def test_existing_weights_are_not_overwritten_silently(tmp_path: Path, data: TrainData) -> None:
    out = tmp_path / "w.pth"
    out.write_bytes(b"precious")
    with pytest.raises(TrainingError, match="--overwrite"):
        train(config(out, epochs=1), data=data)
    assert train(config(out, epochs=1, overwrite=True), data=data).weights == out


@pytest.mark.parametrize("spec,rows", [("lnet-gie", 1), ("lnet-gie:wm=1.0", 3)])
def test_procedure1_copies_aodnet_rows_and_keeps_them_until_the_first_step(
    tmp_path: Path, data: TrainData, aod_file: Path, spec: str, rows: int
) -> None:
    aod = state_of(aod_file)
    seen: dict[str, torch.Tensor] = {}

    def capture(method: methods.NeuralMethod, epoch: int, step: int) -> None:
        if step == 0:
            seen["weight"] = method.module.e_conv1.weight.detach().clone()
            seen["bias"] = method.module.e_conv1.bias.detach().clone()

    cfg = config(tmp_path / "l.pth", spec, init=str(aod_file), epochs=1, stop_if_dead=False)
    result = train(cfg, data=data, hooks=TrainHooks(before_step=capture))
    assert torch.equal(seen["weight"], aod["e_conv1.weight"][:rows])
    assert torch.equal(seen["bias"], aod["e_conv1.bias"][:rows])
    init = result.record["init"]
    assert init["kind"] == "aodnet-e_conv1-rows" and init["source"] == "file"
    assert init["sha256"] == sha256_file(aod_file) and init["reinitialised_after_copy"] is False


def test_init_aodnet_uses_the_shipped_weights(
    tmp_path: Path, data: TrainData, aod_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(training, "shipped_weights_for", lambda spec: None)
    with pytest.raises(TrainingError, match="none are shipped yet"):
        train(config(tmp_path / "x.pth", init=None, epochs=1), data=data)  # default: aodnet
    with pytest.raises(TrainingError, match="Procedure 1 of LNet-GIE"):
        train(config(tmp_path / "y.pth", "aodnet", init="aodnet", epochs=1), data=data)
    monkeypatch.setattr(training, "shipped_weights_for", lambda spec: aod_file)
    cfg = config(tmp_path / "z.pth", init=None, epochs=1, stop_if_dead=False)
    init = train(cfg, data=data).record["init"]
    assert (init["source"], init["path"]) == ("shipped", str(aod_file))


def test_init_from_own_weights_and_random(tmp_path: Path, data: TrainData) -> None:
    first = train(config(tmp_path / "a.pth", "lnet-gie", init="random", epochs=1), data=data)
    assert first.record["init"] == {
        "kind": "random",
        "source": "module default init",
        "seed": LIVE_SEED,
    }
    again = train(
        config(tmp_path / "b.pth", "lnet-gie", init=str(first.weights), epochs=1), data=data
    )
    assert again.record["init"]["kind"] == "weights"
    assert again.record["init"]["sha256"] == first.record["sha256"]


def test_dead_start_is_stopped_or_recorded(tmp_path: Path, data: TrainData) -> None:
    dead = methods.get_method("lnet-gie", use_shipped=False).module.state_dict()
    dead["e_conv2.weight"].zero_()
    dead["e_conv2.bias"].fill_(-1.0)  # K = ReLU(-1) = 0 everywhere: no gradient can flow
    path = tmp_path / "dead.pth"
    torch.save(dead, path)
    with pytest.raises(TrainingError, match="no gradient reaches any parameter"):
        train(config(tmp_path / "a.pth", "lnet-gie", init=str(path), epochs=1), data=data)
    cfg = config(tmp_path / "b.pth", "lnet-gie", init=str(path), epochs=1, stop_if_dead=False)
    assert train(cfg, data=data).record["dead_start"] is True


def test_sidecar_says_how_the_weights_were_made(
    tmp_path: Path, dataset: Any, data: TrainData
) -> None:
    cfg = config(
        tmp_path / "w.pth",
        "lnet-gie",
        init="random",
        epochs=2,
        batch_size=4,
        weight_decay=1e-4,
        clip_grad=0.1,
    )
    result = train(cfg, data=data)
    side = json.loads(sidecar_path(result.weights).read_text())
    assert side["spec"] == "lnet-gie" and side["sha256"] == sha256_file(result.weights)
    assert side["dataset"]["fingerprint"] == dataset.fingerprint
    assert side["dataset"]["split_sizes"] == {"train": 24, "test": 12}
    assert side["dataset"]["used"] == {"train": 18, "validation": 6}
    assert 0 < side["dataset"]["val_psnr_hazy_input"] < 100
    hyper = side["hyperparameters"]
    assert (hyper["lr"], hyper["batch_size"], hyper["weight_decay"]) == (0.01, 4, 1e-4)
    assert (hyper["clip_grad_norm"], hyper["epochs"], hyper["seed"]) == (0.1, 2, LIVE_SEED)
    assert all(len(side["history"][k]) == 2 for k in ("train_loss", "val_loss", "val_psnr"))
    assert side["torch_version"] == torch.__version__ and side["device"] == "cpu"
    assert {"git_commit", "wall_time_s", "init", "environment"} <= set(side)
    assert plot_path(result.weights).stat().st_size > 0
    loaded = methods.get_method("lnet-gie", weights=result.weights)
    assert loaded.weights is not None and loaded.weights.sidecar["sha256"] == side["sha256"]


def test_compare_init_writes_curves_for_each_init(
    tmp_path: Path, data: TrainData, aod_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(training, "shipped_weights_for", lambda spec: None)
    cfg = config(tmp_path / "lnet.pth", "lnet-gie", epochs=2)
    folder = compare_init(cfg, public=aod_file, seeds=1, dataset=None, data=data)["folder"]
    assert folder == tmp_path / "lnet-compare-init"
    with open(folder / "curves.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["init"], r["epoch"]) for r in rows} == {
        (init, str(e)) for init in ("random", "aodnet-public") for e in range(3)
    }
    summary = json.loads((folder / "curves.json").read_text())
    assert set(summary["summary"]) == {"random", "aodnet-public"}
    assert (folder / "curves.png").stat().st_size > 0
    monkeypatch.setattr(training, "train", lambda *a, **k: pytest.fail("should reuse the runs"))
    again = compare_init(cfg, public=aod_file, seeds=1, data=data)["summary"]["summary"]
    assert again == summary["summary"]
    with pytest.raises(TrainingError, match="nothing to compare"):
        compare_init(cfg, public=None, data=data)


def test_cli_trains_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lnet.pth"
    args = [
        "train",
        "lnet-gie",
        "--size",
        "32",
        "--limit",
        "16",
        "--epochs",
        "1",
        "--init",
        "random",
        "--seed",
        str(LIVE_SEED),
        "--val-every",
        "2",
        "--device",
        "cpu",
        "--out",
        str(out),
        "--no-progress",
    ]
    assert main(args) == 0
    assert out.is_file() and sidecar_path(out).is_file() and plot_path(out).is_file()
    assert "wrote" in capsys.readouterr().out
    assert json.loads(sidecar_path(out).read_text())["dataset"]["used"]["train"] == 8
    assert main(args) == 2  # exists, no --overwrite
    assert main(["train", "dcp", "--out", str(tmp_path / "d.pth")]) == 2
    assert main([*args, "--compare-init"]) == 2  # --init with --compare-init
    assert main([*args, "--overwrite", "--compare-seeds", "3"]) == 2  # needs --compare-init
    err = capsys.readouterr().err
    assert "--overwrite" in err and "classical" in err and "drop --init" in err
    assert "need --compare-init" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "spec", ["ffanet", "c2pnet", "gcanet", "griddehazenet", "msbdn-dff", "da-dehazing"]
)
def test_every_neural_baseline_trains_with_the_same_loop(
    tmp_path: Path, dataset: Any, spec: str
) -> None:
    """`benchmark train <baseline>` works for each adapter: one epoch on a few 32 px images."""
    small = load_train_data(dataset, limit=4, val_every=4, progress=False)
    out = tmp_path / f"{spec}.pth"
    result = training.train(config(out, spec, epochs=1, batch_size=2, limit=4), dataset, data=small)
    assert out.is_file() and result.record["epochs"] == 1
    reloaded = methods.get_method(spec, weights=out)
    assert reloaded.weights is not None and reloaded.weights.sha256 == sha256_file(out)
