"""`benchmark check` and `benchmark compare`: is a run (or a variant) better or worse, with statistics.

Quality (every registered image metric asked for) is compared per method spec on the same images:
per-image differences (candidate - baseline), their mean with a seeded 95% paired bootstrap CI
(images resampled), a Wilcoxon signed-rank p-value, and Holm's correction over every test of one
check. Latency is compared as a ratio of medians with a Mann-Whitney U test on the repeats, or
re-timed now, interleaved (`--rerun-baseline-latency`). `ablation` tabulates a spec grid of a run.

Exit status: 1 if any verdict is "worse", 0 otherwise, 2 for a usage problem.
"""

from .commands import compare_pair, run_check, run_compare
from .latency import latency_comparison, remeasure_latency
from .options import DEFAULT_METRICS, LATENCY, CheckOptions, checkable_names, default_min_effects
from .render import render_markdown, result_json, write_outputs
from .results import BETTER, NOT_COMPARABLE, SAME, WORSE, CheckResult, Comparison
from .runs import RunData, load_run

__all__ = [
    "BETTER",
    "DEFAULT_METRICS",
    "LATENCY",
    "NOT_COMPARABLE",
    "SAME",
    "WORSE",
    "CheckOptions",
    "CheckResult",
    "Comparison",
    "RunData",
    "checkable_names",
    "compare_pair",
    "default_min_effects",
    "latency_comparison",
    "load_run",
    "remeasure_latency",
    "render_markdown",
    "result_json",
    "run_check",
    "run_compare",
    "write_outputs",
]
