"""`benchmark check` and `benchmark compare`: is a run (or a variant) better or worse, with statistics.

Quality (PSNR, SSIM, optionally CIEDE2000) is compared per method spec on the same images:
per-image differences (candidate - baseline), their mean with a seeded 95% paired bootstrap CI
(images resampled), a Wilcoxon signed-rank p-value, and Holm's correction over every test of one
check. A verdict is "better"/"worse" only when the CI lies entirely beyond the minimum effect in
that direction and the Holm-adjusted p-value is below alpha; otherwise "no significant change".

Which images: two runs are compared only when their data set fingerprints and splits agree
(else the check refuses, exit 2). Per spec, the statistics use the images both runs scored ok,
so a candidate run with a smaller --limit is compared on its own images. Images a run failed on
are left out and listed; a candidate failing on an image the baseline scored, or giving up on a
spec the baseline finished (status "skipped" or "not scored"), is a regression of its own
("errors"/"status" rows with verdict "worse").

Speed: latency is compared as the ratio of medians (candidate / baseline) only between runs on
the same device name and resolution, with a Mann-Whitney U test on the stored per-repeat
latencies (methods.csv column latency_repeats_ms); "worse" when the ratio exceeds the minimum
effect (x1.10) and the adjusted p is below alpha, "better" below its inverse. The Holm family
holds the latency tests too.
`--rerun-baseline-latency` instead times both specs now, in this process, interleaved; it uses
the code checked out now for both, so it sees cost differences of specs, not of code changes.

Exit status: 1 if any verdict is "worse", 0 otherwise, 2 for a usage problem.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from methods import MethodError

from .errors import CheckError
from .report.table_formats import to_markdown
from .run.profiling import split_repeats_ms
from .run.store import RunStore
from .stats import (
    BOOT_SEED,
    N_BOOT,
    holm_adjust,
    mann_whitney_p,
    paired_bootstrap_ci,
    ratio_of_medians_ci,
    wilcoxon_p,
)

QUALITY_METRICS = ("psnr", "ssim", "ciede2000")
METRICS = (*QUALITY_METRICS, "latency")
DEFAULT_METRICS = ("psnr", "ssim", "latency")
HIGHER_IS_BETTER = {"psnr": True, "ssim": True, "ciede2000": False, "latency": False}
DEFAULT_MIN_EFFECT = {"psnr": 0.05, "ssim": 0.002, "ciede2000": 0.1, "latency": 1.10}
DIGITS = {"psnr": 2, "ssim": 4, "ciede2000": 3}
UNITS = {"psnr": " dB", "ssim": "", "ciede2000": ""}
BETTER, WORSE, SAME = "better", "worse", "no significant change"
NOT_COMPARABLE = "not comparable"
RERUN_MIN_ROUNDS = 10
RERUN_MAX_ROUNDS = 40


@dataclass
class CheckOptions:
    """How to test: which metrics, the level, the smallest effects that count."""

    metrics: tuple[str, ...] = DEFAULT_METRICS
    alpha: float = 0.05
    min_effect: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIN_EFFECT))
    n_boot: int = N_BOOT
    seed: int = BOOT_SEED
    figures: bool = True
    rerun_latency: bool = False
    latency_budget_s: float = 3.0
    device: str = "auto"


@dataclass
class Comparison:
    """One tested quantity of one spec: values, effect with CI, p-values, verdict."""

    spec: str
    metric: str
    n: int
    baseline: float | str  # str only for the status row
    candidate: float | str
    difference: float  # mean paired difference; for latency the ratio of medians
    ci_low: float = math.nan
    ci_high: float = math.nan
    p: float = math.nan
    p_holm: float = math.nan
    verdict: str = ""
    note: str = ""
    diffs: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (NaN becomes null)."""
        keys = ("spec", "metric", "n", "baseline", "candidate", "difference")
        out: dict[str, Any] = {k: _json_value(getattr(self, k)) for k in keys}
        for key in ("ci_low", "ci_high", "p", "p_holm", "verdict", "note"):
            out[key] = _json_value(getattr(self, key))
        out["higher_is_better"] = HIGHER_IS_BETTER.get(self.metric)
        return out


@dataclass
class CheckResult:
    """Every comparison of one check, with the notes a reader needs to trust it."""

    title: str
    facts: list[str]
    comparisons: list[Comparison]
    notes: list[str]
    options: CheckOptions
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def worse(self) -> bool:
        return any(c.verdict == WORSE for c in self.comparisons)

    def exit_code(self) -> int:
        """1 when anything got worse, else 0."""
        return 1 if self.worse else 0


# --- runs ------------------------------------------------------------------------------------
@dataclass
class RunData:
    """A run folder read once: manifest, per-image rows, method rows."""

    root: Path
    manifest: dict[str, Any]
    rows: pd.DataFrame
    methods: pd.DataFrame

    @property
    def name(self) -> str:
        return str(self.manifest.get("run_id") or self.root.name)

    def specs(self) -> list[str]:
        """Specs in the run: the manifest's order, then any others found in the rows."""
        found = [*self.manifest.get("specs", []), *self.rows["spec"], *self.methods["spec"]]
        return list(dict.fromkeys(str(s) for s in found))

    def spec_rows(self, spec: str) -> pd.DataFrame:
        """Per-image rows of one spec, indexed by image id."""
        rows = self.rows[self.rows["spec"] == spec]
        return rows.set_index("image_id", drop=False)

    def method_row(self, spec: str) -> dict[str, Any] | None:
        rows = self.methods[self.methods["spec"] == spec]
        return None if rows.empty else rows.iloc[-1].to_dict()

    def device_name(self, spec: str) -> str:
        """The device the spec was profiled on (methods.csv, else the manifest's)."""
        row = self.method_row(spec) or {}
        name = row.get("device_name")
        if isinstance(name, str) and name:
            return name
        return str(self.manifest.get("environment", {}).get("device_name", "unknown device"))

    def weights_sha(self, spec: str) -> str | None:
        return (self.manifest.get("weights") or {}).get(spec)


def load_run(path: str | Path, role: str = "run") -> RunData:
    """Read a run folder; a path that is not one is a CheckError naming it."""
    store = RunStore(Path(path))
    if not store.exists():
        raise CheckError(f"{role} {path} is not a run folder (no manifest.json inside)")
    rows = store.per_image()
    rows["spec"] = rows["spec"].astype(str)
    rows["image_id"] = rows["image_id"].astype(str)
    methods_frame = store.methods()
    methods_frame["spec"] = methods_frame["spec"].astype(str)
    return RunData(store.root, store.read_manifest(), rows, methods_frame)


def check_same_data(candidate: RunData, baseline: RunData) -> None:
    """Refuse runs made on different data sets or splits: their images are not the same."""
    for key, what in (("dataset_fingerprint", "data set fingerprints"), ("split", "splits")):
        cand, base = candidate.manifest.get(key), baseline.manifest.get(key)
        if cand != base:
            raise CheckError(
                f"cannot compare: different {what} (candidate {_short(cand)} vs baseline "
                f"{_short(base)}); rerun the candidate on the baseline's data and split"
            )


# --- pairing images --------------------------------------------------------------------------
@dataclass
class Pairing:
    """Images scored ok by both sides, in one order, and what was left out."""

    ids: list[str]
    candidate: pd.DataFrame
    baseline: pd.DataFrame
    notes: list[str]
    new_errors: list[str]
    old_errors: list[str]
    shared: int


def pair_images(
    cand: pd.DataFrame, base: pd.DataFrame, names: tuple[str, str] = ("candidate", "baseline")
) -> Pairing:
    """Pair two sides' rows on image id; list images left out and why."""
    cand_ok = set(cand.index[cand["status"] == "ok"])
    base_ok = set(base.index[base["status"] == "ok"])
    base_ids = set(base.index)
    shared = [i for i in cand.index if i in base_ids]
    ids = sorted(i for i in shared if i in cand_ok and i in base_ok)
    new_errors = sorted(i for i in shared if i not in cand_ok and i in base_ok)
    old_errors = sorted(i for i in shared if i in cand_ok and i not in base_ok)
    both_failed = [i for i in shared if i not in cand_ok and i not in base_ok]
    c_name, b_name = names
    notes = []
    only_base = len(base_ids - set(cand.index))
    only_cand = len(set(cand.index) - base_ids)
    if only_base:
        hint = " (e.g. a smaller --limit)" if b_name == "baseline" else ""
        notes.append(f"{only_base} image(s) only in the {b_name}{hint}: left out")
    if only_cand:
        notes.append(f"{only_cand} image(s) only in the {c_name}: left out")
    if new_errors:
        notes.append(
            f"{len(new_errors)} image(s) failed in the {c_name} but not in the {b_name} "
            f"(e.g. {new_errors[0]}): left out of the statistics, counted as a regression"
        )
    if old_errors:
        notes.append(f"{len(old_errors)} image(s) failed in the {b_name} only: left out")
    if both_failed:
        notes.append(f"{len(both_failed)} image(s) failed in both: left out")
    return Pairing(ids, cand.loc[ids], base.loc[ids], notes, new_errors, old_errors, len(shared))


# --- statistics per quantity -----------------------------------------------------------------
def quality_comparison(
    spec: str, metric: str, candidate: np.ndarray, baseline: np.ndarray, options: CheckOptions
) -> Comparison:
    """Paired difference of one metric: mean, bootstrap CI, Wilcoxon p (not yet adjusted)."""
    cand = np.asarray(candidate, dtype=np.float64)
    base = np.asarray(baseline, dtype=np.float64)
    keep = np.isfinite(cand) & np.isfinite(base)
    cand, base = cand[keep], base[keep]
    mean, low, high = paired_bootstrap_ci(cand, base, n_boot=options.n_boot, seed=options.seed)
    diffs = cand - base
    return Comparison(
        spec=spec,
        metric=metric,
        n=int(diffs.size),
        baseline=float(base.mean()) if base.size else math.nan,
        candidate=float(cand.mean()) if cand.size else math.nan,
        difference=mean,
        ci_low=low,
        ci_high=high,
        p=wilcoxon_p(diffs),
        diffs=diffs,
    )


def errors_comparison(spec: str, pairing: Pairing) -> Comparison | None:
    """Images failed on one side only; new failures are a regression (not a statistical test)."""
    if not pairing.new_errors and not pairing.old_errors:
        return None
    new, old = len(pairing.new_errors), len(pairing.old_errors)
    verdict = WORSE if new else BETTER
    return Comparison(spec, "errors", pairing.shared, old, new, new - old, verdict=verdict)


def status_comparison(spec: str, cand: RunData, base: RunData) -> Comparison | None:
    """A spec the baseline finished but the candidate skipped, did not score, or could not profile.

    Such a spec's unscored images have no rows, so pairing alone would see a smaller image set (or
    none) and pass silently; it is a regression.
    """
    c_row, b_row = cand.method_row(spec) or {}, base.method_row(spec) or {}
    c_status, b_status = str(c_row.get("status", "")), str(b_row.get("status", ""))
    gave_up = c_status in ("skipped", "not scored") or (
        c_status == "failed" and cand.spec_rows(spec).empty
    )
    if b_status != "done" or not gave_up:
        return None
    reason = c_row.get("reason")
    note = f"candidate {c_status}: {reason}" if isinstance(reason, str) and reason else ""
    return Comparison(spec, "status", 0, b_status, c_status, math.nan, verdict=WORSE, note=note)


def latency_comparison(
    spec: str,
    candidate: np.ndarray,
    baseline: np.ndarray,
    medians: tuple[float, float] | None = None,
    options: CheckOptions | None = None,
) -> Comparison:
    """Ratio of median latencies with a bootstrap CI and a Mann-Whitney U p on the repeats.

    Without repeats (runs made before they were stored) the stored medians give the ratio and
    no test is made, so the verdict cannot be "worse".
    """
    options = options or CheckOptions()
    cand = np.asarray(candidate, dtype=np.float64)
    base = np.asarray(baseline, dtype=np.float64)
    if cand.size and base.size:
        ratio, low, high = ratio_of_medians_ci(cand, base, n_boot=options.n_boot, seed=options.seed)
        return Comparison(
            spec,
            "latency",
            int(min(cand.size, base.size)),
            float(np.median(base)),
            float(np.median(cand)),
            ratio,
            low,
            high,
            p=mann_whitney_p(cand, base),
        )
    return _not_comparable(
        spec,
        medians if medians else (math.nan, math.nan),
        "no per-repeat latencies",
        "a run made before methods.csv stored latency_repeats_ms: ratio of medians not tested",
    )


def stored_latency(
    spec: str, cand: RunData, base: RunData, options: CheckOptions
) -> Comparison | None:
    """Latency of a spec in two stored runs, compared only on the same device and resolution."""
    return _compare_stored_rows(
        spec,
        (cand.method_row(spec), cand.device_name(spec)),
        (base.method_row(spec), base.device_name(spec)),
        options,
    )


def _compare_stored_rows(
    spec: str,
    new: tuple[dict[str, Any] | None, str],
    ref: tuple[dict[str, Any] | None, str],
    options: CheckOptions,
) -> Comparison | None:
    """Stored latency repeats of `new` against `ref` ((methods.csv row, device name) each)."""
    (n_row, n_dev), (r_row, r_dev) = new, ref
    if not n_row or not r_row:
        return None
    if not (_finite(n_row.get("latency_median_ms")) and _finite(r_row.get("latency_median_ms"))):
        return None
    medians = (float(n_row["latency_median_ms"]), float(r_row["latency_median_ms"]))
    if n_dev != r_dev:
        return _not_comparable(spec, medians, "different devices", f"{n_dev} vs {r_dev}")
    n_size, r_size = _eval_size(n_row), _eval_size(r_row)
    if n_size != r_size:
        return _not_comparable(spec, medians, "different resolutions", f"{n_size} vs {r_size}")
    return latency_comparison(
        spec,
        split_repeats_ms(n_row.get("latency_repeats_ms")),
        split_repeats_ms(r_row.get("latency_repeats_ms")),
        medians,
        options,
    )


def _not_comparable(spec: str, medians: tuple[float, float], why: str, detail: str) -> Comparison:
    c_med, b_med = medians
    return Comparison(
        spec,
        "latency",
        0,
        b_med,
        c_med,
        c_med / b_med if b_med else math.nan,
        verdict=f"{NOT_COMPARABLE}: {why}",
        note=detail,
    )


def _eval_size(row: dict[str, Any]) -> str:
    height, width = row.get("eval_height"), row.get("eval_width")
    if not _finite(height) or not _finite(width):
        return "unknown size"
    return f"{int(float(height))}x{int(float(width))}"


# --- re-measured latency ---------------------------------------------------------------------
def remeasure_latency(
    spec_cand: str,
    spec_base: str,
    height: int,
    width: int,
    device: str = "auto",
    budget_s: float = 3.0,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Time two specs now, interleaved round by round (ABBA order), on one input.

    Alternating the order in every round spreads drift (clocks, other load) evenly over both.
    Weights are not loaded: a spec's architecture fixes its cost, not its weight values.
    Returns the candidate's and the baseline's repeats in ms and the device name.
    """
    import torch

    import methods

    from .environment import device_name
    from .run.profiling import measure_latency

    dev = methods.resolve_device(device)
    cand = methods.get_method(spec_cand, device=dev, use_shipped=False)
    base = methods.get_method(spec_base, device=dev, use_shipped=False)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(1, 3, height, width, generator=gen).to(dev)
    pair = (cand, base)
    for method in pair:  # warm-up
        measure_latency(method, x, warmup=2, min_repeats=1, max_repeats=1, budget_s=math.inf)
    times: tuple[list[float], list[float]] = ([], [])
    start = time.perf_counter()
    for round_ in range(RERUN_MAX_ROUNDS):
        order = (0, 1) if round_ % 2 == 0 else (1, 0)
        for index in order:
            once = measure_latency(pair[index], x, 0, 1, 1, budget_s=math.inf)
            times[index].append(once[0] * 1000.0)
        if round_ + 1 >= RERUN_MIN_ROUNDS and time.perf_counter() - start > budget_s:
            break
    return np.asarray(times[0]), np.asarray(times[1]), device_name(dev)


def rerun_latency(
    spec: str, spec_base: str, size: tuple[int, int], options: CheckOptions
) -> Comparison:
    """A latency comparison from timings made now, in this process."""
    try:
        cand, base, where = remeasure_latency(
            spec, spec_base, size[0], size[1], options.device, options.latency_budget_s
        )
    except MethodError:
        raise  # a bad device or spec: the user's to fix (one line, exit 2)
    except Exception as exc:  # a method that breaks while timing must not sink the check
        why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return _not_comparable(spec, (math.nan, math.nan), "re-measuring failed", why)
    comparison = latency_comparison(spec, cand, base, options=options)
    comparison.note = f"re-measured now on {where} at {size[0]}x{size[1]}, {cand.size} rounds"
    return comparison


def _rerun_size(spec: str, *runs_and_specs: tuple[RunData, str]) -> tuple[int, int] | None:
    """The evaluated resolution to time at: the first side that recorded one."""
    for run, which in runs_and_specs:
        row = run.method_row(which) or {}
        if _finite(row.get("eval_height")) and _finite(row.get("eval_width")):
            return int(float(row["eval_height"])), int(float(row["eval_width"]))
    return None


# --- verdicts ----------------------------------------------------------------------------------
def judge(comparison: Comparison, alpha: float, min_effect: float) -> str:
    """The verdict of one comparison from its CI (or ratio) and its Holm-adjusted p-value."""
    if not comparison.p_holm < alpha:  # also catches NaN: untested means no claim
        return SAME
    if comparison.metric == "latency":
        if comparison.difference > min_effect:
            return WORSE
        return BETTER if comparison.difference < 1.0 / min_effect else SAME
    sign = 1.0 if HIGHER_IS_BETTER[comparison.metric] else -1.0
    low, high = sorted((sign * comparison.ci_low, sign * comparison.ci_high))
    if low > min_effect:
        return BETTER
    return WORSE if high < -min_effect else SAME


def assign_verdicts(comparisons: Sequence[Comparison], options: CheckOptions) -> None:
    """Holm-adjust every p-value of the check together, then judge each comparison."""
    adjusted = holm_adjust(np.asarray([c.p for c in comparisons], dtype=np.float64))
    for comparison, p_holm in zip(comparisons, adjusted, strict=True):
        comparison.p_holm = float(p_holm)
        if not comparison.verdict:
            effect = options.min_effect.get(comparison.metric, 0.0)
            comparison.verdict = judge(comparison, options.alpha, effect)


# --- the two commands' logic -------------------------------------------------------------------
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
    if not pairing.ids:
        if options_quality(options):
            notes.append(f"{label}: no image scored ok on both sides: quality not compared")
    else:
        for metric in options_quality(options):
            cand_values = pairing.candidate[metric].astype(float).to_numpy()
            base_values = pairing.baseline[metric].astype(float).to_numpy()
            comparisons.append(quality_comparison(label, metric, cand_values, base_values, options))
    errors = errors_comparison(label, pairing)
    if errors is not None:
        comparisons.append(errors)
    return comparisons, notes


def options_quality(options: CheckOptions) -> list[str]:
    """The quality metrics asked for, in a fixed order."""
    return [m for m in QUALITY_METRICS if m in options.metrics]


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
    for spec in common:
        found, spec_notes = compare_pair(spec, cand.spec_rows(spec), base.spec_rows(spec), options)
        comparisons += found
        notes += spec_notes
        status = status_comparison(spec, cand, base)
        comparisons += [status] if status else []
        if "latency" in options.metrics:
            latency = _latency_for(spec, cand, base, options)
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
        f"{_short(cand.manifest.get('dataset_fingerprint'))}",
    ]
    meta = {
        "candidate": str(cand.root),
        "baseline": str(base.root),
        "dataset_fingerprint": cand.manifest.get("dataset_fingerprint"),
        "split": cand.manifest.get("split"),
    }
    title = f"Regression check: {cand.name} against baseline {base.name}"
    return CheckResult(title, facts, comparisons, notes, options, meta)


def _latency_for(
    spec: str, cand: RunData, base: RunData, options: CheckOptions
) -> Comparison | None:
    if not options.rerun_latency:
        return stored_latency(spec, cand, base, options)
    size = _rerun_size(spec, (cand, spec), (base, spec))
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
    spec_a, spec_b = (_resolve_spec(s, specs, run.root) for s in (spec_a, spec_b))
    if spec_a == spec_b:
        raise CheckError(f"SPEC_A and SPEC_B are the same spec ({spec_a}): nothing to compare")
    label = f"{spec_b} vs {spec_a}"
    comparisons, notes = compare_pair(
        label, run.spec_rows(spec_b), run.spec_rows(spec_a), options, (spec_b, spec_a)
    )
    if "latency" in options.metrics:
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
        size = _rerun_size(spec_b, (run, spec_b), (run, spec_a))
        if size is None:
            return None
        comparison = rerun_latency(spec_b, spec_a, size, options)
    else:
        comparison = _stored_pair_latency(run, spec_a, spec_b, options)
    if comparison is not None:
        comparison.spec = label
    return comparison


def _stored_pair_latency(
    run: RunData, spec_a: str, spec_b: str, options: CheckOptions
) -> Comparison | None:
    """Latency of two specs of one run (stored repeats), same device and resolution required."""
    return _compare_stored_rows(
        spec_b,
        (run.method_row(spec_b), run.device_name(spec_b)),
        (run.method_row(spec_a), run.device_name(spec_a)),
        options,
    )


def _resolve_spec(text: str, specs: list[str], root: Path) -> str:
    """The run's spec for `text`, canonicalised when the method is registered."""
    if text in specs:
        return text
    try:
        import methods

        canonical = methods.canonical_spec(text)
    except Exception:  # unknown plugin or bad spec: fall through to the message below
        canonical = text
    if canonical in specs:
        return canonical
    raise CheckError(f"{text!r} is not in run {root} (specs there: {', '.join(specs) or 'none'})")


# --- output --------------------------------------------------------------------------------------
def markdown_table(comparisons: Sequence[Comparison]) -> str:
    """method | metric | baseline | candidate | difference [95% CI] | p (Holm) | verdict."""
    rows = [
        {
            "method": c.spec,
            "metric": c.metric,
            "baseline": _value(c.metric, c.baseline),
            "candidate": _value(c.metric, c.candidate),
            "difference [95% CI]": _difference(c),
            "p (Holm)": _p(c.p_holm),
            "verdict": c.verdict,
        }
        for c in comparisons
    ]
    columns = [
        "method",
        "metric",
        "baseline",
        "candidate",
        "difference [95% CI]",
        "p (Holm)",
        "verdict",
    ]
    return to_markdown(pd.DataFrame(rows, columns=columns))


def render_markdown(result: CheckResult, figures: Sequence[Path] = ()) -> str:
    """The whole report: facts, the table, how to read it, notes, figures."""
    options = result.options
    effects = ", ".join(_effect_text(m, options.min_effect[m]) for m in options.metrics)
    n_tests = sum(np.isfinite(c.p) for c in result.comparisons)
    lines = [f"# {result.title}", ""]
    lines += [f"- {fact}" for fact in result.facts]
    lines += [
        f"- alpha {options.alpha:g}, Holm-corrected over {n_tests} test(s); smallest effects "
        f"that count: {effects}",
        "",
        markdown_table(result.comparisons),
        "Quality: mean per-image difference (candidate - baseline) on the images both scored, "
        "95% paired bootstrap CI, Wilcoxon signed-rank p. Latency: ratio of medians "
        "(candidate / baseline), bootstrap CI, Mann-Whitney U p on the repeats. A verdict needs "
        "the CI (latency: the ratio) beyond the smallest effect and p (Holm) < alpha.",
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


def plot_differences(
    comparisons: Sequence[Comparison], options: CheckOptions, path: Path
) -> Path | None:
    """Histograms of per-image differences of one spec, with mean, 95% CI and min effects."""
    quality = [c for c in comparisons if c.diffs is not None and c.diffs.size]
    if not quality:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(quality), figsize=(4.2 * len(quality), 3.4), squeeze=False)
    for ax, comp in zip(axes[0], quality, strict=True):
        effect = options.min_effect.get(comp.metric, 0.0)
        ax.hist(comp.diffs, bins=min(40, max(8, comp.diffs.size // 5)), color="0.7")
        ax.axvspan(comp.ci_low, comp.ci_high, color="tab:blue", alpha=0.3, label="95% CI")
        ax.axvline(comp.difference, color="tab:blue", label="mean")
        ax.axvline(0.0, color="black", lw=0.8)
        for x in (-effect, effect):
            ax.axvline(x, color="tab:red", ls="--", lw=0.8)
        ax.set_xlabel(f"{comp.metric} difference (candidate - baseline){UNITS[comp.metric]}")
        ax.set_title(f"{comp.metric}: {_difference(comp)}\n{comp.verdict}", fontsize=9)
    axes[0][0].set_ylabel("images")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(quality[0].spec, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_outputs(result: CheckResult, out: Path, stem: str) -> dict[str, Path]:
    """<stem>.md, <stem>.json and figures/diff_<spec>.png under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    figures: list[Path] = []
    if result.options.figures:
        for spec in dict.fromkeys(c.spec for c in result.comparisons):
            mine = [c for c in result.comparisons if c.spec == spec]
            path = out / "figures" / f"diff_{_safe(spec)}.png"
            figures += [p for p in [plot_differences(mine, result.options, path)] if p]
    paths = {"markdown": out / f"{stem}.md", "json": out / f"{stem}.json"}
    paths["markdown"].write_text(render_markdown(result, figures), encoding="utf-8")
    text = json.dumps(result_json(result), indent=2, allow_nan=False, default=str)
    paths["json"].write_text(text + "\n", encoding="utf-8")
    return paths


# --- formatting helpers -----------------------------------------------------------------------
def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _json_value(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _value(metric: str, value: float | str) -> str:
    if isinstance(value, str):
        return value
    if not _finite(value):
        return "–"
    if metric == "latency":
        return f"{value:.2f} ms"
    if metric == "errors":
        return f"{int(value)} failed"
    return f"{value:.{DIGITS[metric]}f}"


def _difference(c: Comparison) -> str:
    if not _finite(c.difference):
        return "–"
    if c.metric == "errors":
        return f"{int(c.difference):+d} image(s)"
    if c.metric == "latency":
        ci = f" [{c.ci_low:.3f}, {c.ci_high:.3f}]" if _finite(c.ci_low) else ""
        return f"×{c.difference:.3f}{ci}"
    d = DIGITS[c.metric]
    ci = f" [{c.ci_low:+.{d}f}, {c.ci_high:+.{d}f}]" if _finite(c.ci_low) else ""
    return f"{c.difference:+.{d}f}{ci}{UNITS[c.metric]}"


def _p(value: float) -> str:
    if not _finite(value):
        return "–"
    return "<0.0001" if value < 1e-4 else f"{value:.4f}"


def _effect_text(metric: str, value: float) -> str:
    return f"latency ×{value:g}" if metric == "latency" else f"{metric} {value:g}{UNITS[metric]}"


def _short(value: Any, limit: int = 24) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _sha(value: str | None) -> str:
    return "none" if not value else value[:12]


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", text)[:120]
