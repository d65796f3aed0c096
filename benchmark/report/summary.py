"""summary.csv: one row per method spec with metric means, 95% bootstrap CIs, cost, paper values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from methods import paper_values, spec_name

from ..csv_cells import read_csv
from ..metrics import all_metrics
from ..metrics.flicker import FRAME_CHANGE_COLUMNS, flicker
from ..run.store import METHOD_FIELDS, TEXT_FIELDS, RunStore
from ..stats import bootstrap_mean_ci
from .improvement import change_columns, improvement_columns, reference_spec


def summarize(store: RunStore) -> pd.DataFrame:
    """One row per method spec: quality means with 95% bootstrap CIs, cost, paper values."""
    methods_frame = store.methods()
    rows_frame = store.per_image()
    order = _spec_order(store, methods_frame)
    scored = [m for m in all_metrics() if m.name in rows_frame.columns]
    reference = reference_spec(methods_frame)
    out: list[dict[str, Any]] = []
    for spec in order:
        info = methods_frame[methods_frame["spec"] == spec]
        row: dict[str, Any] = {f: "" if f in TEXT_FIELDS else np.nan for f in METHOD_FIELDS}
        row["spec"] = spec
        if not info.empty:
            row.update(info.iloc[-1].to_dict())
        mine = rows_frame[rows_frame["spec"] == spec]
        ok = mine[mine["status"] == "ok"]
        row["n_images"] = len(ok)
        row["n_errors"] = int((mine["status"] != "ok").sum())
        for metric in scored:
            mean, low, high = bootstrap_mean_ci(ok[metric.name].astype(float).to_numpy())
            row.update(
                {f"{metric.name}_mean": mean, f"{metric.name}_ci_low": low},
                **{f"{metric.name}_ci_high": high},
            )
        for metric in scored:
            if (
                metric.kind in ("no-reference", "aligned")
                and metric.headline
                and not metric.relative
            ):
                row.update(improvement_columns(rows_frame, spec, metric, reference))
            if metric.kind == "frame-pair":  # structure across frames: change against the input
                row.update(change_columns(rows_frame, spec, metric, reference))
        if set(FRAME_CHANGE_COLUMNS) <= set(ok.columns):
            changes = [ok[c].astype(float).to_numpy() for c in FRAME_CHANGE_COLUMNS]
            row["flicker"] = flicker(*changes)
        paper = paper_values(str(row.get("method") or spec_name(spec)))
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


def load_summary(run_dir: str | Path) -> pd.DataFrame:
    """summary.csv of a run (recomputed from rows when missing)."""
    store = RunStore(Path(run_dir))
    path = store.root / "summary.csv"
    return read_csv(path) if path.exists() else summarize(store)


def manifest_of(run_dir: str | Path) -> dict[str, Any]:
    """The manifest of a run folder."""
    return json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8"))
