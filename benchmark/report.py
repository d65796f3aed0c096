"""Tables 1 and 2, summary.csv, figures and report.md, regenerated from a run's stored rows.

The paper's own numbers (methods/paper.py) are shown beside ours in their own columns, labelled
as measured on the paper's data set: they are context, not a comparison on the same images.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from methods.core.paper import PAPER_SOURCE, paper_values

from .results import RunStore
from .stats import bootstrap_mean_ci
from .tables import to_latex, to_markdown

QUALITY = ("psnr", "ssim", "ciede2000")
PAPER_NOTE = f"† {PAPER_SOURCE}: not the images scored here."


def summarize(store: RunStore) -> pd.DataFrame:
    """One row per method spec: quality means with 95% bootstrap CIs, cost, paper values."""
    methods_frame = store.methods()
    rows_frame = store.per_image()
    order = _spec_order(store, methods_frame)
    out: list[dict[str, Any]] = []
    for spec in order:
        info = methods_frame[methods_frame["spec"] == spec]
        row: dict[str, Any] = {"spec": spec}
        if not info.empty:
            row.update(info.iloc[-1].to_dict())
        mine = rows_frame[rows_frame["spec"] == spec]
        ok = mine[mine["status"] == "ok"]
        row["n_images"] = len(ok)
        row["n_errors"] = int((mine["status"] != "ok").sum())
        for metric in QUALITY:
            mean, low, high = bootstrap_mean_ci(ok[metric].astype(float).to_numpy())
            row[f"{metric}_mean"], row[f"{metric}_ci_low"], row[f"{metric}_ci_high"] = (
                mean,
                low,
                high,
            )
        paper = paper_values(str(row.get("method", spec.split(":")[0])))
        row["paper_psnr"] = paper.psnr if paper else np.nan
        row["paper_ssim"] = paper.ssim if paper else np.nan
        row["paper_params"] = paper.params if paper else np.nan
        row["paper_memory_kb"] = paper.memory_kb if paper else np.nan
        row["paper_note"] = paper.note if paper else ""
        out.append(row)
    return pd.DataFrame(out)


def _spec_order(store: RunStore, methods_frame: pd.DataFrame) -> list[str]:
    if store.exists():
        specs = list(store.read_manifest().get("specs", []))
        if specs:
            return specs
    return list(dict.fromkeys(methods_frame["spec"].astype(str)))


def _label(row: pd.Series) -> str:
    name = str(row.get("display_name") or row["spec"])
    spec = str(row["spec"])
    return name if ":" not in spec else f"{name} ({spec.split(':', 1)[1]})"


def _ci(row: pd.Series, metric: str, digits: int) -> str:
    mean = row[f"{metric}_mean"]
    if pd.isna(mean):
        return "–"
    low, high = row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def table1(summary: pd.DataFrame) -> pd.DataFrame:
    """Quality: PSNR/SSIM mean [95% CI], CIEDE2000, n, and the paper's values beside them."""
    rows = []
    for _, row in summary.iterrows():
        status = str(row.get("status", ""))
        note = "" if status == "done" else f"{status}: {row.get('reason', '')}".strip(": ")
        rows.append(
            {
                "Method": _label(row),
                "PSNR (dB) [95% CI]": _ci(row, "psnr", 2),
                "SSIM [95% CI]": _ci(row, "ssim", 4),
                "CIEDE2000": _fmt(row["ciede2000_mean"], 2),
                "n": int(row["n_images"]),
                "Paper PSNR†": _fmt(row["paper_psnr"], 4),
                "Paper SSIM†": _fmt(row["paper_ssim"], 4),
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
                "Method": _label(row),
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
            notes.append(f"{_label(row)}: paper value note — {row['paper_note']}.")
    notes.append(
        "MACs from torch.utils.flop_counter (conv/matmul only; '–' for classical methods). "
        "Latency: batch 1 after warm-up, median/p90 over repeats. Peak memory: CUDA allocator "
        "peak on GPU, peak live tensor storage on CPU."
    )
    return notes


def build_report(run_dir: str | Path, figures: bool = True) -> dict[str, Path]:
    """Write summary.csv, table1/table2 (.csv, .md, .tex), figures and report.md."""
    store = RunStore(Path(run_dir))
    if not store.exists() and not store.methods_path.exists():
        raise FileNotFoundError(f"{run_dir} is not a run folder (no manifest.json)")
    summary = summarize(store)
    paths: dict[str, Path] = {}
    paths["summary"] = store.root / "summary.csv"
    summary.to_csv(paths["summary"], index=False)
    t1, t2 = table1(summary), table2(summary)
    notes1 = [PAPER_NOTE, "PSNR/SSIM: mean over images with a 95% percentile bootstrap CI."]
    notes2 = table2_notes(summary)
    for name, frame, caption, notes in (
        ("table1", t1, "Quality on the evaluated split (cf. the paper's Table 1)", notes1),
        ("table2", t2, "Size and cost (cf. the paper's Table 2)", notes2),
    ):
        frame.to_csv(store.root / f"{name}.csv", index=False)
        (store.root / f"{name}.md").write_text(to_markdown(frame, notes), encoding="utf-8")
        (store.root / f"{name}.tex").write_text(
            to_latex(frame, caption, f"tab:{name}", notes), encoding="utf-8"
        )
        paths[name] = store.root / f"{name}.md"
    figure_paths: dict[str, Path] = {}
    if figures:
        from .figures import make_figures

        figure_paths = make_figures(store, summary)
        paths.update(figure_paths)
    paths["report"] = write_report_md(store, t1, t2, notes1, notes2, figure_paths)
    return paths


def write_report_md(store, t1, t2, notes1, notes2, figure_paths) -> Path:
    """report.md: run facts, both tables, and the figures embedded."""
    manifest = store.read_manifest() if store.exists() else {}
    env = manifest.get("environment", {})
    data = manifest.get("dataset", {})
    lines = [
        f"# dehaze-bench report: {store.root.name}",
        "",
        f"- Data: {data.get('name', '?')}, {manifest.get('split', '?')} split, "
        f"{manifest.get('n_images', '?')} images (fingerprint "
        f"`{str(manifest.get('dataset_fingerprint', ''))[:16]}`)",
        f"- Device: {env.get('device_name', '?')}; torch {env.get('versions', {}).get('torch')}, "
        f"{env.get('torch_threads')} threads; commit `{env.get('git_commit')}`",
        f"- Command: `{' '.join(manifest.get('command', []))}`",
        "",
        "## Table 1: quality",
        "",
        to_markdown(t1, notes1),
        "## Table 2: size and cost",
        "",
        to_markdown(t2, notes2),
    ]
    if figure_paths:
        lines += ["## Figures", ""]
        for key, path in figure_paths.items():
            lines += [f"### {key.replace('_', ' ')}", "", f"![{key}](figures/{path.name})", ""]
    path = store.root / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_summary(run_dir: str | Path) -> pd.DataFrame:
    """summary.csv of a run (recomputed from rows when missing)."""
    store = RunStore(Path(run_dir))
    path = store.root / "summary.csv"
    return pd.read_csv(path) if path.exists() else summarize(store)


def manifest_of(run_dir: str | Path) -> dict[str, Any]:
    """The manifest of a run folder."""
    return json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8"))
