"""`compare_init`: train one method from each of its initialisations with the same seeds.

Which inits are compared (for LNet-GIE: random against AOD-Net weights, the ablation the paper
claims but does not show) comes from the method's `init_comparison` hook.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from methods import (
    InitComparison,
    InitError,
    NeuralMethod,
    Spec,
    get_method,
    parse_spec,
    read_sidecar,
    resolve_device,
)

from ..csv_cells import guard_row
from ..data import PairedDataset
from ..environment import git_commit
from ..errors import TrainingError
from ..files import atomic_write_text
from .checkpoints import checkpoint_path, resume_key
from .config import TrainConfig, replace_config
from .data import TrainData, load_train_data, open_training_data
from .determinism import deterministic
from .init import build_method
from .plots import plot_comparison
from .progress import say
from .record import now
from .trainer import train


def compare_init(
    config: TrainConfig,
    files: Mapping[str, str | Path] | None = None,
    dataset: PairedDataset | None = None,
    seeds: int = 1,
    data: TrainData | None = None,
) -> dict[str, Any]:
    """Train the method from each init it compares, each with the seeds seed..seed+seeds-1.

    Writes `<out-stem>-compare-init/` with one weights file per (init, seed), curves.csv,
    curves.json and curves.png (validation PSNR per epoch, epoch 0 = the initial model). Runs
    that start dead (no gradient) are kept and counted: how often that happens is part of
    what initialisation changes.
    """
    config.validate()
    spec = parse_spec(config.spec)
    comparison = _comparison(config, spec, files, seeds)
    folder = compare_folder(config.out_path(spec))
    if data is None:
        data = load_train_data(
            dataset or open_training_data(config), config.limit, config.val_every, config.progress
        )
    if not data.val_ids:
        raise TrainingError("no validation frames: use a smaller --val-every or a larger --limit")
    data = data.to(resolve_device(config.device))
    runs: list[dict[str, Any]] = []
    for seed in range(config.seed, config.seed + seeds):
        for label, init in comparison.inits.items():
            name = f"{label}-seed{seed}"
            say(config.progress, f"--- {spec}: init {label}, seed {seed} ---")
            run = replace_config(
                config, init=init, seed=seed, out=folder / f"{name}.pth", stop_if_dead=False
            )
            record = _train_or_reuse(run, spec, data)
            runs.append({"name": name, "label": label, "seed": seed, "record": record})
    return write_comparison(folder, spec, data, config, runs, comparison.title)


def _comparison(
    config: TrainConfig, spec: Spec, files: Mapping[str, str | Path] | None, seeds: int
) -> InitComparison:
    """The method's inits to compare; TrainingError unless a comparison can run as asked."""
    method = get_method(spec, use_shipped=False)
    if not isinstance(method, NeuralMethod):
        raise TrainingError(
            f"--compare-init is not supported by {spec.name}: it is a classical method"
        )
    try:
        comparison = method.init_comparison(files)
    except InitError as exc:
        raise TrainingError(str(exc)) from None
    if config.val_every == 0:
        raise TrainingError("--compare-init plots validation PSNR: --val-every must not be 0")
    if seeds < 1:
        raise TrainingError("--compare-seeds must be at least 1")
    return comparison


def compare_folder(out: Path) -> Path:
    """Where an init comparison goes: '<out-stem>-compare-init/' beside `out`."""
    return out.with_name(out.stem + "-compare-init")


def _train_or_reuse(config: TrainConfig, spec: Spec, data: TrainData) -> dict[str, Any]:
    """The finished run's record when its sidecar matches these arguments, else train it."""
    out = config.out_path(spec)
    previous = read_sidecar(out) if out.is_file() else None
    if previous and not checkpoint_path(out).exists():
        with deterministic(config.seed):
            _, init = build_method(config, spec, resolve_device(config.device))
        if previous.get("resume_key") == resume_key(config, spec, init, data):
            say(config.progress, f"reusing {out} (trained with these arguments)")
            return previous
    return train(replace_config(config, overwrite=True), data=data).record


def comparison_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Long-form curve rows: one per (run, epoch); epoch 0 is the initial model."""
    rows = []
    for run in runs:
        record = run["record"]
        initial, history = record["initial"], record["history"]
        base = {
            "run": run["name"],
            "init": run["label"],
            "seed": run["seed"],
            "dead_start": record.get("dead_start"),
        }
        rows.append({**base, "epoch": 0, "train_loss": None, **initial})
        for k, loss in enumerate(history["train_loss"]):
            rows.append(
                {
                    **base,
                    "epoch": k + 1,
                    "train_loss": loss,
                    "val_loss": history["val_loss"][k],
                    "val_psnr": history["val_psnr"][k],
                }
            )
    return rows


def comparison_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per init: final validation PSNR of each seed, their mean, and how many started dead."""
    summary: dict[str, Any] = {}
    for run in runs:
        entry = summary.setdefault(
            run["label"], {"seeds": [], "final_val_psnr": [], "dead_starts": 0}
        )
        entry["seeds"].append(run["seed"])
        entry["final_val_psnr"].append(run["record"]["final_val_psnr"])
        entry["dead_starts"] += int(bool(run["record"].get("dead_start")))
    for entry in summary.values():
        entry["mean_final_val_psnr"] = float(np.mean(entry["final_val_psnr"]))
    return summary


def _csv_text(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV text with a header (the csv module's \\r\\n line ends)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(guard_row(row) for row in rows)
    return buffer.getvalue()


def write_comparison(
    folder: Path,
    spec: str,
    data: TrainData,
    config: TrainConfig,
    runs: list[dict[str, Any]],
    title: str,
) -> dict[str, Any]:
    """curves.csv (long form), curves.json and curves.png of an init comparison."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "curves.csv", _csv_text(comparison_rows(runs)))
    summary = {
        "spec": spec,
        "dataset": data.description,
        "hyperparameters": {**config.hyperparameters(), "seed": None},
        "summary": comparison_summary(runs),
        "runs": {
            run["name"]: {
                "init_label": run["label"],
                "seed": run["seed"],
                "init": run["record"]["init"],
                "weights": str(folder / f"{run['name']}.pth"),
                "sha256": run["record"].get("sha256"),
                "dead_start": run["record"].get("dead_start"),
                "initial": run["record"]["initial"],
                "history": run["record"]["history"],
            }
            for run in runs
        },
        "git_commit": git_commit(),
        "torch_version": torch.__version__,
        "finished": now(),
    }
    atomic_write_text(folder / "curves.json", json.dumps(summary, indent=1) + "\n")
    seeds = sorted({run["seed"] for run in runs})
    figure_title = f"{spec}: {title} (seeds {seeds[0]}..{seeds[-1]})"
    plot_comparison(runs, summary["summary"], folder / "curves.png", figure_title)
    return {"folder": folder, "summary": summary}
