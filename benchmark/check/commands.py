"""The two commands' logic: `run_check` (a run against a baseline run), `run_compare` (two specs).

Which images: two runs are compared only when their data set fingerprints and splits agree
(else the check refuses, exit 2). Per spec, the statistics use the images both runs scored ok,
so a candidate run with a smaller --limit is compared on its own images. Images a run failed on
are left out and listed; a candidate failing on an image the baseline scored, or giving up on a
spec the baseline finished (status "skipped" or "not scored"), is a regression of its own
("errors"/"status" rows with verdict "worse"). One Holm family holds every test of a check.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..errors import CheckError
from .latency import rerun_latency, rerun_size, stored_latency, stored_side
from .number_text import short
from .options import LATENCY, CheckOptions
from .pairing import pair_images
from .results import CheckResult, Comparison
from .runs import RunData, check_same_data, load_run, metric_model_mismatches, resolve_spec
from .verdicts import assign_verdicts, errors_comparison, quality_comparison, status_comparison


def compare_pair(
    label: str,
    cand: pd.DataFrame,
    base: pd.DataFrame,
    options: CheckOptions,
    names: tuple[str, str] = ("candidate", "baseline"),
) -> tuple[list[Comparison], list[str]]:
    """Quality comparisons (and the errors row) between two sides' rows of one spec."""
    pairing = pair_images(cand, base, names)
    notes = [f"{label}: {note}" for note in pairing.notes]
    comparisons: list[Comparison] = []
    metrics = options.quality_metrics()
    if not pairing.ids:
        if metrics:
            notes.append(f"{label}: no image scored ok on both sides: quality not compared")
    else:
        for metric in metrics:
            missing = [
                name
                for name, side in zip(names, (pairing.candidate, pairing.baseline), strict=True)
                if not _recorded(side, metric)
            ]
            if missing:
                notes.append(f"{label}: {metric} not recorded in the {missing[0]}: not compared")
                continue
            cand_values = pairing.candidate[metric].astype(float).to_numpy()
            base_values = pairing.baseline[metric].astype(float).to_numpy()
            comparisons.append(quality_comparison(label, metric, cand_values, base_values, options))
    errors = errors_comparison(label, pairing)
    if errors is not None:
        comparisons.append(errors)
    return comparisons, notes


def _recorded(rows: pd.DataFrame, metric: str) -> bool:
    """Whether the rows hold values of `metric` (a run may predate or not compute it)."""
    return metric in rows.columns and bool(rows[metric].notna().any())


def run_check(
    candidate_dir: str | Path, baseline_dir: str | Path, options: CheckOptions
) -> CheckResult:
    """Every comparison of a candidate run against a baseline run, verdicts assigned."""
    cand = load_run(candidate_dir, "candidate")
    base = load_run(baseline_dir, "baseline")
    check_same_data(cand, base)
    cand_specs, base_specs = cand.specs(), base.specs()
    common = [s for s in cand_specs if s in set(base_specs)]
    if not common:
        raise CheckError(
            f"nothing to compare: no method spec is in both {cand.root} and {base.root}"
        )
    comparisons: list[Comparison] = []
    notes = _run_notes(cand, base, cand_specs, base_specs)
    mismatched = metric_model_mismatches(cand, base)
    if mismatched:  # e.g. NIQE against two different pristine models: not the same metric
        options = replace(options, metrics=tuple(m for m in options.metrics if m not in mismatched))
        notes += [
            f"{name}: not compared, the runs scored it with different fitted models (baseline "
            f"{_sha(b)}, candidate {_sha(a)})"
            for name, (a, b) in mismatched.items()
        ]
    for spec in common:
        found, spec_notes = compare_pair(spec, cand.spec_rows(spec), base.spec_rows(spec), options)
        comparisons += found
        notes += spec_notes
        status = status_comparison(spec, cand, base)
        comparisons += [status] if status else []
        if LATENCY in options.metrics:
            latency = _check_latency(spec, cand, base, options)
            comparisons += [latency] if latency else []
        if cand.weights_sha(spec) != base.weights_sha(spec):
            notes.append(
                f"{spec}: weights differ (baseline {_sha(base.weights_sha(spec))}, "
                f"candidate {_sha(cand.weights_sha(spec))})"
            )
    if not comparisons:
        raise CheckError("nothing to compare: the runs share no scored images or latencies")
    assign_verdicts(comparisons, options)
    facts = [
        f"candidate: {cand.root} ({cand.manifest.get('n_images', '?')} images)",
        f"baseline: {base.root} ({base.manifest.get('n_images', '?')} images)",
        f"data: {cand.manifest.get('dataset', {}).get('name', '?')}, "
        f"{cand.manifest.get('split', '?')} split, fingerprint "
        f"{short(cand.manifest.get('dataset_fingerprint'))}",
    ]
    meta = {
        "candidate": str(cand.root),
        "baseline": str(base.root),
        "dataset_fingerprint": cand.manifest.get("dataset_fingerprint"),
        "split": cand.manifest.get("split"),
    }
    title = f"Regression check: {cand.name} against baseline {base.name}"
    return CheckResult(title, facts, comparisons, notes, options, meta)


def _check_latency(
    spec: str, cand: RunData, base: RunData, options: CheckOptions
) -> Comparison | None:
    if not options.rerun_latency:
        return stored_latency(spec, stored_side(cand, spec), stored_side(base, spec), options)
    size = rerun_size((cand, spec), (base, spec))
    return rerun_latency(spec, spec, size, options) if size else None


def _run_notes(
    cand: RunData, base: RunData, cand_specs: list[str], base_specs: list[str]
) -> list[str]:
    notes = []
    only_cand = [s for s in cand_specs if s not in set(base_specs)]
    only_base = [s for s in base_specs if s not in set(cand_specs)]
    if only_cand:
        notes.append(f"only in the candidate (not compared): {', '.join(only_cand)}")
    if only_base:
        notes.append(f"only in the baseline (not compared): {', '.join(only_base)}")
    c_commit = cand.manifest.get("environment", {}).get("git_commit")
    b_commit = base.manifest.get("environment", {}).get("git_commit")
    if c_commit != b_commit:
        notes.append(f"code: baseline at commit {b_commit}, candidate at {c_commit}")
    return notes


def run_compare(
    run_dir: str | Path, spec_a: str, spec_b: str, options: CheckOptions
) -> CheckResult:
    """The check's statistics between two specs of one run; spec_a is the reference."""
    run = load_run(run_dir)
    specs = run.specs()
    spec_a, spec_b = (resolve_spec(s, specs, run.root) for s in (spec_a, spec_b))
    if spec_a == spec_b:
        raise CheckError(f"SPEC_A and SPEC_B are the same spec ({spec_a}): nothing to compare")
    label = f"{spec_b} vs {spec_a}"
    comparisons, notes = compare_pair(
        label, run.spec_rows(spec_b), run.spec_rows(spec_a), options, (spec_b, spec_a)
    )
    if LATENCY in options.metrics:
        latency = _compare_latency(run, spec_a, spec_b, label, options)
        comparisons += [latency] if latency else []
    if not comparisons:
        raise CheckError(f"nothing to compare: {spec_a} and {spec_b} share no scored images")
    assign_verdicts(comparisons, options)
    facts = [
        f"run: {run.root} ({run.manifest.get('n_images', '?')} images)",
        f"reference (baseline column): {spec_a}; candidate: {spec_b}",
    ]
    meta = {"run": str(run.root), "reference": spec_a, "candidate": spec_b}
    return CheckResult(
        f"Compare {spec_b} against {spec_a}", facts, comparisons, notes, options, meta
    )


def _compare_latency(
    run: RunData, spec_a: str, spec_b: str, label: str, options: CheckOptions
) -> Comparison | None:
    if options.rerun_latency:
        size = rerun_size((run, spec_b), (run, spec_a))
        if size is None:
            return None
        comparison = rerun_latency(spec_b, spec_a, size, options)
    else:
        comparison = stored_latency(
            spec_b, stored_side(run, spec_b), stored_side(run, spec_a), options
        )
    if comparison is not None:
        comparison.spec = label
    return comparison


def _sha(value: str | None) -> str:
    return "none" if not value else value[:12]
