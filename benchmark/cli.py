"""Command line: run, list, report, data, convert-weights (and the commands of later modules).

Every error a user can cause prints one line to stderr and exits with status 2; an incomplete
run exits with 1; Ctrl-C exits with 130 and says how to resume.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

import methods
from methods import MethodError

from .ablation import add_ablation
from .check import add_check, add_compare
from .datasets import DatasetError
from .results import RunConflictError
from .training import add_train

USER_ERRORS: tuple[type[BaseException], ...] = (
    MethodError,
    DatasetError,
    RunConflictError,
    FileNotFoundError,
    NotADirectoryError,
    PermissionError,
)


class UsageError(Exception):
    """A bad combination of command-line options."""


def _parse_weights(items: Sequence[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        name, eq, path = item.rpartition("=")  # a variant spec holds '=' itself
        if not eq or not name or not path:
            raise UsageError(f"--weights takes NAME=PATH (e.g. ffanet=ffa.pk), got {item!r}")
        out[methods.canonical_spec(name) if ":" in name else name] = path
    return out


def _data_options(args: argparse.Namespace) -> dict[str, object]:
    options: dict[str, object] = {}
    if getattr(args, "size", None) is not None:
        options["size"] = args.size
    if getattr(args, "seed", None) is not None:
        options["seed"] = args.seed
    return options


def _add_data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default=None, help="paired folder (default: built-in synthetic)")
    parser.add_argument("--size", type=int, default=None, help="synthetic frame size (256)")
    parser.add_argument("--seed", type=int, default=None, help="synthetic generator seed (0)")


# --- run ------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    from .runner import RunConfig, Runner
    from .summary import print_summary

    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    config = RunConfig(
        methods=args.methods,
        data=args.data,
        split=args.split,
        device=args.device,
        limit=args.limit,
        run_id=args.run_id,
        out=Path(args.out),
        batch_size=args.batch_size,
        weights=_parse_weights(args.weights),
        trust_weights=args.trust_weights,
        progress=not args.no_progress,
        data_options=_data_options(args),
        latency_budget_s=args.latency_budget,
        tf32=args.tf32,
    )
    outcome = Runner(config).run()
    print_summary(outcome.run_dir, outcome.problems)
    return 0 if outcome.complete else 1


def add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="score and profile methods on a data set")
    p.add_argument(
        "--methods",
        nargs="+",
        default=["all"],
        help="all, or names/specs: lnet-gie,aodnet 'lnet-gie:rm=[0.25,1.0]'",
    )
    _add_data_args(p)
    p.add_argument("--split", default="test", choices=["test", "train", "all"])
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto")
    p.add_argument("--limit", type=int, default=None, help="only the first N images")
    p.add_argument("--run-id", default=None, help="resume or name a run (default: timestamp)")
    p.add_argument("--out", default="reports", help="reports folder (runs go to OUT/runs/ID)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--weights", nargs="*", metavar="NAME=PATH", help="weights for a method")
    p.add_argument(
        "--trust-weights",
        action="store_true",
        help="allow checkpoints that need full unpickling (can run code!)",
    )
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument(
        "--latency-budget", type=float, default=2.0, help="seconds of latency repeats per method"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument(
        "--tf32",
        action="store_true",
        help="allow TF32 convolutions/matmuls on CUDA (faster; outputs then differ ~1e-3 from FP32)",
    )
    p.set_defaults(func=cmd_run)


# --- list -----------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    from methods.weights import shipped_weights_for

    print(f"{'method':<16}{'kind':<11}{'params':>12}  weights")
    for name in methods.available_methods():
        method = methods.get_method(name, device="cpu", use_shipped=False)
        if method.kind == "classical":
            weights = "n/a (classical)"
        else:
            shipped = shipped_weights_for(method.spec)
            weights = (
                f"shipped: {shipped.name}"
                if shipped
                else (f"none: pass --weights {name}=PATH or train it")
            )
        print(f"{name:<16}{method.kind:<11}{method.num_params:>12,}  {weights}")
    return 0


def add_list(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="methods, kinds, parameters, weights available")
    p.set_defaults(func=cmd_list)


# --- report ---------------------------------------------------------------------------------
def cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report

    run_dir = Path(args.run_dir)
    if not (run_dir / "manifest.json").is_file():
        raise UsageError(f"{run_dir} is not a run folder (no manifest.json inside)")
    paths = build_report(run_dir)
    print(f"report written: {paths['report']}")
    return 0


def add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="regenerate tables and figures from a run's rows")
    p.add_argument("run_dir")
    p.set_defaults(func=cmd_report)


# --- data -----------------------------------------------------------------------------------
def cmd_data(args: argparse.Namespace) -> int:
    import json

    from .datasets import export, open_dataset

    dataset = open_dataset(args.data, **_data_options(args))
    if args.action == "export":
        count = export(
            dataset, args.out, split=args.split, limit=args.limit, overwrite=args.overwrite
        )
        print(f"wrote {count} pairs to {args.out}/hazy and {args.out}/clear")
        return 0
    info = dict(dataset.info())
    info["fingerprint"] = dataset.fingerprint
    problems = dataset.check() if args.check and hasattr(dataset, "check") else []
    if args.check:
        info["problems"] = problems
    print(json.dumps(info, indent=2, default=str))
    return 1 if problems else 0


def add_data(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="export the synthetic data set as PNGs, or describe data")
    p.add_argument("action", choices=["export", "info"])
    _add_data_args(p)
    p.add_argument("--out", default="data/synthetic", help="export folder")
    p.add_argument("--split", default="test", choices=["test", "train", "all"])
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--check", action="store_true", help="info: load every pair and report problems")
    p.set_defaults(func=cmd_data)


# --- convert-weights ------------------------------------------------------------------------
def cmd_convert_weights(args: argparse.Namespace) -> int:
    method = methods.get_method(args.method, device="cpu", weights=args.src, trust_weights=True)
    out = Path(args.dst)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(method.module.state_dict(), out)
    print(f"wrote a safe state_dict for {method.spec} to {out} (loads without --trust-weights)")
    return 0


def add_convert_weights(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "convert-weights",
        help="turn a checkpoint that needs full unpickling into a safe state_dict (trusts SRC)",
    )
    p.add_argument("method", help="method spec, e.g. msbdn-dff")
    p.add_argument("src")
    p.add_argument("dst")
    p.set_defaults(func=cmd_convert_weights)


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_run,
    add_list,
    add_report,
    add_data,
    add_convert_weights,
    add_train,
    add_check,
    add_compare,
    add_ablation,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark",
        description="dehaze-bench: LNet-GIE and dehazing baselines under one protocol",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run a command; user errors become one line and status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UsageError, *USER_ERRORS) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        run_id = getattr(args, "run_id", None)
        hint = f" --run-id {run_id}" if run_id else " the same --run-id (see reports/runs/)"
        print(f"\ninterrupted: rows so far are saved; resume with{hint}", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(text.split()) or type(exc).__name__
