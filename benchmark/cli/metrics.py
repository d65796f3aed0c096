"""`benchmark metrics fit-niqe`: fit NIQE's pristine model on a folder of clean images."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..data.pairing import image_files
from ..errors import UsageError
from ..files import check_writable
from ..metrics.niqe import SHARPNESS_THRESHOLD, save_model
from ..metrics.niqe_fit import fit_folder


def sharpness(text: str) -> float:
    """argparse type: a share of the sharpest patch's sharpness, above 0 and at most 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1, got {text}")
    return value


def refuse_input_as_output(out: Path, data: Path) -> None:
    """UsageError when `out` is (by file identity, not spelling) one of the images under `data`."""
    if not out.exists() or not data.is_dir():
        return
    for path in image_files(data):
        if os.path.samefile(path, out):
            raise UsageError(f"--out {out} is one of the --data images: choose another file")


def cmd_fit_niqe(args: argparse.Namespace) -> int:
    """Fit the model, write it atomically, say what it holds and how to use it."""
    out = Path(args.out).expanduser()
    if out.is_dir():
        raise UsageError(f"--out {args.out} is a folder: give a file name such as niqe.npz")
    if out.suffix.lower() != ".npz":
        raise UsageError(f"--out {args.out}: a NIQE model is an .npz file, e.g. niqe.npz")
    refuse_input_as_output(out, Path(args.data).expanduser())
    if out.exists() and not args.overwrite:
        raise UsageError(f"--out {args.out} exists: pass --overwrite to replace it")
    check_writable(out.parent if str(out.parent) else Path("."))  # before minutes of fitting
    result = fit_folder(args.data, args.sharpness_threshold, log=lambda line: print(line))
    for name, reason in result.skipped:
        print(f"skipped {name}: {reason}", file=sys.stderr)
    save_model(result.model, out)
    settings = result.model.settings
    print(
        f"wrote {out}: NIQE model from {settings['n_patches']} patches of "
        f"{settings['n_images']} image(s); use it with --metric-params niqe={out}"
    )
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `metrics` subcommand and its `fit-niqe` action."""
    p = sub.add_parser("metrics", help="fit parameterised metrics (NIQE's pristine model)")
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p), help="fit-niqe")
    fit = actions.add_parser(
        "fit-niqe", help="fit NIQE's pristine model (mu, cov) on a folder of clean images"
    )
    fit.add_argument("--data", required=True, help="folder of clean images (searched recursively)")
    fit.add_argument("--out", required=True, help="model file to write, e.g. niqe.npz")
    fit.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    fit.add_argument(
        "--sharpness-threshold",
        type=sharpness,
        default=SHARPNESS_THRESHOLD,
        help="keep patches at least this share of each image's sharpest (default 0.75, "
        "as MATLAB's fitniqe)",
    )
    fit.set_defaults(func=cmd_fit_niqe)
