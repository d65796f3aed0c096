"""Ablation figures: a heat map over two varying parameters, a line or point plot over one."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..metrics import Metric
from ..plotting import plt
from .grid import Grid
from .number_text import count, is_number, macs, param_text

FIGURE_DPI = 120


def grid_heatmap(table: pd.DataFrame, grid: Grid, metric: Metric, path: Path, title: str) -> Path:
    """`metric` over the first (rows) x second (columns) varying parameter, cells annotated."""
    row_key, col_key = grid.varying
    row_values = sorted(table[row_key].unique())
    col_values = sorted(table[col_key].unique())
    mean = f"{metric.name}_mean"
    values = np.full((len(row_values), len(col_values)), np.nan)
    labels = [["not in run"] * len(col_values) for _ in row_values]
    for _, row in table.drop_duplicates([row_key, col_key]).iterrows():
        i, j = row_values.index(row[row_key]), col_values.index(row[col_key])
        values[i, j] = row[mean]
        score = metric.format(row[mean]) if math.isfinite(row[mean]) else "not scored"
        labels[i][j] = f"{score}\n{count(row['params'])} params\n{macs(row['macs'])} MACs"
    fig, ax = plt.subplots(figsize=(1.9 * len(col_values) + 2.2, 1.2 * len(row_values) + 1.6))
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.85")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, aspect="auto")
    finite = values[np.isfinite(values)]
    middle = float(finite.mean()) if finite.size else 0.0
    for i in range(len(row_values)):
        for j in range(len(col_values)):
            dark = math.isfinite(values[i, j]) and values[i, j] < middle
            ax.text(
                j,
                i,
                labels[i][j],
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "black",
            )
    ax.set_xticks(range(len(col_values)), [param_text(v) for v in col_values])
    ax.set_yticks(range(len(row_values)), [param_text(v) for v in row_values])
    ax.set_xlabel(grid.param_label(col_key))
    ax.set_ylabel(grid.param_label(row_key))
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, label=_axis_label(metric))
    return _save(fig, path)


def grid_plot(table: pd.DataFrame, grid: Grid, metric: Metric, path: Path, title: str) -> Path:
    """`metric` with its 95% CI over the one varying parameter: a line if numeric, else points."""
    (key,) = grid.varying
    data = table.sort_values([key, "spec"], kind="stable").drop_duplicates([key])
    mean = data[f"{metric.name}_mean"].to_numpy(dtype=float)
    error = [
        mean - data[f"{metric.name}_ci_low"].to_numpy(dtype=float),
        data[f"{metric.name}_ci_high"].to_numpy(dtype=float) - mean,
    ]
    fig, ax = plt.subplots(figsize=(max(4.5, 0.9 * len(data) + 2.0), 3.6))
    if all(is_number(v) for v in data[key]):
        x = data[key].to_numpy(dtype=float)
        ax.errorbar(x, mean, yerr=error, marker="o", capsize=3)
        ax.set_xticks(x, [param_text(v) for v in data[key]])
    else:
        positions = np.arange(len(data))
        ax.errorbar(positions, mean, yerr=error, fmt="o", capsize=3)
        ax.set_xlim(-0.5, len(data) - 0.5)
        ax.set_xticks(positions, [param_text(v) for v in data[key]])
    ax.set_xlabel(grid.param_label(key))
    ax.set_ylabel(_axis_label(metric))
    ax.set_title(title, fontsize=10)
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=FIGURE_DPI)
    plt.close(fig)
    return path


def _axis_label(metric: Metric) -> str:
    return f"{metric.label} ({metric.unit})" if metric.unit else metric.label
