"""Shared helpers of the training tests: a fast CPU config, saved states, an interrupting hook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from benchmark.train import TrainConfig, TrainHooks

LIVE_SEED = 2  # lnet-gie seeds whose default init lets gradients flow on this tiny data
OTHER_LIVE_SEED = 6


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


def interrupt_after(epoch: int) -> TrainHooks:
    """Hooks that raise KeyboardInterrupt once `epoch` has finished (and been checkpointed)."""

    def stop(done: int, history: dict[str, list]) -> None:
        if done == epoch:
            raise KeyboardInterrupt

    return TrainHooks(on_epoch_end=stop)
