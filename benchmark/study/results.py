"""`study results`: the readers' ranking, agreement and metric agreement as tables and figures.

Writes results.md and results.csv (the method ranking) plus results_metrics.csv,
results_raters.csv, win_rate.csv and figures/ into the study folder, and a section for the run's
report.html (reader_studies/<study>.html in the run folder, picked up by the report).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..files import atomic_write_text
from ..report.table_formats import to_markdown
from .agreement import krippendorff_alpha, metric_table, self_consistency
from .design import REFERENCE
from .figures import agreement_figure, score_figure, win_rate_figure
from .source import StudyError
from .stats import N_BOOT, bt_table, mos_table, win_rates
from .store import StudyStore

SECTIONS_FOLDER = "reader_studies"  # in the run folder: one HTML fragment per study


@dataclass
class StudyResults:
    """Everything `results` reports about one study."""

    name: str
    meta: dict
    votes: int
    ranking: pd.DataFrame
    metrics: pd.DataFrame
    raters: pd.DataFrame
    alpha: float
    win_rate: pd.DataFrame | None = None
    figures: dict[str, Path] = field(default_factory=dict)

    @property
    def simulated(self) -> bool:
        """True when the votes came from `study simulate`, not from people."""
        return bool(self.meta.get("simulated"))


def analyse(folder: str | Path, n_boot: int = N_BOOT, seed: int = 0) -> StudyResults:
    """All statistics of the study in `folder` (a StudyError when it has no votes yet)."""
    store = StudyStore(folder)
    meta = store.meta()
    votes = store.votes_frame()
    if votes.empty:
        raise StudyError(f"study {folder} has no votes yet: serve it and let the raters vote")
    specs, design = list(meta["specs"]), meta["design"]
    values = {(r["spec"], r["image_id"]): r for r in meta["metric_values"]}
    win_rate = None
    if design == "pairs":
        ranking, matrix = bt_table(votes, specs, n_boot, seed)
        readers = dict(zip(ranking["spec"], ranking["bt_score"], strict=True))
        win_rate = pd.DataFrame(win_rates(matrix), index=specs, columns=specs)
    else:
        ranking = mos_table(votes, specs, REFERENCE, n_boot, seed)
        ranking["spec"] = ranking["spec"].replace(REFERENCE, "input (hidden reference)")
        readers = dict(zip(ranking["spec"], ranking["mos"], strict=True))
    metrics = metric_table(votes, specs, design, readers, values, meta["metrics"], n_boot, seed)
    raters = rater_table(votes, design)
    alpha = krippendorff_alpha(votes, specs, design)
    return StudyResults(
        Path(folder).name, meta, len(votes), ranking, metrics, raters, alpha, win_rate
    )


def rater_table(votes: pd.DataFrame, design: str) -> pd.DataFrame:
    """Per rater: votes, median seconds per item, and self-consistency on repeats."""
    base = votes.groupby("rater").agg(
        votes=("vote_id", "size"), median_seconds=("seconds", "median")
    )
    if design == "pairs":
        base["equal_share"] = votes.groupby("rater")["choice"].apply(
            lambda c: (c == "equal").mean()
        )
    consistency = self_consistency(votes, design)
    if consistency.empty:
        return base.reset_index()
    return base.reset_index().merge(consistency, on="rater", how="left")


def headline(results: StudyResults) -> list[str]:
    """The notes printed under the tables: what was measured, how, and whether it is simulated."""
    meta = results.meta
    notes = []
    if results.simulated:
        sim = meta["simulated"]
        notes.append(
            f"SIMULATED study: the votes come from `study simulate` (noise {sim.get('noise')}, "
            f"quality like {sim.get('like') or 'a planted ranking'}), not from people."
        )
    notes.append(
        f"{results.votes} votes by {meta['raters']} raters on {len(meta['inputs'])} inputs of run "
        f"{meta['run_id']} ({meta['design']} design, about {meta['repeat_share']:.0%} repeats)."
    )
    if meta["design"] == "pairs":
        notes.append(
            "Bradley-Terry log-strength (choix; 'about equal' = half a win each); 95% CI: "
            "percentile bootstrap over raters and inputs."
        )
    else:
        notes.append(
            "MOS on the 1-5 ACR scale; DMOS = mean over inputs of MOS(method) - MOS(input) + 5 "
            "(ACR-HR, hidden reference = the unprocessed input); 95% CI: bootstrap over raters "
            "and inputs."
        )
    notes.append(f"Inter-rater agreement, Krippendorff's alpha: {_num(results.alpha, 3)}.")
    return notes


def write_results(results: StudyResults, folder: str | Path) -> dict[str, Path]:
    """results.{md,csv}, results_metrics.csv, results_raters.csv, win_rate.csv and figures."""
    folder = Path(folder)
    figures = folder / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    paths = {"csv": folder / "results.csv", "metrics": folder / "results_metrics.csv"}
    results.ranking.to_csv(paths["csv"], index=False)
    results.metrics.to_csv(paths["metrics"], index=False)
    paths["raters"] = folder / "results_raters.csv"
    results.raters.to_csv(paths["raters"], index=False)
    tag = " (SIMULATED)" if results.simulated else ""
    value = "bt_score" if results.meta["design"] == "pairs" else "mos"
    label = "Bradley-Terry log-strength" if value == "bt_score" else "MOS (1-5)"
    results.figures["scores"] = score_figure(
        results.ranking, value, label, f"Readers' ranking{tag}", figures / "reader_scores.png"
    )
    if results.win_rate is not None:
        paths["win_rate"] = folder / "win_rate.csv"
        results.win_rate.to_csv(paths["win_rate"])
        results.figures["win_rate"] = win_rate_figure(
            results.win_rate.to_numpy(),
            list(results.win_rate.index),
            f"Win rate{tag}",
            figures / "win_rate.png",
        )
    if not results.metrics.empty:
        results.figures["metrics"] = agreement_figure(
            results.metrics, f"Metrics vs readers{tag}", figures / "metric_agreement.png"
        )
    paths.update({f"figure_{k}": v for k, v in results.figures.items()})
    paths["md"] = folder / "results.md"
    atomic_write_text(paths["md"], results_markdown(results))
    return paths


def display_tables(results: StudyResults) -> list[tuple[str, pd.DataFrame]]:
    """The tables as shown (rounded, CIs as text): ranking, win rate, metrics, raters."""
    r = results.ranking
    if results.meta["design"] == "pairs":
        ranking = pd.DataFrame(
            {
                "rank": r["rank"],
                "method": r["spec"],
                "BT score [95% CI]": [
                    _ci(v, lo, hi)
                    for v, lo, hi in zip(r["bt_score"], r["ci_low"], r["ci_high"], strict=True)
                ],
                "wins": r["wins"].map(lambda v: f"{v:g}"),
                "comparisons": r["comparisons"].map(lambda v: f"{v:g}"),
            }
        )
    else:
        ranking = pd.DataFrame(
            {
                "rank": r["rank"],
                "method": r["spec"],
                "MOS [95% CI]": [
                    _ci(v, lo, hi, 2)
                    for v, lo, hi in zip(r["mos"], r["ci_low"], r["ci_high"], strict=True)
                ],
                "DMOS [95% CI]": [
                    _ci(v, lo, hi, 2)
                    for v, lo, hi in zip(
                        r["dmos"], r["dmos_ci_low"], r["dmos_ci_high"], strict=True
                    )
                ],
                "votes": r["votes"],
            }
        )
    tables = [("Readers' ranking", ranking)]
    if results.win_rate is not None:
        wr = results.win_rate.map(lambda v: _num(v, 2)).reset_index(names="wins against →")
        tables.append(("Win rate (row beats column; ties half)", wr))
    m = results.metrics
    if not m.empty:
        tables.append(
            (
                "Metrics against the readers",
                pd.DataFrame(
                    {
                        "metric": m["metric"],
                        "better": m["direction"],
                        "agrees with readers [95% CI]": [
                            _ci(v, lo, hi, 2)
                            for v, lo, hi in zip(
                                m["agreement"], m["ci_low"], m["ci_high"], strict=True
                            )
                        ],
                        "pairs": m["units"],
                        "Kendall tau (ranking)": m["kendall_tau"].map(lambda v: _num(v, 2)),
                    }
                ),
            )
        )
    raters = results.raters.copy()
    for column in raters.columns:
        if raters[column].dtype.kind == "f":
            raters[column] = raters[column].map(lambda v: _num(v, 2))
    tables.append(("Raters (self-consistency on repeated items)", raters))
    return tables


def results_markdown(results: StudyResults) -> str:
    """results.md: the notes, then each table."""
    tag = " (SIMULATED)" if results.simulated else ""
    parts = [f"# Reader study {results.name}{tag}\n", *[f"- {n}" for n in headline(results)], ""]
    for title, frame in display_tables(results):
        parts += [f"## {title}\n", to_markdown(frame)]
    return "\n".join(parts)


def report_section(results: StudyResults) -> str:
    """The run report's HTML section: notes, tables and figures (images inline)."""
    from ..report.html import data_uri

    tag = " (SIMULATED)" if results.simulated else ""
    parts = [
        f"<h2>Reader study: {html.escape(results.name)}{html.escape(tag)}</h2><ul class='notes'>"
    ]
    parts += [f"<li>{html.escape(n)}</li>" for n in headline(results)] + ["</ul>"]
    for title, frame in display_tables(results):
        parts += [
            f"<h3>{html.escape(title)}</h3>",
            frame.to_html(index=False, escape=True, border=0),
        ]
    for key, path in results.figures.items():
        parts.append(f"<figure><img src='{data_uri(path)}' alt='reader study {key}'></figure>")
    return "\n".join(parts) + "\n"


def add_to_report(results: StudyResults) -> Path | None:
    """Write the study's section into its run folder and rebuild the run's report.html there."""
    from ..report.build import build_report

    run = Path(results.meta["run"])
    if not (run / "manifest.json").is_file():
        return None
    section = run / SECTIONS_FOLDER / f"{results.name}.html"
    section.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(section, report_section(results))
    return build_report(run)["report_html"]


def _num(value: float, digits: int) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _ci(value: float, low: float, high: float, digits: int = 2) -> str:
    return f"{_num(value, digits)} [{_num(low, digits)}, {_num(high, digits)}]"
