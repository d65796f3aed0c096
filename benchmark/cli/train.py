"""`benchmark train`: train a neural method (the paper's protocol by default)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from methods import NeuralMethod, method_class, parse_spec

from ..errors import TrainingError
from ..options import parse_pairs
from ..train import TrainConfig, compare_init, train
from ..train.config import recipe_overrides, replace_config
from ..train.timing import time_train_steps
from ..train.train_all import train_all
from .common import (
    add_threads_arg,
    config_from_args,
    data_options,
    device,
    frame_size,
    positive_int,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `train` subcommand."""
    p = sub.add_parser("train", help="train a neural method (the paper's protocol by default)")
    p.add_argument(
        "spec",
        help="method spec, e.g. aodnet, lnet-gie, 'lnet-gie:rm=1.0'; all = every method "
        "without weights, into the cache (resumable)",
    )
    p.add_argument("--data", default=None, help="paired folder (default: built-in synthetic)")
    p.add_argument(
        "--size", type=frame_size, default=None, help="synthetic frame size (256; 16 to 4096)"
    )
    p.add_argument("--data-seed", type=int, default=None, help="synthetic generator seed (0)")
    p.add_argument("--epochs", type=int, default=30, help="epochs (the paper's protocol: 30)")
    p.add_argument(
        "--lr", type=float, default=None, help="Adam lr (default: the method's recipe, else 0.01)"
    )
    p.add_argument(
        "--loss",
        choices=("mse", "l1", "smooth_l1"),
        default=None,
        help="training loss (default: the method's recipe, else mse)",
    )
    p.add_argument("--batch-size", type=int, default=8, help="pairs per step (default 8)")
    p.add_argument(
        "--weight-decay",
        type=float,
        default=None,
        help="Adam L2 weight decay (default: the method's recipe, else 0)",
    )
    p.add_argument(
        "--clip-grad",
        type=float,
        default=None,
        help="gradient-norm clipping, 0 = off (default: the method's recipe, else 0)",
    )
    p.add_argument("--crop", type=int, default=0, help="random NxN training crops, 0 = off")
    p.add_argument(
        "--init",
        default=None,
        metavar="PATH|random|aodnet",
        help="start from: random, aodnet (LNet-GIE Procedure 1 with the shipped AOD-Net "
        "weights; the default for lnet-gie), or a weights file (AOD-Net weights give "
        "Procedure 1 for lnet-gie)",
    )
    p.add_argument("--device", type=device, default="auto", help="cpu, cuda, cuda:N or auto")
    p.add_argument(
        "--out",
        default=None,
        help="weights file (default: weights/<spec>.pth in the current folder, where `run` "
        "started from the same folder finds it)",
    )
    p.add_argument("--seed", type=int, default=0, help="training seed (init, shuffling, crops)")
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        help="only N train-split images, spread evenly (quick runs, timing)",
    )
    p.add_argument(
        "--val-every",
        type=int,
        default=10,
        help="hold out every Nth frame of each train case for validation, 0 = none",
    )
    p.add_argument(
        "--compare-init",
        action="store_true",
        help="lnet-gie: train from random and AOD-Net inits, plot validation PSNR",
    )
    p.add_argument(
        "--compare-seeds",
        type=int,
        default=1,
        metavar="N",
        help="with --compare-init: train every init with seeds SEED..SEED+N-1",
    )
    p.add_argument(
        "--init-weights",
        nargs="+",
        action="extend",
        default=None,
        metavar="NAME=PATH",
        help="with --compare-init: also start from PATH, labelled NAME (repeatable; e.g. "
        "aodnet-public=dehazer.pth for lnet-gie)",
    )
    p.add_argument(
        "--trust-weights",
        action="store_true",
        help="allow init checkpoints that need full unpickling (can run code!)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    p.add_argument(
        "--time-steps",
        type=positive_int,
        default=None,
        metavar="N",
        help="train nothing: time N steps at --batch-size and --size, extrapolate the budget",
    )
    add_threads_arg(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_train)


RECIPE_OPTIONS = ("lr", "loss", "weight_decay", "clip_grad")


def train_config(args: argparse.Namespace) -> TrainConfig:
    """A TrainConfig from parsed `train` arguments, the method's recipe filling what is not given."""
    recipe: dict = {}
    if args.spec != "all":
        cls = method_class(parse_spec(args.spec).name)
        if issubclass(cls, NeuralMethod):
            recipe = recipe_overrides(cls.training_recipe())
    given = {k: getattr(args, k) for k in RECIPE_OPTIONS if getattr(args, k) is not None}
    if given and recipe:
        recipe["recipe_source"] += f" (overridden: {', '.join(sorted(given))})"
    config = config_from_args(
        TrainConfig,
        argparse.Namespace(**{k: v for k, v in vars(args).items() if v is not None}),
        data_options=data_options(args),
        out=Path(args.out) if args.out else None,
        progress=not args.no_progress,
    )
    return replace_config(config, **{**recipe, **given})


def cmd_train(args: argparse.Namespace) -> int:
    """Run `train`; option and checkpoint problems become one-line usage errors."""

    config = train_config(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.time_steps is not None:
        return _time_steps(args, config)
    if args.spec == "all":
        return _train_all(args, config)
    try:
        if args.compare_init:
            if args.init is not None:
                raise TrainingError("--compare-init chooses the inits itself: drop --init")
            files = parse_pairs("--init-weights", args.init_weights, "aodnet-public=dehazer.pth")
            folder = compare_init(config, files, seeds=args.compare_seeds)["folder"]
            print(f"init comparison written to {folder}/ (curves.png, curves.csv, curves.json)")
            return 0
        if args.init_weights is not None or args.compare_seeds != 1:
            raise TrainingError("--init-weights and --compare-seeds need --compare-init")
        result = train(config)
    except KeyboardInterrupt:
        print(
            "\ninterrupted: rerun the same command to resume from the last finished epoch",
            file=sys.stderr,
        )
        return 130
    record = result.record
    psnr = record["final_val_psnr"]
    tail = f", validation PSNR {psnr:.2f} dB" if psnr is not None else ""
    where = "" if result.weights.is_absolute() else f" (in {Path.cwd()})"
    print(
        f"wrote {result.weights}{where} ({record['epochs']} epochs, train loss "
        f"{record['final_loss']:.5f}{tail}); sidecar {result.sidecar}, curves {result.plot}"
    )
    return 0


def _train_all(args: argparse.Namespace, config: TrainConfig) -> int:
    """`train all`: one line per method; exit 1 when any failed."""
    if args.out is not None or args.init is not None or args.compare_init:
        raise TrainingError("train all chooses --out (the cache) and --init itself: drop them")
    given = [f"--{k.replace('_', '-')}" for k in RECIPE_OPTIONS if getattr(args, k) is not None]
    if given:
        raise TrainingError(f"train all uses each method's own recipe: drop {', '.join(given)}")
    try:
        result = train_all(config)
    except KeyboardInterrupt:
        print("\ninterrupted: rerun the same command to resume", file=sys.stderr)
        return 130
    for name, why in result.skipped.items():
        print(f"{name}: skipped ({why})")
    for name, path in result.trained.items():
        why = f" ({result.retrained[name]})" if name in result.retrained else ""
        print(f"{name}: trained -> {path}{why}")
    for name, error in result.failed.items():
        print(f"{name}: FAILED {error}", file=sys.stderr)
    return 1 if result.failed else 0


def _time_steps(args: argparse.Namespace, config: TrainConfig) -> int:
    """Print seconds per step and the extrapolated budget (no training, no data loaded)."""
    timing = time_train_steps(
        args.spec,
        steps=args.time_steps,
        batch=config.batch_size,
        size=int(config.data_options.get("size", 256)),
        epochs=config.epochs,
        device=config.device,
    )
    print(
        f"{timing.spec}: {timing.seconds_per_step:.3f} s/step at batch {timing.batch}, "
        f"{timing.size}x{timing.size} (median of {args.time_steps}); "
        f"{timing.steps_per_epoch} steps/epoch x {timing.epochs} epochs = "
        f"{timing.hours_total:.1f} h; CPU time {timing.cpu_seconds_per_step:.3f} s/step (all threads)"
    )
    return 0
