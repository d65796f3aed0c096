"""Difference figures of a check: per-image difference histograms with mean, CI and min effects."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..metrics import get_metric
from ..plotting import plt
from .comparison_cells import difference_text
from .options import CheckOptions
from .results import Comparison

FIGURE_DPI = 110


def plot_differences(
    comparisons: Sequence[Comparison], options: CheckOptions, path: Path
) -> Path | None:
    """Histograms of per-image differences of one spec, with mean, 95% CI and min effects."""
    quality = [c for c in comparisons if c.diffs is not None and c.diffs.size]
    if not quality:
        return None
    fig, axes = plt.subplots(1, len(quality), figsize=(4.2 * len(quality), 3.4), squeeze=False)
    for ax, comp in zip(axes[0], quality, strict=True):
        effect = options.min_effect.get(comp.metric, 0.0)
        ax.hist(comp.diffs, bins=_bins(comp.diffs), color="0.7")
        ax.axvspan(comp.ci_low, comp.ci_high, color="tab:blue", alpha=0.3, label="95% CI")
        ax.axvline(comp.difference, color="tab:blue", label="mean")
        ax.axvline(0.0, color="black", lw=0.8)
        for x in (-effect, effect):
            ax.axvline(x, color="tab:red", ls="--", lw=0.8)
        unit = get_metric(comp.metric).unit_suffix
        ax.set_xlabel(f"{comp.metric} difference (candidate - baseline){unit}")
        ax.set_title(f"{comp.metric}: {difference_text(comp)}\n{comp.verdict}", fontsize=9)
    axes[0][0].set_ylabel("images")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(quality[0].spec, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=FIGURE_DPI)
    plt.close(fig)
    return path


def _bins(diffs: np.ndarray) -> np.ndarray | int:
    """Up to 40 bins; one bin when the values are equal up to rounding (no finer edges exist)."""
    wanted = min(40, max(8, diffs.size // 5))
    try:
        return np.histogram_bin_edges(diffs, bins=wanted)
    except ValueError:
        return 1
