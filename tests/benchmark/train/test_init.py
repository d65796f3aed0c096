"""--init: Procedure 1 (AOD-Net rows copied and kept), shipped AOD-Net weights, own weights."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import methods
from benchmark.errors import TrainingError
from benchmark.train import TrainData, TrainHooks, train
from methods import lnet_gie
from methods.core.weights import sha256_file

from .helpers import LIVE_SEED, config, state_of


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
    monkeypatch.setattr(lnet_gie, "shipped_weights_for", lambda spec: None)
    with pytest.raises(TrainingError, match="none are shipped yet"):
        train(config(tmp_path / "x.pth", init=None, epochs=1), data=data)  # default: aodnet
    with pytest.raises(TrainingError, match="Procedure 1 of LNet-GIE"):
        train(config(tmp_path / "y.pth", "aodnet", init="aodnet", epochs=1), data=data)
    monkeypatch.setattr(lnet_gie, "shipped_weights_for", lambda spec: aod_file)
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


def test_methods_without_named_inits_start_random_or_from_a_file(
    tmp_path: Path, data: TrainData
) -> None:
    record = train(config(tmp_path / "a.pth", "aodnet", init=None, epochs=1), data=data).record
    assert record["init"] == {"kind": "random", "source": "module default init", "seed": LIVE_SEED}
    missing = tmp_path / "missing.pth"
    message = rf"--init {missing}: file not found \(give a weights file, random or aodnet\)"
    with pytest.raises(TrainingError, match=message):
        train(config(tmp_path / "b.pth", "aodnet", init=str(missing), epochs=1), data=data)
