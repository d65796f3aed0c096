"""Which metrics agree: metric_agreement.csv, its figure and one sentence, from a run's stored rows.

For every pair of metrics the run scored: Kendall's tau between the rankings of the methods
(specs) by their mean score, each metric turned the right way up (lower-is-better negated), with
a 95% percentile bootstrap CI over images (the same images resampled for every method), and the
Spearman correlation of the two metrics over every scored output image (also direction-adjusted:
positive means they agree which image is better). Only images every method scored on both
metrics count for tau; the winner is the method with the best mean on each metric.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from ..metrics import Metric, all_metrics
from ..stats import BOOT_SEED

N_BOOT = 1000
COLUMNS = (
    "metric_a",
    "metric_b",
    "kendall_tau",
    "tau_ci_low",
    "tau_ci_high",
    "n_methods",
    "n_images",
    "spearman_per_image",
    "n_outputs",
    "winner_a",
    "winner_b",
    "same_winner",
)


def scored_metrics(rows: pd.DataFrame) -> list[Metric]:
    """The registered metrics that have a column in the rows, in registry order."""
    return [m for m in all_metrics() if m.name in rows.columns]


def _goodness(rows: pd.DataFrame, metric: Metric, specs: list[str]) -> pd.DataFrame:
    """images x specs of the metric's values, signed so that higher is better."""
    table = rows.pivot_table(index="image_id", columns="spec", values=metric.name, aggfunc="mean")
    table = table.reindex(columns=specs).astype(float)
    return table if metric.higher_is_better else -table


def _tau(a: np.ndarray, b: np.ndarray) -> float:
    """Kendall's tau-b of two method rankings (NaN when either is constant)."""
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(stats.kendalltau(a, b).statistic)


def _tau_ci(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """95% percentile bootstrap CI of tau over images ((images, methods) arrays a, b)."""
    if len(a) < 2 or a.shape[1] < 2:
        return float("nan"), float("nan")

    def statistic(index: np.ndarray) -> float:
        picked = index.astype(int)
        return _tau(a[picked].mean(axis=0), b[picked].mean(axis=0))

    with warnings.catch_warnings():  # a constant resample is a NaN draw, dropped below
        warnings.simplefilter("ignore")
        result = stats.bootstrap(
            (np.arange(len(a)),),
            statistic,
            n_resamples=N_BOOT,
            vectorized=False,
            method="percentile",
            rng=np.random.default_rng(BOOT_SEED),
        )
    draws = np.asarray(result.bootstrap_distribution, dtype=np.float64)
    draws = draws[np.isfinite(draws)]
    if not len(draws):
        return float("nan"), float("nan")
    low, high = np.quantile(draws, [0.025, 0.975])
    return float(low), float(high)


def _winner(goodness: pd.DataFrame) -> str:
    means = goodness.mean(axis=0, skipna=True).dropna()
    return str(means.idxmax()) if len(means) else ""


def metric_agreement(rows: pd.DataFrame, specs: list[str] | None = None) -> pd.DataFrame:
    """One row per pair of scored metrics (COLUMNS), from per_image rows with status 'ok'."""
    ok = rows[rows["status"] == "ok"] if "status" in rows.columns else rows
    specs = specs or list(dict.fromkeys(ok["spec"].astype(str)))
    specs = [s for s in specs if s in set(ok["spec"].astype(str))]
    metrics = scored_metrics(ok)
    tables = {m.name: _goodness(ok, m, specs) for m in metrics}
    out = []
    for first, second in itertools.combinations(metrics, 2):
        ta, tb = tables[first.name], tables[second.name]
        common = ta.index.intersection(tb.index)
        a, b = ta.loc[common].to_numpy(), tb.loc[common].to_numpy()
        complete = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
        a, b = a[complete], b[complete]
        va = ok[first.name].astype(float) * (1 if first.higher_is_better else -1)
        vb = ok[second.name].astype(float) * (1 if second.higher_is_better else -1)
        both = np.isfinite(va) & np.isfinite(vb)
        spearman = float("nan")
        if both.sum() >= 3 and va[both].nunique() > 1 and vb[both].nunique() > 1:
            spearman = float(stats.spearmanr(va[both], vb[both]).statistic)
        low, high = _tau_ci(a, b)
        winner_a, winner_b = _winner(ta), _winner(tb)
        out.append(
            {
                "metric_a": first.name,
                "metric_b": second.name,
                "kendall_tau": _tau(a.mean(axis=0), b.mean(axis=0)) if len(a) else np.nan,
                "tau_ci_low": low,
                "tau_ci_high": high,
                "n_methods": len(specs),
                "n_images": len(a),
                "spearman_per_image": spearman,
                "n_outputs": int(both.sum()),
                "winner_a": winner_a,
                "winner_b": winner_b,
                "same_winner": bool(winner_a and winner_a == winner_b),
            }
        )
    return pd.DataFrame(out, columns=list(COLUMNS))


def agreement_sentence(agreement: pd.DataFrame) -> str:
    """One sentence: which metrics disagree about the winner (or that all agree)."""
    if agreement.empty:
        return ""
    winners: dict[str, str] = {}
    for _, row in agreement.iterrows():
        winners.setdefault(str(row["metric_a"]), str(row["winner_a"]))
        winners.setdefault(str(row["metric_b"]), str(row["winner_b"]))
    by_winner: dict[str, list[str]] = {}
    for metric, winner in winners.items():
        by_winner.setdefault(winner or "none", []).append(metric)
    if len(by_winner) == 1:
        (winner,) = by_winner
        return f"Metric agreement: all {len(winners)} metrics rank {winner} best."
    parts = [
        f"{', '.join(names)} {'ranks' if len(names) == 1 else 'rank'} {winner} best"
        for winner, names in sorted(by_winner.items(), key=lambda kv: -len(kv[1]))
    ]
    return (
        "Metric agreement: the metrics disagree about the winner: "
        + "; ".join(parts)
        + " (metric_agreement.csv: Kendall's tau between their method rankings)."
    )


def agreement_figure(agreement: pd.DataFrame, path: Path) -> Path | None:
    """Heat map: Kendall's tau of the method rankings (upper) and per-image Spearman (lower)."""
    if agreement.empty:
        return None
    names = list(dict.fromkeys([*agreement["metric_a"], *agreement["metric_b"]]))
    index = {n: i for i, n in enumerate(names)}
    grid = np.full((len(names), len(names)), np.nan)
    np.fill_diagonal(grid, 1.0)
    for _, row in agreement.iterrows():
        i, j = index[row["metric_a"]], index[row["metric_b"]]
        grid[i, j] = row["kendall_tau"]
        grid[j, i] = row["spearman_per_image"]
    size = 1.0 + 0.55 * len(names)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(grid, cmap="RdBu", vmin=-1, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i, j in itertools.product(range(len(names)), repeat=2):
        if i != j and np.isfinite(grid[i, j]):
            ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=7)
    ax.set_title(
        "Metric agreement: Kendall tau of method rankings (above the diagonal),\n"
        "Spearman over output images (below); both direction-adjusted",
        fontsize=9,
    )
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
