"""Option groups and argument parsing shared by several commands."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any, TypeVar

from ..errors import UsageError
from ..options import (  # noqa: F401  (the option checks, shared with the Python API)
    device,
    frame_size,
    parse_metric_params,
    parse_weights,
    positive_float,
    positive_int,
    profile_size,
    run_id,
)

T = TypeVar("T")


def config_from_args(cls: type[T], args: argparse.Namespace, **overrides: Any) -> T:
    """A config dataclass from the parsed options of the same names, plus `overrides`."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values = {k: v for k, v in vars(args).items() if k in names}
    return cls(**{**values, **overrides})


def data_options(args: argparse.Namespace) -> dict[str, object]:
    """The synthetic data set's options that were given (size, seed)."""
    if getattr(args, "legacy_seed", None) is not None:
        raise UsageError(
            "--seed is the training seed (train); the synthetic generator's seed is --data-seed"
        )
    options: dict[str, object] = {}
    if getattr(args, "size", None) is not None:
        options["size"] = args.size
    if getattr(args, "data_seed", None) is not None:
        options["seed"] = args.data_seed
    for name in ("stride", "max_frames", "reference_frame"):  # video / no ground truth only
        if getattr(args, name, None) is not None:
            options[name] = getattr(args, name)
    return options


def add_data_args(parser: argparse.ArgumentParser) -> None:
    """--data, --size, --seed: which data set to use."""
    parser.add_argument(
        "--data",
        default=None,
        help="paired folder (hazy/ + clear/), folder of images or videos without ground truth, "
        "or a video file (default: built-in synthetic)",
    )
    parser.add_argument(
        "--stride", type=positive_int, default=None, help="video: every N-th frame (default 1)"
    )
    parser.add_argument(
        "--max-frames", type=positive_int, default=None, help="video: at most N frames per video"
    )
    parser.add_argument(
        "--reference-frame",
        default=None,
        metavar="REF",
        help="data without ground truth: the smoke-free frame that aligned_psnr/aligned_ssim "
        "score against (an index into each video, or an image id of the folder)",
    )
    parser.add_argument(
        "--size", type=frame_size, default=None, help="synthetic frame size (256; 16 to 4096)"
    )
    parser.add_argument(
        "--data-seed", type=int, default=None, help="synthetic generator seed (default 0)"
    )
    parser.add_argument("--seed", dest="legacy_seed", default=None, help=argparse.SUPPRESS)


def metric_list(text: str) -> list[str]:
    """argparse type: comma-separated metric names (checked against the registry by the run)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected metric names, e.g. psnr,ssim or piqe")
    return names


def add_threads_arg(parser: argparse.ArgumentParser) -> None:
    """--threads: torch's CPU threads (at least 1)."""
    parser.add_argument(
        "--threads", type=positive_int, default=None, help="torch CPU threads (default: torch's)"
    )
