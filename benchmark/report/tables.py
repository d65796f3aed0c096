"""Tables 1 (quality) and 2 (size and cost) of the paper, measured here, with their notes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from methods.core.paper import PAPER_SOURCE
from methods.core.spec import spec_options

from ..metrics import Metric, all_metrics
from .provenance import provenance_cell

PAPER_NOTE = f"† {PAPER_SOURCE}: not the images scored here."


def method_label(row: pd.Series, sep: str = " ") -> str:
    """Display name, with a variant's options in brackets (or on a new line with sep='\\n')."""
    name = str(row.get("display_name") or row["spec"])
    options = spec_options(str(row["spec"]))
    if not options:
        return name
    return f"{name}\n{options}" if sep == "\n" else f"{name} ({options})"


def metric_cell(row: pd.Series, metric: Metric) -> str:
    """A metric's mean, with its 95% CI for headline metrics; '–' when not scored."""
    mean = row.get(f"{metric.name}_mean")
    if mean is None or pd.isna(mean):
        return "–"
    if not metric.headline:
        return _fmt(mean, metric.digits)
    low, high, d = row[f"{metric.name}_ci_low"], row[f"{metric.name}_ci_high"], metric.digits
    return f"{mean:.{d}f} [{low:.{d}f}, {high:.{d}f}]"


def table_metrics(summary: pd.DataFrame) -> list[Metric]:
    """The registered metrics that the summary holds, in registration order."""
    return [m for m in all_metrics() if f"{m.name}_mean" in summary.columns]


def table1(summary: pd.DataFrame) -> pd.DataFrame:
    """Quality: each metric's mean (headline ones with 95% CI), n, and the paper's values."""
    metrics = table_metrics(summary)
    rows = []
    for _, row in summary.iterrows():
        status = str(row.get("status", ""))
        note = "" if status == "done" else f"{status}: {row.get('reason', '')}".strip(": ")
        rows.append(
            {
                "Method": method_label(row),
                **{m.heading: metric_cell(row, m) for m in metrics},
                "n": int(row["n_images"]),
                "Paper PSNR†": _fmt(row["paper_psnr"], 4),
                "Paper SSIM†": _fmt(row["paper_ssim"], 4),
                "Weights": provenance_cell(row),
                "Note": note,
            }
        )
    return pd.DataFrame(rows)


def table2(summary: pd.DataFrame) -> pd.DataFrame:
    """Cost: parameters, weight size, MACs, latency with device, peak memory; paper beside."""
    rows = []
    for _, row in summary.iterrows():
        size = f"{_int(row.get('eval_height'))}x{_int(row.get('eval_width'))}"
        rows.append(
            {
                "Method": method_label(row),
                "Params": _int(row.get("params")),
                "Weights (KB)": _fmt(_div(row.get("file_size_bytes"), 1024), 1),
                f"GMACs @{size}": _fmt(_div(row.get("macs"), 1e9), 4),
                "Latency median (ms)": _fmt(row.get("latency_median_ms"), 2),
                "Latency p90 (ms)": _fmt(row.get("latency_p90_ms"), 2),
                "Peak memory (MB)": _fmt(_div(row.get("peak_memory_bytes"), 2**20), 1),
                "Device": str(row.get("device_name", "")),
                "Paper params†": _int(row.get("paper_params")),
                "Paper memory (KB)†": _int(row.get("paper_memory_kb")),
            }
        )
    return pd.DataFrame(rows)


def _fmt(value: Any, digits: int) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if not np.isfinite(number) else f"{number:.{digits}f}"


def _int(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if not np.isfinite(number) else f"{int(number):,}"


def _div(value: Any, by: float) -> float:
    try:
        return float(value) / by
    except (TypeError, ValueError):
        return float("nan")


def table2_notes(summary: pd.DataFrame) -> list[str]:
    """Footnotes: the paper's source, per-method remarks, how MACs and memory were measured."""
    notes = [PAPER_NOTE]
    for _, row in summary.iterrows():
        if row.get("paper_note"):
            notes.append(f"{method_label(row)}: paper value note — {row['paper_note']}.")
    notes.append(
        "MACs from torch.utils.flop_counter (conv/matmul only; '–' for classical methods). "
        "Latency: batch 1 after warm-up, median/p90 over repeats. Peak memory: CUDA allocator "
        "peak on GPU, peak live tensor storage on CPU."
    )
    return notes
