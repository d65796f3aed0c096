"""Option values checked one way for the command line and the Python API.

Each check raises argparse.ArgumentTypeError (what argparse turns into one line) or UsageError;
the API turns the former into a UsageError naming the option.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Sequence

import methods
from methods import spec_options

from .errors import UsageError

DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
#: the largest synthetic frame side: a set of 4096x4096 RGB float frames is already gigabytes
MAX_FRAME_SIDE = 4096
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


def frame_size(text: str) -> int:
    """argparse type: a synthetic frame side from 16 to MAX_FRAME_SIDE pixels."""
    value = positive_int(text)
    if not 16 <= value <= MAX_FRAME_SIDE:
        raise argparse.ArgumentTypeError(
            f"must be 16 to {MAX_FRAME_SIDE} (synthetic frames are held in memory; "
            f"for larger images use --data or --profile-size), got {value}"
        )
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


def parse_weights(items: Sequence[str] | None) -> dict[str, str]:
    """`--weights NAME=PATH ...` as {canonical spec or bare name: path}."""
    out: dict[str, str] = {}
    for item in items or []:
        name, path = split_name_path(item)
        if not name or not path:
            raise UsageError(f"--weights takes NAME=PATH (e.g. ffanet=ffa.pk), got {item!r}")
        out[methods.canonical_spec(name) if spec_options(name) else name] = path
    return out


def split_name_path(item: str) -> tuple[str, str]:
    """'NAME=PATH' split at the first '=' that follows a known method or spec.

    A variant spec holds '=' itself ('lnet-gie:rm=1.0=w.pth') and so may a path
    ('aodnet=w/epoch=3-step=100.pth'); an unknown name splits at the first '='.
    """
    cuts = [at for at, char in enumerate(item) if char == "="]
    for at in cuts:
        try:
            methods.parse_spec(item[:at])
        except methods.MethodError:
            continue
        return item[:at], item[at + 1 :]
    if not cuts:
        return "", ""
    return item[: cuts[0]], item[cuts[0] + 1 :]


def parse_pairs(option: str, items: Sequence[str] | None, example: str) -> dict[str, str]:
    """`OPTION NAME=PATH ...` as {name: path}; anything else is one line naming `example`."""
    out: dict[str, str] = {}
    for item in items or []:
        name, eq, path = item.partition("=")
        if not eq or not name.strip() or not path.strip():
            raise UsageError(f"{option} takes NAME=PATH (e.g. {example}), got {item!r}")
        out[name.strip()] = path.strip()
    return out


def parse_metric_params(items: Sequence[str] | None) -> dict[str, str]:
    """`--metric-params NAME=PATH ...` as {metric name: path} (e.g. niqe=niqe.npz)."""
    return parse_pairs("--metric-params", items, "niqe=niqe.npz")
