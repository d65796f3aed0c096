"""The study's figures: reader scores with CIs, the win-rate matrix, metric agreement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..plotting import DPI, plt


def score_figure(table: pd.DataFrame, value: str, label: str, title: str, path: Path) -> Path:
    """Horizontal point-and-interval plot of one score per method (best on top)."""
    frame = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(frame) + 1.2))
    y = np.arange(len(frame))
    err = np.vstack([frame[value] - frame["ci_low"], frame["ci_high"] - frame[value]])
    ax.errorbar(frame[value], y, xerr=np.clip(err, 0, None), fmt="o", color="#1f5fa8", capsize=4)
    ax.set_yticks(y, frame["spec"])
    ax.set_xlabel(label)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def win_rate_figure(rates: np.ndarray, specs: list[str], title: str, path: Path) -> Path:
    """Heat map: share of comparisons the row method won against the column method."""
    fig, ax = plt.subplots(figsize=(1.1 * len(specs) + 2.2, 0.9 * len(specs) + 1.4))
    image = ax.imshow(rates, vmin=0, vmax=1, cmap="RdBu")
    for i, j in np.ndindex(rates.shape):
        if not np.isnan(rates[i, j]):
            ax.text(j, i, f"{rates[i, j]:.2f}", ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(specs)), specs, rotation=30, ha="right")
    ax.set_yticks(range(len(specs)), specs)
    ax.set_xlabel("against")
    ax.set_ylabel("row method wins")
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def agreement_figure(table: pd.DataFrame, title: str, path: Path) -> Path:
    """Bars: each metric's share of agreement with the readers, 95% CI, 0.5 = chance."""
    fig, ax = plt.subplots(figsize=(0.8 * len(table) + 2.5, 3.2))
    x = np.arange(len(table))
    err = np.vstack([table["agreement"] - table["ci_low"], table["ci_high"] - table["agreement"]])
    ax.bar(x, table["agreement"], color="#6a9fd4")
    ax.errorbar(
        x,
        table["agreement"],
        yerr=np.clip(np.nan_to_num(err), 0, None),
        fmt="none",
        color="k",
        capsize=4,
    )
    ax.axhline(0.5, color="#a00", lw=1, ls="--", label="chance")
    ax.set_xticks(x, table["metric"], rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("agrees with readers")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
