"""`benchmark ablation`: LNet-GIE's resolution x width multiplier grid from one run folder.

A table (rm, wm, PSNR mean [95% CI], the paired PSNR difference to the default variant, SSIM,
parameters, MACs, latency) and a heat map of PSNR over rm x wm annotated with parameters and
MACs. The run must hold the variants, e.g. from
`python -m benchmark run --methods 'lnet-gie:rm=[0.25,0.5,1.0],wm=[0.5,1.0]' --weights SPEC=PATH ...`;
`nox -s ablation` trains the six variants and runs them (see noxfile.py).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import methods
from methods.core.spec import spec_name

from .check import RunData, load_run
from .errors import CheckError
from .report.table_formats import to_markdown
from .stats import bootstrap_mean_ci, paired_bootstrap_ci

METHOD = "lnet-gie"
DEFAULT_SPEC = METHOD  # rm=0.5, wm=0.5: the canonical spec of the defaults has no parameters


def variant_values(spec: str, manifest: dict[str, Any]) -> tuple[float, float]:
    """(rm, wm) of an lnet-gie spec: the manifest's recorded values, else parsed from the spec."""
    values = (manifest.get("methods", {}).get(spec) or {}).get("values") or {}
    if "rm" in values and "wm" in values:
        return float(values["rm"]), float(values["wm"])
    parsed = methods.parse_spec(spec)
    return float(parsed.values["rm"]), float(parsed.values["wm"])


def lnet_specs(run: RunData) -> list[str]:
    """The run's lnet-gie specs (the default and every variant)."""
    return [s for s in run.specs() if spec_name(s) == METHOD]


def ablation_table(run: RunData) -> pd.DataFrame:
    """One row per lnet-gie spec, sorted by (rm, wm): quality with CIs and cost."""
    rows = [_variant_row(run, spec) for spec in lnet_specs(run)]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["rm", "wm", "spec"], kind="stable").reset_index(drop=True)


def _variant_row(run: RunData, spec: str) -> dict[str, Any]:
    rm, wm = variant_values(spec, run.manifest)
    rows = run.spec_rows(spec)
    ok = rows[rows["status"] == "ok"]
    info = run.method_row(spec) or {}
    row: dict[str, Any] = {"spec": spec, "rm": rm, "wm": wm, "n_images": len(ok)}
    for metric in ("psnr", "ssim"):
        mean, low, high = bootstrap_mean_ci(ok[metric].astype(float).to_numpy())
        row.update({f"{metric}_mean": mean, f"{metric}_ci_low": low, f"{metric}_ci_high": high})
    row.update(_delta_to_default(run, spec, ok))
    for key in ("params", "macs", "latency_median_ms", "status", "reason"):
        row[key] = info.get(key, math.nan)
    return row


def _delta_to_default(run: RunData, spec: str, ok: pd.DataFrame) -> dict[str, float]:
    """Paired PSNR difference to the default variant on the images both scored."""
    keys = ("dpsnr", "dpsnr_ci_low", "dpsnr_ci_high")
    if spec == DEFAULT_SPEC or DEFAULT_SPEC not in run.specs():
        return dict.fromkeys(keys, math.nan)
    ref = run.spec_rows(DEFAULT_SPEC)
    ref = ref[ref["status"] == "ok"]
    ids = sorted(set(ok.index) & set(ref.index))
    if not ids:
        return dict.fromkeys(keys, math.nan)
    values = paired_bootstrap_ci(
        ok.loc[ids, "psnr"].astype(float).to_numpy(), ref.loc[ids, "psnr"].astype(float).to_numpy()
    )
    return dict(zip(keys, values, strict=True))


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as people read it: formatted CIs, MACs in millions, latency in ms."""
    rows = []
    for _, row in table.iterrows():
        rows.append(
            {
                "rm": f"{row['rm']:g}",
                "wm": f"{row['wm']:g}",
                "spec": row["spec"],
                "images": int(row["n_images"]),
                "PSNR (dB) [95% CI]": _ci(row, "psnr", 2),
                "ΔPSNR vs default [95% CI]": _ci(row, "dpsnr", 2, signed=True),
                "SSIM [95% CI]": _ci(row, "ssim", 4),
                "params": _count(row["params"]),
                "MACs": _macs(row["macs"]),
                "latency (ms)": _number(row["latency_median_ms"], 2),
            }
        )
    return pd.DataFrame(rows)


def ablation_notes(table: pd.DataFrame) -> list[str]:
    """Variants that were not scored, and how to get them scored."""
    notes = [
        "- PSNR/SSIM: mean over images, 95% percentile bootstrap CI. ΔPSNR: paired per-image "
        f"difference to the default ({DEFAULT_SPEC}, rm=0.5, wm=0.5) on the images both scored.",
        "- MACs at the evaluated resolution (torch.utils.flop_counter); latency: batch-1 median.",
    ]
    for _, row in table[table["n_images"] == 0].iterrows():
        reason = row.get("reason")
        why = reason if isinstance(reason, str) and reason else "no per-image rows"
        notes.append(f"- {row['spec']}: not scored ({why})")
    return notes


def heatmap(table: pd.DataFrame, path: Path, title: str) -> Path:
    """PSNR over rm (rows) x wm (columns), each cell annotated with PSNR, params and MACs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rms = sorted(table["rm"].unique())
    wms = sorted(table["wm"].unique())
    grid = np.full((len(rms), len(wms)), np.nan)
    labels = [["not in run"] * len(wms) for _ in rms]
    for _, row in table.drop_duplicates(["rm", "wm"]).iterrows():
        i, j = rms.index(row["rm"]), wms.index(row["wm"])
        grid[i, j] = row["psnr_mean"]
        psnr = f"{row['psnr_mean']:.2f} dB" if math.isfinite(row["psnr_mean"]) else "not scored"
        labels[i][j] = f"{psnr}\n{_count(row['params'])} params\n{_macs(row['macs'])} MACs"
    fig, ax = plt.subplots(figsize=(1.9 * len(wms) + 2.2, 1.2 * len(rms) + 1.6))
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.85")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, aspect="auto")
    finite = grid[np.isfinite(grid)]
    middle = float(finite.mean()) if finite.size else 0.0
    for i in range(len(rms)):
        for j in range(len(wms)):
            dark = math.isfinite(grid[i, j]) and grid[i, j] < middle
            ax.text(
                j,
                i,
                labels[i][j],
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "black",
            )
    ax.set_xticks(range(len(wms)), [f"{w:g}" for w in wms])
    ax.set_yticks(range(len(rms)), [f"{r:g}" for r in rms])
    ax.set_xlabel("width multiplier wm")
    ax.set_ylabel("resolution multiplier rm")
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, label="PSNR (dB)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def build_ablation(run_dir: str | Path, out: str | Path | None = None) -> dict[str, Path]:
    """Write ablation.csv, ablation.md and ablation_heatmap.png for a run's lnet-gie specs."""
    run = load_run(run_dir)
    table = ablation_table(run)
    if table.empty:
        raise CheckError(
            f"{run.root} holds no {METHOD} specs: run e.g. --methods "
            f"'{METHOD}:rm=[0.25,0.5,1.0],wm=[0.5,1.0]' first"
        )
    folder = Path(out) if out else run.root / "ablation"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": folder / "ablation.csv",
        "markdown": folder / "ablation.md",
        "heatmap": folder / "ablation_heatmap.png",
    }
    table.to_csv(paths["csv"], index=False)
    heatmap(table, paths["heatmap"], f"LNet-GIE ablation: PSNR over rm x wm ({run.name})")
    text = f"# LNet-GIE ablation: {run.name}\n\n"
    text += to_markdown(display_table(table), ablation_notes(table))
    text += f"\n![PSNR over rm x wm]({paths['heatmap'].name})\n"
    paths["markdown"].write_text(text, encoding="utf-8")
    return paths


def _ci(row: pd.Series, metric: str, digits: int, signed: bool = False) -> str:
    mean = row[f"{metric}_mean"] if f"{metric}_mean" in row else row[metric]
    if not _finite(mean):
        return "–"
    sign = "+" if signed else ""
    low, high = row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
    return f"{mean:{sign}.{digits}f} [{low:{sign}.{digits}f}, {high:{sign}.{digits}f}]"


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _number(value: Any, digits: int) -> str:
    return f"{float(value):.{digits}f}" if _finite(value) else "–"


def _count(value: Any) -> str:
    return f"{int(float(value)):,}" if _finite(value) else "–"


def _macs(value: Any) -> str:
    """MACs in a readable unit (K, M, G)."""
    if not _finite(value):
        return "–"
    number = float(value)
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if number >= scale:
            return f"{number / scale:.3g} {unit}"
    return f"{number:.3g}"
