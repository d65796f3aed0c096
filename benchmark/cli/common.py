"""Option groups and argument parsing shared by several commands."""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
from collections.abc import Sequence
from typing import Any, TypeVar

import methods
from methods.core.spec import spec_options

from ..errors import UsageError

T = TypeVar("T")
DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {text}")
    return value


def profile_size(text: str) -> tuple[int, int]:
    """argparse type: HxW with whole numbers from 16 to 16384 (e.g. 1080x1920)."""
    height, sep, width = text.strip().lower().partition("x")
    if not sep or not height.isdigit() or not width.isdigit():
        raise argparse.ArgumentTypeError(f"expected HxW such as 1080x1920, got {text!r}")
    size = (int(height), int(width))
    if not all(16 <= v <= 16384 for v in size):
        raise argparse.ArgumentTypeError(f"{text}: height and width must be 16 to 16384")
    return size


def device(text: str) -> str:
    """argparse type: auto, cpu, cuda or cuda:N (the devices the suite measures on)."""
    if not DEVICE.match(text.strip()):
        raise argparse.ArgumentTypeError(
            f"device {text!r} is not supported here (use cpu, cuda, cuda:N or auto)"
        )
    return text.strip()


def run_id(text: str) -> str:
    """argparse type: a run id is a name (letters, digits, '.', '_', '-'), never a path."""
    if not RUN_ID.match(text) or text.strip(".") == "":
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a run name: use letters, digits, '.', '_' and '-' (no '/'), "
            "starting with a letter or digit; runs always go to OUT/runs/NAME"
        )
    return text


def config_from_args(cls: type[T], args: argparse.Namespace, **overrides: Any) -> T:
    """A config dataclass from the parsed options of the same names, plus `overrides`."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values = {k: v for k, v in vars(args).items() if k in names}
    return cls(**{**values, **overrides})


def parse_weights(items: Sequence[str] | None) -> dict[str, str]:
    """`--weights NAME=PATH ...` as {canonical spec or bare name: path}."""
    out: dict[str, str] = {}
    for item in items or []:
        name, eq, path = item.rpartition("=")  # a variant spec holds '=' itself
        if not eq or not name or not path:
            raise UsageError(f"--weights takes NAME=PATH (e.g. ffanet=ffa.pk), got {item!r}")
        out[methods.canonical_spec(name) if spec_options(name) else name] = path
    return out


def parse_metric_params(items: Sequence[str] | None) -> dict[str, str]:
    """`--metric-params NAME=PATH ...` as {metric name: path} (e.g. niqe=niqe.npz)."""
    out: dict[str, str] = {}
    for item in items or []:
        name, eq, path = item.partition("=")
        if not eq or not name.strip() or not path.strip():
            raise UsageError(f"--metric-params takes NAME=PATH (e.g. niqe=niqe.npz), got {item!r}")
        out[name.strip()] = path.strip()
    return out


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
        "--size", type=positive_int, default=None, help="synthetic frame size (256)"
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
