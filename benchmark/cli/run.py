"""`benchmark run`: score and profile methods on a data set into a resumable run folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from ..report import print_summary
from ..run.api import execute, plan_run
from .common import (
    add_data_args,
    add_threads_arg,
    data_options,
    device,
    metric_list,
    positive_float,
    positive_int,
    profile_size,
    run_id,
)
from .scheduler import check_local_workers, check_reachable, scheduler


def command_line() -> list[str]:
    """The command as a user would retype it: `python -m benchmark ...`, not this file's path."""
    if sys.argv and Path(sys.argv[0]).name == "__main__.py":
        return ["python", "-m", "benchmark", *sys.argv[1:]]
    return list(sys.argv)


def all_lowercase(item: str) -> str:
    """A --methods value with 'ALL' (any case) as 'all': method names are case-insensitive too."""
    parts = item.split(",")  # a comma inside [..] splits a spec, which is joined back unchanged
    return ",".join("all" if part.strip().lower() == "all" else part for part in parts)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the configured methods, write the report, print the summary; 1 if incomplete."""
    if args.threads:
        torch.set_num_threads(args.threads)
    data_options(args)  # refuses the old --seed in one line
    check_local_workers(args.scheduler, args.oversubscribe)
    check_reachable(args.scheduler)
    args.methods = [all_lowercase(item) for item in args.methods]
    options = {name: getattr(args, name) for name in RUN_OPTIONS}
    options["metrics"] = [n for names in args.metrics or [] for n in names] or None
    runner = plan_run(
        args.methods,
        args.data,
        command=command_line(),  # not args.command, which is the verb ("run")
        progress=not args.no_progress,
        **options,
    )
    args.resume_hint = f"rows so far are saved; resume with --run-id {runner.store.root.name}"
    result = execute(runner)
    print_summary(result.folder, [*result.data_problems, *result.problems])
    for note in result.notes:
        print(f"note: {note}")
    return result.exit_code


#: `run` options passed to the API under their own names (the API checks them again)
RUN_OPTIONS = (
    "split",
    "device",
    "limit",
    "run_id",
    "out",
    "batch_size",
    "weights",
    "trust_weights",
    "metric_params",
    "latency_budget",
    "profile_sizes",
    "scheduler",
    "wait",
    "tf32",
    "size",
    "data_seed",
    "stride",
    "max_frames",
    "reference_frame",
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `run` subcommand."""
    p = sub.add_parser("run", help="score and profile methods on a data set")
    p.add_argument(
        "--methods",
        nargs="+",
        default=["all"],
        help="all, or names/specs: lnet-gie,aodnet 'lnet-gie:rm=[0.25,1.0]'",
    )
    add_data_args(p)
    p.add_argument("--split", default="test", choices=["test", "train", "all"], help="which split")
    p.add_argument("--device", type=device, default="auto", help="cpu, cuda, cuda:N or auto")
    p.add_argument("--limit", type=positive_int, default=None, help="only the first N images")
    p.add_argument(
        "--run-id", type=run_id, default=None, help="resume or name a run (default: timestamp)"
    )
    p.add_argument("--out", default="reports", help="reports folder (runs go to OUT/runs/ID)")
    p.add_argument(
        "--batch-size", type=positive_int, default=8, help="images per forward pass (default 8)"
    )
    p.add_argument(
        "--weights",
        nargs="+",
        action="extend",
        metavar="NAME=PATH",
        help="weights for a method or spec (repeatable: --weights a=X --weights b=Y)",
    )
    p.add_argument(
        "--trust-weights",
        action="store_true",
        help="allow checkpoints that need full unpickling (can run code!)",
    )
    p.add_argument(
        "--metrics",
        type=metric_list,
        nargs="+",
        default=None,
        metavar="NAMES",
        help="metrics to compute, e.g. psnr,ssim,piqe (default: full-reference on paired "
        "data, the no-reference set on data without ground truth)",
    )
    p.add_argument(
        "--metric-params",
        nargs="+",
        action="extend",
        metavar="NAME=PATH",
        help="a parameterised metric's file, e.g. niqe=niqe.npz from `metrics fit-niqe` "
        "(repeatable; adds the metric to the default set)",
    )
    add_threads_arg(p)
    p.add_argument(
        "--latency-budget",
        type=positive_float,
        default=2.0,
        help="seconds of latency repeats per method (default 2)",
    )
    p.add_argument(
        "--profile-size",
        dest="profile_sizes",
        type=profile_size,
        action="append",
        default=[],
        metavar="HxW",
        help="also profile every method at this resolution, e.g. 1080x1920 (repeatable)",
    )
    p.add_argument(
        "--scheduler",
        type=scheduler,
        default=None,
        help="score on Dask: local:N (N worker processes here) or tcp://HOST:PORT (a running "
        "cluster); needs the distributed extra",
    )
    p.add_argument(
        "--oversubscribe",
        action="store_true",
        help="let --scheduler local:N start more worker processes than this machine has cores",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument(
        "--wait",
        action="store_true",
        help="if another process is writing this run folder, wait for it instead of refusing",
    )
    p.add_argument(
        "--tf32",
        action="store_true",
        help="allow TF32 convolutions/matmuls on CUDA (faster; outputs then differ ~1e-3 from FP32)",
    )
    p.set_defaults(func=cmd_run)
