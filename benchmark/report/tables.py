"""Tables 1 (quality) and 2 (size and cost) of the paper, measured here, with their notes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from methods import PAPER_SOURCE, spec_options

from ..metrics import Metric, all_metrics
from .provenance import provenance_cell

PAPER_NOTE = f"† {PAPER_SOURCE}: not the images scored here."
#: the kind of a method not run here (published outputs): its cost is not measured
NOT_RUN_KIND = "outputs"
NOT_MEASURED = "not measured here"


def method_label(row: pd.Series, sep: str = " ") -> str:
    """Display name, with a variant's options in brackets (or on a new line with sep='\\n')."""
    name = str(row.get("display_name") or row["spec"])
    options = spec_options(str(row["spec"]))
    if not options or row.get("kind") == NOT_RUN_KIND:  # published outputs: its label says it
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


def is_no_reference(summary: pd.DataFrame) -> bool:
    """True when the summary holds only no-reference metrics (a run on unpaired data)."""
    metrics = table_metrics(summary)
    return bool(metrics) and all(m.kind != "full-reference" for m in metrics)


def improved_cell(row: pd.Series, metric: Metric) -> str:
    """'62.0 [48.2, 74.1]': % of images better than the input on `metric`, Wilson 95% CI."""
    share = row.get(f"{metric.name}_improved")
    if share is None or pd.isna(share):
        return "–"
    low, high = row[f"{metric.name}_improved_ci_low"], row[f"{metric.name}_improved_ci_high"]
    return f"{share:.0f} [{low:.0f}, {high:.0f}]"


def change_cell(row: pd.Series, metric: Metric) -> str:
    """'-12.3 [-20.1, -4.0]': mean change against the input per frame pair, bootstrap 95% CI."""
    mean = row.get(f"{metric.name}_change")
    if mean is None or pd.isna(mean):
        return "–"
    low, high, d = (
        row[f"{metric.name}_change_ci_low"],
        row[f"{metric.name}_change_ci_high"],
        metric.digits,
    )
    return f"{mean:+.{d}f} [{low:+.{d}f}, {high:+.{d}f}]"


def table1(summary: pd.DataFrame) -> pd.DataFrame:
    """Quality: each metric's mean (headline ones with 95% CI), n, and the paper's values."""
    if is_no_reference(summary):
        return table1_no_reference(summary)
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


def data_notes(report: dict[str, Any]) -> list[str]:
    """Table 1's note on pairs the data set could not provide (n counts valid pairs only)."""
    skipped, unpaired = report.get("skipped") or {}, report.get("unpaired") or []
    notes = []
    if skipped:
        notes.append(
            f"n counts the {report.get('valid')} valid pairs of {report.get('pairs')}: "
            f"{len(skipped)} could not be used (e.g. {next(iter(skipped))}: "
            f"{next(iter(skipped.values()))}); all are listed in manifest.json (data_report)."
        )
    if unpaired:
        notes.append(f"{len(unpaired)} file(s) without a partner were left out.")
    left_out = report.get("left_out") or []
    if left_out:
        notes.append(
            f"{len(left_out)} image file(s) beside the videos were left out (e.g. {left_out[0]}): "
            "a folder holding videos is scored as videos only; listed in manifest.json."
        )
    return notes


FLICKER_HEADING = "Flicker ↓ (1 = adds none)"


def table1_no_reference(summary: pd.DataFrame) -> pd.DataFrame:
    """Table 1 without ground truth: metrics with direction and CI, % of frames improved."""
    metrics = table_metrics(summary)
    shares = [m for m in metrics if f"{m.name}_improved" in summary.columns]
    changes = [m for m in metrics if f"{m.name}_change" in summary.columns]
    has_flicker = "flicker" in summary.columns
    rows = []
    for _, row in summary.iterrows():
        status = str(row.get("status", ""))
        note = "" if status == "done" else f"{status}: {row.get('reason', '')}".strip(": ")
        if row.get("kind") == "reference":
            note = note or "reference: the unprocessed input"
        rows.append(
            {
                "Method": method_label(row),
                **{f"{m.heading} {m.arrow}": metric_cell(row, m) for m in metrics},
                **{
                    f"Improves {m.label} (% of frames) [95% CI]": improved_cell(row, m)
                    for m in shares
                },
                **{f"Δ {m.label} vs input [95% CI]": change_cell(row, m) for m in changes},
                **({FLICKER_HEADING: _fmt(row.get("flicker"), 3)} if has_flicker else {}),
                "n": int(row["n_images"]),
                "Note": note,
            }
        )
    return pd.DataFrame(rows)


def table2(summary: pd.DataFrame) -> pd.DataFrame:
    """Cost: parameters, weight size, MACs, latency, peak memory, backend; the paper beside.

    The device is named once, in the caption (table2_notes); a Device column appears only when
    rows were measured on different devices (e.g. merged runs).
    """
    devices = {str(d) for d in summary.get("device_name", pd.Series(dtype=str)).dropna()}
    rows = []
    for _, row in summary.iterrows():
        size = f"{_int(row.get('eval_height'))}x{_int(row.get('eval_width'))}"
        backend, path = row.get("backend"), row.get("backend_path")
        cells = {
            "Method": method_label(row),
            "Backend": _backend_text(backend, path),
            "Params": _int(row.get("params")),
            "Weights (KB)": _fmt(_div(row.get("file_size_bytes"), 1024), 1),
            f"GMACs @{size}": _fmt(_div(row.get("macs"), 1e9), 4),
            "Latency median (ms)": _fmt(row.get("latency_median_ms"), 2),
            "Latency p90 (ms)": _fmt(row.get("latency_p90_ms"), 2),
            "Peak memory (MB)": _fmt(_div(row.get("peak_memory_bytes"), 2**20), 1),
            "Paper params†": _int(row.get("paper_params")),
            "Paper memory (KB)†": _int(row.get("paper_memory_kb")),
        }
        if row.get("kind") == NOT_RUN_KIND:  # produced elsewhere: nothing here to measure
            cells.update({k: NOT_MEASURED for k in list(cells)[2:8]})
        if len(devices) > 1:
            cells["Device"] = str(row.get("device_name", ""))
        rows.append(cells)
    return pd.DataFrame(rows)


def _backend_text(backend: Any, path: Any) -> str:
    """'auto (fused)' when a backend resolved to another path, the name alone otherwise."""
    if not isinstance(backend, str) or not backend:
        return "–"
    if isinstance(path, str) and path and path != backend:
        return f"{backend} ({path})"
    return backend


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


def table1_notes(summary: pd.DataFrame) -> list[str]:
    """Footnotes of Table 1 (paired: the paper's source; unpaired: how to read the columns)."""
    if not is_no_reference(summary):
        return [PAPER_NOTE, "PSNR/SSIM: mean over images with a 95% percentile bootstrap CI."]
    return [
        "No ground truth: no-reference metrics of each method's 8-bit output; ↑ higher is "
        "better, ↓ lower is better; mean over frames with a 95% percentile bootstrap CI.",
        "Improves: share of frames on which the output scores better than the unprocessed "
        "input on that metric (paired per frame), with a Wilson 95% CI.",
        "contrast_e, contrast_r, saturated compare each output with its own input (Hautiere et "
        "al. 2008); the input row is their neutral point (e = 0, r = 1, 0% saturated).",
        *(
            [
                "ORB/SIFT matches and inlier ratio (video): per consecutive frame pair, keypoints "
                "matched with Lowe's ratio test (0.75) and a RANSAC homography (3 px); Δ vs "
                "input: the mean change against the unprocessed input's value on the same frame "
                "pair (paired bootstrap 95% CI); positive = tracking is easier on the output."
            ]
            if any(m.kind == "frame-pair" for m in table_metrics(summary))
            else []
        ),
        *(
            [
                "Aligned PSNR/SSIM: against the smoke-free --reference-frame after DIS optical "
                "flow alignment, on the pixels the forward-backward check keeps (Aligned pixels: "
                "their share); the reference frame itself is not scored."
            ]
            if any(m.kind == "aligned" for m in table_metrics(summary))
            else []
        ),
        *(
            [
                "Flicker (video): mean absolute change between consecutive output frames over "
                "that of the input frames; 1 = the method adds no flicker."
            ]
            if "flicker" in summary.columns
            else []
        ),
    ]


def metric_model_notes(manifest: dict[str, Any]) -> list[str]:
    """Which parameters scored each parameterised metric (NIQE's model), from the manifest."""
    return [
        f"{name}: scored with the {label}."
        for name, label in sorted((manifest.get("metric_model_names") or {}).items())
    ]


def table2_notes(summary: pd.DataFrame, environment: dict[str, Any] | None = None) -> list[str]:
    """The caption (device, threads, protocol), the paper's source and per-method remarks."""
    env = environment or {}
    devices = sorted({str(d) for d in summary.get("device_name", pd.Series(dtype=str)).dropna()})
    device = "; ".join(devices) or str(env.get("device_name", "?"))
    threads = env.get("torch_threads")
    notes = [
        f"Measured on {device}"
        + (f", {threads} torch threads" if threads else "")
        + (f", torch {env['versions']['torch']}" if env.get("versions", {}).get("torch") else "")
        + ". Latency: batch 1 at the scored resolution after warm-up (CUDA-synchronised on a "
        "GPU), median/p90 over repeats. Backend: the spec's backend and, in brackets, the path it ran "
        "(fused: LNet-GIE's OpenCV kernel on a CPU; '–': a classical method).",
        PAPER_NOTE,
    ]
    for _, row in summary.iterrows():
        if row.get("paper_note"):
            notes.append(f"{method_label(row)}: paper value note — {row['paper_note']}.")
    notes.append(
        "MACs from torch.utils.flop_counter (conv/matmul only; '–' for classical methods). "
        "Peak memory: CUDA allocator peak on GPU, peak live tensor storage on CPU."
    )
    return notes
