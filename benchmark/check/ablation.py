"""`benchmark ablation`: one method's spec grid from one run folder, as a table and a figure.

A row per variant (its varying parameters, each metric's mean [95% CI], the paired difference of
the first metric to the reference variant, parameters, MACs, latency), and a heat map of the
first metric when exactly two parameters vary (a line or point plot when one does). The reference
is the method's default spec when the run holds it, else the first variant. The run must hold
the variants, e.g. from
`python -m benchmark run --methods 'lnet-gie:rm=[0.25,0.5,1.0],wm=[0.5,1.0]' --weights SPEC=PATH ...`;
`nox -s ablation` trains LNet-GIE's six variants and runs them (see noxfile.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..csv_cells import write_csv
from ..errors import CheckError
from ..files import atomic_write_text
from ..metrics import Metric, get_metric
from ..report.table_formats import to_markdown
from ..stats import bootstrap_mean_ci, paired_bootstrap_ci
from .ablation_figures import grid_heatmap, grid_plot
from .grid import Grid, find_grid
from .number_text import MISSING, count, finite, fixed, macs, param_text
from .options import DEFAULT_METRICS, quality_metric_names
from .runs import RunData, load_run

COST_COLUMNS = ("params", "macs", "latency_median_ms", "status", "reason")


@dataclass(frozen=True)
class Ablation:
    """A grid, the metrics it is tabulated on (the first one is compared and plotted), its table."""

    grid: Grid
    metrics: tuple[Metric, ...]
    reference: str
    table: pd.DataFrame

    @property
    def primary(self) -> Metric:
        """The metric of the difference column and of the figure."""
        return self.metrics[0]


def ablation_metrics(run: RunData, grid: Grid) -> tuple[Metric, ...]:
    """The check's default image metrics the grid's rows hold, else every registered one they hold."""
    rows = run.rows[run.rows["spec"].isin(grid.specs)]
    held = [n for n in quality_metric_names() if n in rows.columns and rows[n].notna().any()]
    preferred = [n for n in DEFAULT_METRICS if n in held]
    return tuple(get_metric(n) for n in (preferred or held))


def ablation_table(run: RunData, grid: Grid | None = None) -> pd.DataFrame:
    """One row per spec of the grid, sorted by its varying parameters: quality with CIs, cost."""
    return build_table(run, grid or find_grid(run)).table


def build_table(run: RunData, grid: Grid) -> Ablation:
    """The grid's metrics, reference spec and table."""
    metrics = ablation_metrics(run, grid)
    if not metrics:
        raise CheckError(f"{run.root}: its {grid.method} rows hold no registered metric")
    order = [*grid.varying, "spec"]
    keys = pd.DataFrame([{**_varying(grid, spec), "spec": spec} for spec in grid.specs])
    reference = grid.default or str(keys.sort_values(order, kind="stable")["spec"].iloc[0])
    rows = [_row(run, grid, spec, metrics, reference) for spec in grid.specs]
    table = pd.DataFrame(rows).sort_values(order, kind="stable").reset_index(drop=True)
    return Ablation(grid, metrics, reference, table)


def _varying(grid: Grid, spec: str) -> dict[str, Any]:
    return {key: grid.values[spec].get(key) for key in grid.varying}


def _row(
    run: RunData, grid: Grid, spec: str, metrics: tuple[Metric, ...], reference: str
) -> dict[str, Any]:
    rows = run.spec_rows(spec)
    ok = rows[rows["status"] == "ok"]
    info = run.method_row(spec) or {}
    row: dict[str, Any] = {"spec": spec}
    row.update(_varying(grid, spec))
    row["n_images"] = len(ok)
    for metric in metrics:
        mean, low, high = bootstrap_mean_ci(ok[metric.name].astype(float).to_numpy())
        name = metric.name
        row.update({f"{name}_mean": mean, f"{name}_ci_low": low, f"{name}_ci_high": high})
    row.update(_delta_to_reference(run, spec, ok, metrics[0].name, reference))
    for key in COST_COLUMNS:
        row[key] = info.get(key, math.nan)
    return row


def _delta_to_reference(
    run: RunData, spec: str, ok: pd.DataFrame, metric: str, reference: str
) -> dict[str, float]:
    """Paired difference of `metric` to the reference variant on the images both scored."""
    keys = (f"d{metric}", f"d{metric}_ci_low", f"d{metric}_ci_high")
    if spec == reference:
        return dict.fromkeys(keys, math.nan)
    ref = run.spec_rows(reference)
    ref = ref[ref["status"] == "ok"]
    ids = sorted(set(ok.index) & set(ref.index))
    if not ids:
        return dict.fromkeys(keys, math.nan)
    values = paired_bootstrap_ci(
        ok.loc[ids, metric].astype(float).to_numpy(), ref.loc[ids, metric].astype(float).to_numpy()
    )
    return dict(zip(keys, values, strict=True))


def display_table(ablation: Ablation) -> pd.DataFrame:
    """The table as people read it: formatted CIs, MACs in a readable unit, latency in ms."""
    grid, primary = ablation.grid, ablation.primary
    delta = f"Δ{primary.label} vs {_reference_word(ablation)} [95% CI]"
    rows = []
    for _, row in ablation.table.iterrows():
        shown: dict[str, Any] = {key: param_text(row[key]) for key in grid.varying}
        shown.update({"spec": row["spec"], "images": int(row["n_images"])})
        for metric in ablation.metrics:
            shown[_ci_heading(metric)] = _ci(row, metric.name, metric.digits)
            if metric is primary:
                shown[delta] = _ci(row, f"d{metric.name}", metric.digits, signed=True)
        shown.update(
            {
                "params": count(row["params"]),
                "MACs": macs(row["macs"]),
                "latency (ms)": fixed(row["latency_median_ms"], 2),
            }
        )
        rows.append(shown)
    return pd.DataFrame(rows)


def ablation_notes(ablation: Ablation, figure_note: str = "") -> list[str]:
    """How to read the table, variants that were not scored, and why there is no figure."""
    grid, primary = ablation.grid, ablation.primary
    values = grid.values[ablation.reference]
    where = ", ".join(
        [ablation.reference, *(f"{k}={param_text(values.get(k))}" for k in grid.varying)]
    )
    notes = [
        f"- {'/'.join(m.label for m in ablation.metrics)}: mean over images, 95% percentile "
        f"bootstrap CI. Δ{primary.label}: paired per-image difference to the "
        f"{_reference_word(ablation)} ({where}) on the images both scored.",
        "- MACs at the evaluated resolution (torch.utils.flop_counter); latency: batch-1 median.",
    ]
    table = ablation.table
    for _, row in table[table["n_images"] == 0].iterrows():
        reason = row.get("reason")
        why = reason if isinstance(reason, str) and reason else "no per-image rows"
        notes.append(f"- {row['spec']}: not scored ({why})")
    if figure_note:
        notes.append(f"- {figure_note}")
    return notes


def build_ablation(
    run_dir: str | Path, out: str | Path | None = None, method: str | None = None
) -> dict[str, Path]:
    """Write ablation.csv, ablation.md and a figure for one method's spec grid in a run."""
    run = load_run(run_dir)
    ablation = build_table(run, find_grid(run, method))
    grid, label = ablation.grid, ablation.primary.label
    folder = Path(out) if out else run.root / "ablation"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"csv": folder / "ablation.csv", "markdown": folder / "ablation.md"}
    write_csv(ablation.table, paths["csv"])
    figure_line, figure_note = "", ""
    if len(grid.varying) in (1, 2):
        kind = "heatmap" if len(grid.varying) == 2 else "plot"
        paths[kind] = folder / f"ablation_{kind}.png"
        over = " x ".join(grid.varying)
        title = f"{grid.display_name} ablation: {label} over {over} ({run.name})"
        draw = grid_heatmap if kind == "heatmap" else grid_plot
        draw(ablation.table, grid, ablation.primary, paths[kind], title)
        figure_line = f"\n![{label} over {over}]({paths[kind].name})\n"
    else:
        figure_note = (
            f"no figure: {len(grid.varying)} parameters vary "
            "(a heat map needs two, a line plot one)"
        )
    text = f"# {grid.display_name} ablation: {run.name}\n\n"
    text += to_markdown(display_table(ablation), ablation_notes(ablation, figure_note))
    atomic_write_text(paths["markdown"], text + figure_line)
    return paths


def _reference_word(ablation: Ablation) -> str:
    return "default" if ablation.reference == ablation.grid.default else "reference"


def _ci_heading(metric: Metric) -> str:
    unit = f" ({metric.unit})" if metric.unit else ""
    return f"{metric.label}{unit} [95% CI]"


def _ci(row: pd.Series, name: str, digits: int, signed: bool = False) -> str:
    mean = row[f"{name}_mean"] if f"{name}_mean" in row else row[name]
    if not finite(mean):
        return MISSING
    sign = "+" if signed else ""
    low, high = row[f"{name}_ci_low"], row[f"{name}_ci_high"]
    return f"{mean:{sign}.{digits}f} [{low:{sign}.{digits}f}, {high:{sign}.{digits}f}]"
