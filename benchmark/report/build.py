"""Tables 1 and 2, summary.csv, figures and report.md, regenerated from a run's stored rows.

The paper's own numbers (methods/core/paper.py) are shown beside ours in their own columns,
labelled as measured on the paper's data set: context, not a comparison on the same images.
"""

from __future__ import annotations

from pathlib import Path

from ..run.store import RunStore
from .figures import make_figures
from .provenance import OFFICIAL_NOTE, has_official
from .summary import summarize
from .table_formats import to_latex, to_markdown
from .tables import PAPER_NOTE, table1, table2, table2_notes


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
    if has_official(summary.to_dict("records")):
        notes1.append(OFFICIAL_NOTE)
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
