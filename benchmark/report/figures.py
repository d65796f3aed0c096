"""Figures of a run (matplotlib, PNG): quality bars with CIs, quality vs cost with the Pareto
front, per-image PSNR distributions, and a qualitative grid in the style of the paper's Fig. 2."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from ..metrics import Metric, all_metrics
from ..plotting import DPI, plt
from ..run.store import RunStore
from .tables import method_label, table_metrics

CLASSICAL_X = 1.0  # where 0-parameter (classical) methods sit on the log axis


def _label(row: pd.Series) -> str:
    return method_label(row, sep="\n")


def _scored(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[summary["n_images"] > 0].reset_index(drop=True)


def _headline(summary: pd.DataFrame) -> list[Metric]:
    """The headline metrics the summary holds (PSNR and SSIM for paired data)."""
    return [m for m in all_metrics() if m.headline and f"{m.name}_mean" in summary.columns]


def primary_metric(summary: pd.DataFrame) -> Metric | None:
    """The metric of the quality-vs-cost plots: the first headline one (PSNR on paired data)."""
    shown = _headline(summary)
    return shown[0] if shown else None


def pareto_front(cost: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """Indices of points no other point beats on both lower cost and higher quality."""
    order = np.lexsort((-quality, cost))
    front, best = [], -np.inf
    for i in order:
        if quality[i] > best:
            front.append(i)
            best = quality[i]
    return np.asarray(front, dtype=int)


def quality_bars(summary: pd.DataFrame, path: Path) -> Path:
    """The headline metrics' means with 95% bootstrap CI error bars, one panel each."""
    data = _scored(summary)
    shown = _headline(summary)
    ncols = min(len(shown), 3)  # more panels wrap onto further rows
    nrows = -(-len(shown) // ncols)
    panel = max(3.5, 0.55 * len(data) + 1.5)
    width = max(7, 1.1 * len(data) + 3) if ncols <= 2 else panel * ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, 4.2 * nrows), squeeze=False)
    for ax in axes.flat[len(shown) :]:
        ax.axis("off")
    for ax, metric in zip(axes.flat, shown, strict=False):
        name = metric.name
        mean = data[f"{name}_mean"].to_numpy(float)
        low, high = data[f"{name}_ci_low"].to_numpy(float), data[f"{name}_ci_high"].to_numpy(float)
        x = np.arange(len(data))
        ax.bar(x, mean, yerr=np.vstack([mean - low, high - mean]), capsize=4, color="#4c72b0")
        ax.set_xticks(x, [_label(r) for _, r in data.iterrows()], rotation=45, ha="right")
        ax.set_ylabel(f"{metric.label}{metric.unit and f' ({metric.unit})'} {metric.arrow}")
        if len(data) and metric.higher_is_better and np.isfinite(low).any():
            span = max(np.nanmax(high) - np.nanmin(low), 1e-9)
            ax.set_ylim(bottom=max(0, np.nanmin(low) - 0.5 * span))
        ax.grid(axis="y", alpha=0.3)
        ax.set_title(f"{metric.label}, mean and 95% CI", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def quality_vs_cost(summary: pd.DataFrame, metric: Metric, cost: str, path: Path) -> Path:
    """`metric` against parameters (log x) or latency, Pareto front marked."""
    data = _scored(summary)
    if cost == "params":
        x = data["params"].to_numpy(float)
        x = np.where(x > 0, x, CLASSICAL_X)
        xlabel = "learnable parameters (log; classical methods drawn at 1)"
    else:
        x = data["latency_median_ms"].to_numpy(float)
        devices = ", ".join(sorted(set(data["device_name"].astype(str))))
        xlabel = f"latency, median ms at batch 1 (log; {devices})"
    y = data[f"{metric.name}_mean"].to_numpy(float)
    fig, ax = plt.subplots(figsize=(7, 4.8))
    ax.scatter(x, y, s=40, color="#4c72b0", zorder=3)
    for xi, yi, (_, row) in zip(x, y, data.iterrows(), strict=True):
        ax.annotate(
            _label(row).replace("\n", " "),
            (xi, yi),
            textcoords="offset points",
            xytext=(5, 4),
            fontsize=8,
        )
    valid = np.isfinite(x) & np.isfinite(y)
    if valid.any():
        better = y[valid] if metric.higher_is_better else -y[valid]
        idx = np.flatnonzero(valid)[pareto_front(x[valid], better)]
        ax.step(x[idx], y[idx], where="post", color="#dd8452", lw=1.5, label="Pareto front")
        ax.scatter(x[idx], y[idx], s=90, facecolors="none", edgecolors="#dd8452", zorder=4)
        ax.legend(loc="lower right")
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"{metric.label}{metric.unit and f' ({metric.unit})'} {metric.arrow}")
    ax.grid(alpha=0.3, which="both")
    ax.set_title(f"Quality vs {'size' if cost == 'params' else 'latency'}")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def metric_distribution(store: RunStore, summary: pd.DataFrame, metric: Metric, path: Path) -> Path:
    """Per-image values of `metric` for each scored method as box plots."""
    rows = store.per_image()
    rows = rows[rows["status"] == "ok"]
    data = _scored(summary)
    values = [
        _finite(rows.loc[rows["spec"] == s, metric.name].astype(float).to_numpy())
        for s in data["spec"]
    ]
    fig, ax = plt.subplots(figsize=(max(7, 1.1 * len(data) + 3), 4.5))
    if values:
        ax.boxplot(values, showmeans=True, flierprops={"markersize": 2})
        ax.set_xticks(
            np.arange(1, len(data) + 1),
            [_label(r) for _, r in data.iterrows()],
            rotation=45,
            ha="right",
        )
    unit = f" ({metric.unit})" if metric.unit else ""
    ax.set_ylabel(f"{metric.label} per image{unit} {metric.arrow}")
    ax.set_title(f"Per-image {metric.label} (box: quartiles, triangle: mean)")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def sample_columns(store: RunStore, summary: pd.DataFrame) -> list[tuple[str, str]]:
    """(sample folder, title) of the input, each scored method and the ground truth if any."""
    samples = store.read_manifest().get("sample_images", []) if store.exists() else []
    data = _scored(summary)
    columns = [("_hazy", "Hazy input")]
    columns += [
        (s, _label(r).replace("\n", " "))
        for s, (_, r) in zip(data["spec"], data.iterrows(), strict=True)
        if r.get("kind") != "reference"  # the unprocessed input is already the first column
    ]
    if any(store.sample_path("_clear", i).exists() for i in samples):
        columns += [("_clear", "Ground truth")]
    return columns


def qualitative_grid(store: RunStore, summary: pd.DataFrame, path: Path) -> Path | None:
    """Rows: the run's sample images (across haze levels); columns: hazy, methods, clear."""
    samples = store.read_manifest().get("sample_images", []) if store.exists() else []
    columns = sample_columns(store, summary)
    if not samples:
        return None
    fig, axes = plt.subplots(
        len(samples),
        len(columns),
        figsize=(1.6 * len(columns), 1.6 * len(samples) + 0.4),
        squeeze=False,
    )
    for r, image_id in enumerate(samples):
        for c, (spec, title) in enumerate(columns):
            ax = axes[r][c]
            ax.axis("off")
            file = store.sample_path(spec, image_id)
            if file.exists():
                ax.imshow(cv2.cvtColor(cv2.imread(str(file), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))
            if r == 0:
                ax.set_title(title, fontsize=7)
    fig.tight_layout(pad=0.2)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def make_figures(store: RunStore, summary: pd.DataFrame, folder: Path) -> dict[str, Path]:
    """All figures of a run into `folder` (its figures/ by default); returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    primary = primary_metric(summary)
    if primary is None:
        return out
    out["quality_bars"] = quality_bars(summary, folder / "quality_bars.png")
    for cost in ("params", "latency"):
        key = f"{primary.name}_vs_{cost}"
        out[key] = quality_vs_cost(summary, primary, cost, folder / f"{key}.png")
    # paired runs: the primary metric's distribution; no-reference runs: every metric's
    no_reference = primary.kind != "full-reference"
    shown = [m for m in table_metrics(summary) if no_reference or m == primary]
    for metric in shown:
        key = f"{metric.name}_distribution"
        out[key] = metric_distribution(store, summary, metric, folder / f"{key}.png")
    grid = qualitative_grid(store, summary, folder / "qualitative_grid.png")
    if grid is not None:
        out["qualitative_grid"] = grid
    return out
