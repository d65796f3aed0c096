"""Training figures: one run's loss and validation-PSNR curves, and an init comparison's curves.

Each figure is a standalone `matplotlib.figure.Figure` (no pyplot state, no backend set-up).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

DPI = 110
#: fixed figure margins (tight_layout is the slowest part of writing a small plot)
LAYOUT = {"left": 0.11, "right": 0.98, "bottom": 0.12, "top": 0.86, "wspace": 0.28}


def plot_history(
    history: dict[str, list],
    initial: dict[str, Any],
    path: Path,
    title: str,
    baseline: float | None = None,
    train_loss: str = "MSE",
) -> None:
    """Loss (train, validation) and validation PSNR per epoch; epoch 0 is the initial model.

    Validation loss is always MSE; `train_loss` names the recipe's training loss."""
    epochs = list(range(1, len(history["train_loss"]) + 1))
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    left.plot(epochs, history["train_loss"], marker="o", label="train")
    if initial.get("val_loss") is not None:
        left.plot(
            [0, *epochs],
            [initial["val_loss"], *history["val_loss"]],
            marker="s",
            label="validation",
        )
        right.plot([0, *epochs], [initial["val_psnr"], *history["val_psnr"]], marker="s")
    ylabel = "MSE" if train_loss == "MSE" else f"{train_loss} (train), MSE (validation)"
    left.set(xlabel="epoch", ylabel=ylabel, yscale="log", title="loss")
    left.legend()
    if baseline is not None:
        right.axhline(baseline, color="grey", linestyle="--", label="hazy input")
        right.legend()
    right.set(xlabel="epoch", ylabel="PSNR (dB)", title="validation PSNR")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    fig.subplots_adjust(**LAYOUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)


def plot_comparison(
    runs: list[dict[str, Any]], summary: dict[str, Any], path: Path, title: str
) -> None:
    """Validation PSNR and train loss per epoch: one colour per init, one line per seed."""
    fig = Figure(figsize=(11, 4.5))
    left, right = fig.subplots(1, 2)
    colours = {label: f"C{k}" for k, label in enumerate(summary)}
    for run in runs:
        record, label = run["record"], run["label"]
        history, first = record["history"], run is next(r for r in runs if r["label"] == label)
        entry = summary[label]
        name = f"{label} ({entry['dead_starts']}/{len(entry['seeds'])} dead starts)"
        epochs = list(range(len(history["val_psnr"]) + 1))
        style = {"color": colours[label], "marker": "o", "markersize": 3, "alpha": 0.8}
        left.plot(
            epochs,
            [record["initial"]["val_psnr"], *history["val_psnr"]],
            label=name if first else None,
            **style,
        )
        right.plot(epochs[1:], history["train_loss"], label=name if first else None, **style)
    baseline = runs[0]["record"]["dataset"].get("val_psnr_hazy_input")
    if baseline is not None:
        left.axhline(baseline, color="grey", linestyle="--", label="hazy input")
    left.set(xlabel="epoch (0 = initial model)", ylabel="PSNR (dB)", title="validation PSNR")
    right.set(xlabel="epoch", ylabel="MSE", yscale="log", title="train loss")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    fig.subplots_adjust(**LAYOUT)
    fig.savefig(path, dpi=DPI)
