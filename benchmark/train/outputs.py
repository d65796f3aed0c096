"""What a finished training run leaves: the weights, their JSON sidecar, the loss-curve PNG."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from methods import NeuralMethod, sidecar_path

from ..files import atomic_write_text, sha256_file
from .checkpoints import cpu_state, save_torch
from .plots import plot_history


@dataclass
class TrainResult:
    """Where the outputs went and what the run recorded."""

    weights: Path
    sidecar: Path
    plot: Path
    record: dict[str, Any]


def plot_path(out: Path) -> Path:
    """The loss-curve PNG next to the weights: '<stem>.loss.png'."""
    return out.with_name(out.stem + ".loss.png")


def write_outputs(out: Path, method: NeuralMethod, record: dict[str, Any]) -> TrainResult:
    """Weights (atomically), then the sidecar with their sha256, then the loss-curve PNG."""
    save_torch(cpu_state(method), out)
    record = {"spec": record["spec"], "sha256": sha256_file(out), "file": out.name, **record}
    side = sidecar_path(out)
    atomic_write_text(side, json.dumps(record, indent=1, default=str) + "\n")
    figure = plot_path(out)
    title = f"{record['spec']} ({out.name})"
    baseline = record["dataset"].get("val_psnr_hazy_input")
    train_loss = str(record["hyperparameters"]["loss"]).split("(")[0]
    plot_history(record["history"], record["initial"], figure, title, baseline, train_loss)
    return TrainResult(out, side, figure, record)
