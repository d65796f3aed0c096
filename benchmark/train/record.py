"""The sidecar record of a training run: what was trained, on what, how, and what came out."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import torch

from methods import NeuralMethod

from ..environment import environment, git_commit
from .config import TrainConfig
from .data import TrainData


def now() -> str:
    """The current UTC time to the second, ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_record(
    config: TrainConfig,
    spec: str,
    method: NeuralMethod,
    init: dict[str, Any],
    data: TrainData,
    device: torch.device,
    state: dict[str, Any],
    key: dict[str, Any],
) -> dict[str, Any]:
    """The sidecar content (sha256 and file name are added once the weights are written)."""
    history = state["history"]
    return {
        "spec": spec,
        "method": method.name,
        "format": "state_dict of the method's module (dehaze-bench key layout)",
        "num_params": method.num_params,
        "dataset": data.description,
        "data_options": {"data": config.data, **config.data_options},
        "hyperparameters": config.hyperparameters(),
        "init": init,
        "initial": state["initial"],
        "history": history,
        "epochs": len(history["train_loss"]),
        "final_loss": history["train_loss"][-1],
        "final_val_loss": history["val_loss"][-1],
        "final_val_psnr": history["val_psnr"][-1],
        "dead_start": state["dead_start"],
        "wall_time_s": round(float(state["elapsed_s"]), 3),
        "sessions": state["sessions"],
        "started": state["started"],
        "finished": now(),
        "device": str(device),
        "seed": config.seed,
        "torch_version": torch.__version__,
        "git_commit": git_commit(),
        "environment": environment(device),
        "resume_key": key,
    }
