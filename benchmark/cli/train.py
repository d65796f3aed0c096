"""`benchmark train`: train a neural method (the paper's protocol by default)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from ..errors import TrainingError
from ..train import TrainConfig, compare_init, train
from .common import add_threads_arg, config_from_args, data_options, device, positive_int


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `train` subcommand."""
    p = sub.add_parser("train", help="train a neural method (the paper's protocol by default)")
    p.add_argument("spec", help="method spec, e.g. aodnet, lnet-gie, 'lnet-gie:rm=1.0'")
    p.add_argument("--data", default=None, help="paired folder (default: built-in synthetic)")
    p.add_argument("--size", type=positive_int, default=None, help="synthetic frame size (256)")
    p.add_argument("--data-seed", type=int, default=None, help="synthetic generator seed (0)")
    p.add_argument("--epochs", type=int, default=30, help="epochs (the paper's protocol: 30)")
    p.add_argument("--lr", type=float, default=0.01, help="Adam learning rate (default 0.01)")
    p.add_argument("--batch-size", type=int, default=8, help="pairs per step (default 8)")
    p.add_argument(
        "--weight-decay",
        type=float,
        default=0.0,
        help="Adam L2 weight decay (authors' script: 1e-4)",
    )
    p.add_argument(
        "--clip-grad",
        type=float,
        default=0.0,
        help="gradient-norm clipping, 0 = off (authors' script: 0.1)",
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
    p.add_argument("--out", default=None, help="weights file (default: weights/<spec>.pth)")
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
        "--aodnet-public",
        default=None,
        metavar="PATH",
        help="with --compare-init: also start from this AOD-Net file",
    )
    p.add_argument(
        "--trust-weights",
        action="store_true",
        help="allow init checkpoints that need full unpickling (can run code!)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    add_threads_arg(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_train)


def train_config(args: argparse.Namespace) -> TrainConfig:
    """A TrainConfig from parsed `train` arguments."""
    return config_from_args(
        TrainConfig,
        args,
        data_options=data_options(args),
        out=Path(args.out) if args.out else None,
        progress=not args.no_progress,
    )


def cmd_train(args: argparse.Namespace) -> int:
    """Run `train`; option and checkpoint problems become one-line usage errors."""

    config = train_config(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        if args.compare_init:
            if args.init is not None:
                raise TrainingError("--compare-init chooses the inits itself: drop --init")
            folder = compare_init(config, args.aodnet_public, seeds=args.compare_seeds)["folder"]
            print(f"init comparison written to {folder}/ (curves.png, curves.csv, curves.json)")
            return 0
        if args.aodnet_public is not None or args.compare_seeds != 1:
            raise TrainingError("--aodnet-public and --compare-seeds need --compare-init")
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
    print(
        f"wrote {result.weights} ({record['epochs']} epochs, train loss "
        f"{record['final_loss']:.5f}{tail}); sidecar {result.sidecar}, curves {result.plot}"
    )
    return 0
