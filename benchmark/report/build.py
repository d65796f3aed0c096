"""Tables 1 and 2, summary.csv, figures and report.md, regenerated from a run's stored rows.

The paper's own numbers (methods/core/paper.py) are shown beside ours in their own columns,
labelled as measured on the paper's data set: context, not a comparison on the same images.
"""

from __future__ import annotations

from pathlib import Path

from ..csv_cells import write_csv
from ..run.store import RunStore
from .agreement import agreement_figure, agreement_sentence, metric_agreement
from .deployment import deployment_notes, deployment_table, profile_sizes
from .figures import make_figures, sample_columns
from .html import write_report_html
from .metric_gaps import gap_notes, metric_gaps
from .provenance import OFFICIAL_NOTE, has_official
from .summary import summarize
from .table_formats import to_latex, to_markdown
from .tables import (
    data_notes,
    metric_model_notes,
    table1,
    table1_notes,
    table2,
    table2_notes,
)


def build_report(
    run_dir: str | Path, figures: bool = True, out: str | Path | None = None
) -> dict[str, Path]:
    """Write summary.csv, table1/table2 (.csv, .md, .tex), figures and report.md (to `out`)."""
    store = RunStore(Path(run_dir))
    folder = Path(out) if out is not None else store.root
    folder.mkdir(parents=True, exist_ok=True)
    if not store.exists() and not store.methods_path.exists():
        raise FileNotFoundError(f"{run_dir} is not a run folder (no manifest.json)")
    summary = summarize(store)
    paths: dict[str, Path] = {}
    paths["summary"] = folder / "summary.csv"
    write_csv(summary, paths["summary"])
    t1, t2 = table1(summary), table2(summary)
    notes1 = table1_notes(summary)
    manifest = store.read_manifest() if store.exists() else {}
    notes1 += data_notes(manifest.get("data_report") or {})
    notes1 += gap_notes(metric_gaps(store))
    notes1 += metric_model_notes(manifest)
    agreement = metric_agreement(store.per_image(), list(summary["spec"].astype(str)))
    paths["metric_agreement"] = folder / "metric_agreement.csv"
    write_csv(agreement, paths["metric_agreement"])
    if sentence := agreement_sentence(agreement):
        notes1.append(sentence)
    if has_official(summary.to_dict("records")):
        notes1.append(OFFICIAL_NOTE)
    notes2 = table2_notes(summary, manifest.get("environment", {}))
    if not store.methods_path.is_file():
        notes2.append("methods.csv is missing from the run folder: no size or cost to show")
    for name, frame, caption, notes in (
        ("table1", t1, "Quality on the evaluated split (cf. the paper's Table 1)", notes1),
        ("table2", t2, "Size and cost (cf. the paper's Table 2)", notes2),
    ):
        write_csv(frame, folder / f"{name}.csv")
        (folder / f"{name}.md").write_text(to_markdown(frame, notes), encoding="utf-8")
        (folder / f"{name}.tex").write_text(
            to_latex(frame, caption, f"tab:{name}", notes), encoding="utf-8"
        )
        paths[name] = folder / f"{name}.md"
    methods_rows = store.methods()
    for size in profile_sizes(methods_rows):  # run --profile-size: Table 2 at that resolution
        frame, notes = deployment_table(methods_rows, size), deployment_notes(store, size)
        name = f"table2_{size}"
        write_csv(frame, folder / f"{name}.csv")
        (folder / f"{name}.md").write_text(to_markdown(frame, notes), encoding="utf-8")
        caption = f"Deployment cost at {size} (cf. the paper's Table 2)"
        (folder / f"{name}.tex").write_text(
            to_latex(frame, caption, f"tab:{name}", notes), encoding="utf-8"
        )
        paths[name] = folder / f"{name}.md"
    figure_paths: dict[str, Path] = {}
    if figures:
        figure_paths = make_figures(store, summary, folder / "figures")
        chart = agreement_figure(agreement, folder / "figures" / "metric_agreement.png")
        if chart is not None:
            figure_paths["metric_agreement"] = chart
        paths.update(figure_paths)
    paths["report"] = write_report_md(store, folder, t1, t2, notes1, notes2, figure_paths)
    tables = [("Table 1: quality", t1, notes1), ("Table 2: size and cost", t2, notes2)]
    paths["report_html"] = write_report_html(
        store, folder, tables, figure_paths, sample_columns(store, summary), run_facts(store)
    )
    return paths


def command_text(manifest: dict) -> str:
    """The manifest's command as one line (stored as a list of words or as text)."""
    command = manifest.get("command", [])
    return command if isinstance(command, str) else " ".join(map(str, command))


def run_facts(store: RunStore) -> list[str]:
    """One line each: data, device and command of the run (from its manifest)."""
    manifest = store.read_manifest() if store.exists() else {}
    env = manifest.get("environment", {})
    data = manifest.get("dataset", {})
    return [
        f"Data: {data.get('name', '?')}, {manifest.get('split', '?')} split, "
        f"{manifest.get('n_images', '?')} images (fingerprint "
        f"{str(manifest.get('dataset_fingerprint', ''))[:16]})",
        f"Device: {env.get('device_name', '?')}; torch {env.get('versions', {}).get('torch')}, "
        f"{env.get('torch_threads')} threads; commit {env.get('git_commit')}",
        f"Command: {command_text(manifest)}",
    ]


def write_report_md(store, folder, t1, t2, notes1, notes2, figure_paths) -> Path:
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
        f"- Command: `{command_text(manifest)}`",
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
    path = folder / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
