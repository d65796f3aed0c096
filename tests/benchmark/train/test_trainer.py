"""train(): the loss goes down, determinism, no silent overwrite, dead starts, the sidecar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

import methods
from benchmark.errors import TrainingError
from benchmark.train import TrainData, load_train_data, plot_path, train
from methods.core.weights import sha256_file, sidecar_path

from .helpers import LIVE_SEED, OTHER_LIVE_SEED, assert_same_state, config, state_of


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


def test_existing_weights_are_not_overwritten_silently(tmp_path: Path, data: TrainData) -> None:
    out = tmp_path / "w.pth"
    out.write_bytes(b"precious")
    with pytest.raises(TrainingError, match="--overwrite"):
        train(config(out, epochs=1), data=data)
    assert train(config(out, epochs=1, overwrite=True), data=data).weights == out


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


@pytest.mark.parametrize(
    "spec", ["ffanet", "c2pnet", "gcanet", "griddehazenet", "msbdn-dff", "da-dehazing"]
)
def test_every_neural_baseline_trains_with_the_same_loop(
    tmp_path: Path, dataset: Any, spec: str
) -> None:
    """`benchmark train <baseline>` works for each adapter: one epoch on a few 32 px images."""
    small = load_train_data(dataset, limit=4, val_every=4, progress=False)
    out = tmp_path / f"{spec}.pth"
    result = train(config(out, spec, epochs=1, batch_size=2, limit=4), dataset, data=small)
    assert out.is_file() and result.record["epochs"] == 1
    reloaded = methods.get_method(spec, weights=out)
    assert reloaded.weights is not None and reloaded.weights.sha256 == sha256_file(out)
