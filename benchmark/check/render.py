"""A check's result as people and machines read it: the Markdown report, JSON, and writing both."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..files import atomic_write_text, safe_name
from ..report.table_formats import to_markdown
from .comparison_cells import difference_text, effect_text, p_text, value_text
from .figures import plot_differences
from .results import CheckResult, Comparison

COLUMNS = [
    "method",
    "metric",
    "baseline",
    "candidate",
    "difference [95% CI]",
    "p (Holm)",
    "verdict",
]
READING = (
    "Quality: mean per-image difference (candidate - baseline) on the images both scored, "
    "95% paired bootstrap CI, Wilcoxon signed-rank p. Latency: ratio of medians "
    "(candidate / baseline), bootstrap CI, Mann-Whitney U p on the repeats. A verdict needs "
    "the CI (latency: the ratio) beyond the smallest effect and p (Holm) < alpha."
)


def markdown_table(comparisons: Sequence[Comparison]) -> str:
    """method | metric | baseline | candidate | difference [95% CI] | p (Holm) | verdict."""
    rows = [
        {
            "method": c.spec,
            "metric": c.metric,
            "baseline": value_text(c.metric, c.baseline),
            "candidate": value_text(c.metric, c.candidate),
            "difference [95% CI]": difference_text(c),
            "p (Holm)": p_text(c.p_holm),
            "verdict": c.verdict,
        }
        for c in comparisons
    ]
    return to_markdown(pd.DataFrame(rows, columns=COLUMNS))


def render_markdown(result: CheckResult, figures: Sequence[Path] = ()) -> str:
    """The whole report: facts, the table, how to read it, notes, figures."""
    options = result.options
    effects = ", ".join(effect_text(m, options.min_effect[m]) for m in options.metrics)
    n_tests = sum(np.isfinite(c.p) for c in result.comparisons)
    lines = [f"# {result.title}", ""]
    lines += [f"- {fact}" for fact in result.facts]
    lines += [
        f"- alpha {options.alpha:g}, Holm-corrected over {n_tests} test(s); smallest effects "
        f"that count: {effects}",
        "",
        markdown_table(result.comparisons),
        READING,
    ]
    notes = [
        *result.notes,
        *(f"{c.spec} {c.metric}: {c.note}" for c in result.comparisons if c.note),
    ]
    if notes:
        lines += ["", "Notes:", *[f"- {note}" for note in notes]]
    if figures:
        lines += ["", *[f"![{p.stem}]({p.parent.name}/{p.name})" for p in figures]]
    verdict = "REGRESSION: something got worse" if result.worse else "no regression found"
    lines += ["", f"Result: {verdict} (exit {result.exit_code()})."]
    return "\n".join(lines) + "\n"


def result_json(result: CheckResult) -> dict[str, Any]:
    """Everything in the Markdown report, for machines."""
    options = result.options
    return {
        "title": result.title,
        **result.meta,
        "alpha": options.alpha,
        "metrics": list(options.metrics),
        "min_effect": {m: options.min_effect[m] for m in options.metrics},
        "n_boot": options.n_boot,
        "seed": options.seed,
        "comparisons": [c.to_dict() for c in result.comparisons],
        "notes": result.notes,
        "worse": result.worse,
        "exit_code": result.exit_code(),
    }


def write_outputs(result: CheckResult, out: Path, stem: str) -> dict[str, Path]:
    """<stem>.md, <stem>.json and figures/diff_<spec>.png under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    figures: list[Path] = []
    if result.options.figures:
        for spec in dict.fromkeys(c.spec for c in result.comparisons):
            mine = [c for c in result.comparisons if c.spec == spec]
            path = out / "figures" / f"diff_{safe_name(spec)}.png"
            figures += [p for p in [plot_differences(mine, result.options, path)] if p]
    paths = {"markdown": out / f"{stem}.md", "json": out / f"{stem}.json"}
    atomic_write_text(paths["markdown"], render_markdown(result, figures))
    text = json.dumps(result_json(result), indent=2, allow_nan=False, default=str)
    atomic_write_text(paths["json"], text + "\n")
    return paths
