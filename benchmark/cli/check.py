"""`benchmark check`: regression verdicts of a run against a baseline run."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..check import CheckOptions, CheckResult, run_check, run_compare, write_outputs
from ..check.options import (
    DEFAULT_METRICS,
    LATENCY,
    LATENCY_MIN_EFFECT,
    checkable_names,
    default_metrics_for,
    default_min_effects,
    min_effect_text,
)
from ..errors import CheckError
from ..files import safe_name
from ..run.store import RunStore
from .common import device

DEFAULT_BASELINE = "reports/baseline"


def parse_metrics(text: str) -> tuple[str, ...]:
    """'psnr,ssim,latency' -> a validated tuple (order kept, duplicates dropped)."""
    known = checkable_names()
    items = [t.strip().lower() for t in text.split(",") if t.strip()]
    unknown = [t for t in items if t not in known]
    if unknown or not items:
        raise CheckError(
            f"--metrics: unknown {', '.join(unknown) or '(empty)'} (choose from {', '.join(known)})"
        )
    return tuple(dict.fromkeys(items))


def parse_min_effect(text: str | None) -> dict[str, float]:
    """'psnr=0.1,latency=1.2' over the defaults; latency is a ratio (>= 1), others differences."""
    known = checkable_names()
    effects = default_min_effects()
    for item in (t.strip() for t in (text or "").split(",") if t.strip()):
        key, eq, value = item.partition("=")
        key = key.strip().lower()
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not eq or key not in known or not math.isfinite(number) or number < 0:
            raise CheckError(
                f"--min-effect takes METRIC=VALUE,... with METRIC in {', '.join(known)} and "
                f"VALUE >= 0, got {item!r}"
            )
        if key == LATENCY and number < 1:
            raise CheckError(
                f"--min-effect {LATENCY} is a slowdown ratio >= 1 "
                f"(e.g. {LATENCY_MIN_EFFECT:.2f}), got {number}"
            )
        effects[key] = number
    return effects


def _run_defaults(run_dir: str) -> tuple[str, ...]:
    """The metrics checked when --metrics is not given: by the candidate run's metric set."""
    store = RunStore(Path(run_dir))
    names = store.metric_names() if store.exists() else None
    return default_metrics_for([n for n in names or [] if n in checkable_names()])


def options_from_args(args: argparse.Namespace, rerun: bool) -> CheckOptions:
    """CheckOptions from parsed arguments (validated)."""
    if not 0 < args.alpha < 1:
        raise CheckError(f"--alpha must be between 0 and 1, got {args.alpha}")
    if args.latency_budget <= 0:
        raise CheckError("--latency-budget must be positive")
    return CheckOptions(
        metrics=parse_metrics(args.metrics) if args.metrics else _run_defaults(args.run_dir),
        alpha=args.alpha,
        min_effect=parse_min_effect(args.min_effect),
        figures=not args.no_figures,
        rerun_latency=rerun,
        latency_budget_s=args.latency_budget,
        device=args.device,
    )


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--metrics",
        default=None,
        help=f"comma-separated, from {', '.join(checkable_names())} "
        f"(default {','.join(DEFAULT_METRICS)}; on a no-reference run its headline metrics "
        "and latency)",
    )
    p.add_argument("--alpha", type=float, default=0.05, help="family-wise level (Holm)")
    p.add_argument(
        "--min-effect",
        default=None,
        metavar="METRIC=V,...",
        help=f"smallest effects that count (default {min_effect_text(default_min_effects())}; "
        f"{LATENCY} is a ratio)",
    )
    p.add_argument(
        "--latency-budget",
        type=float,
        default=3.0,
        help="seconds of interleaved re-timing per spec (with re-measuring)",
    )
    p.add_argument("--device", type=device, default="auto", help="device for re-measured latency")
    p.add_argument("--out", default=None, help="output folder")
    p.add_argument("--no-figures", action="store_true", help="skip the difference plots")


def _finish(result: CheckResult, out: Path, stem: str) -> int:
    paths = write_outputs(result, out, stem)
    print(paths["markdown"].read_text(encoding="utf-8"), end="")
    print(f"written: {paths['markdown']}, {paths['json']}")
    return result.exit_code()


def cmd_check(args: argparse.Namespace) -> int:
    """Run `check`: verdicts of RUN_DIR against --baseline; exit 1 on a regression."""

    options = options_from_args(args, args.rerun_baseline_latency)
    baseline = args.baseline or DEFAULT_BASELINE
    if args.baseline is None and not Path(baseline).is_dir():
        raise CheckError(
            f"no baseline: --baseline defaults to {DEFAULT_BASELINE}, relative to the current "
            f"folder ({Path.cwd()}), and there is none there; run from the repository root or "
            "pass --baseline RUN_DIR"
        )
    result = run_check(args.run_dir, baseline, options)
    out = Path(args.out) if args.out else Path(args.run_dir) / "check"
    return _finish(result, out, "check")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `check` subcommand."""
    p = sub.add_parser(
        "check",
        help="regression verdicts of a run against a baseline run "
        "(exit 1 when something got worse)",
    )
    p.add_argument("run_dir", help="the candidate run folder")
    p.add_argument(
        "--baseline",
        default=None,
        help=f"baseline run folder (default {DEFAULT_BASELINE}, relative to the current folder)",
    )
    _add_common(p)
    p.add_argument(
        "--rerun-baseline-latency",
        action="store_true",
        help="time both runs' specs now, interleaved, instead of the stored latencies",
    )
    p.set_defaults(func=cmd_check)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run `compare`: SPEC_B against SPEC_A (the reference) within one run."""

    options = options_from_args(args, args.rerun_latency)
    result = run_compare(args.run_dir, args.spec_a, args.spec_b, options)
    name = f"{safe_name(result.meta['candidate'])}__vs__{safe_name(result.meta['reference'])}"
    out = Path(args.out) if args.out else Path(args.run_dir) / "compare" / name
    return _finish(result, out, "compare")


def add_compare_parser(sub: argparse._SubParsersAction) -> None:
    """The `compare` subcommand."""
    p = sub.add_parser(
        "compare",
        help="the check's statistics between two specs of one run (SPEC_A is the reference)",
    )
    p.add_argument("run_dir", help="the run folder holding both specs")
    p.add_argument("spec_a", help="reference spec, e.g. lnet-gie")
    p.add_argument("spec_b", help="candidate spec, e.g. 'lnet-gie:rm=1.0'")
    _add_common(p)
    p.add_argument(
        "--rerun-latency",
        action="store_true",
        help="time both specs now, interleaved, instead of the stored latencies",
    )
    p.set_defaults(func=cmd_compare)
