"""Option groups and argument parsing shared by several commands."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from typing import Any, TypeVar

import methods
from methods.core.spec import spec_options

from ..errors import UsageError

T = TypeVar("T")


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


def data_options(args: argparse.Namespace) -> dict[str, object]:
    """The synthetic data set's options that were given (size, seed)."""
    options: dict[str, object] = {}
    if getattr(args, "size", None) is not None:
        options["size"] = args.size
    if getattr(args, "seed", None) is not None:
        options["seed"] = args.seed
    return options


def add_data_args(parser: argparse.ArgumentParser) -> None:
    """--data, --size, --seed: which data set to use."""
    parser.add_argument("--data", default=None, help="paired folder (default: built-in synthetic)")
    parser.add_argument("--size", type=int, default=None, help="synthetic frame size (256)")
    parser.add_argument("--seed", type=int, default=None, help="synthetic generator seed (0)")
