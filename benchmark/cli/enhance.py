"""`benchmark enhance METHOD INPUT OUTPUT`: enhance an image, a folder or a video, frame by frame."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import torch

import methods

from ..data.video import WRITE_CODECS, is_video
from ..enhance.streaming import FrameSink, open_source, stream
from ..errors import UsageError
from ..weights.resolver import build_method as build_method_from
from ..weights.resolver import resolve_weights
from .common import add_threads_arg, device, parse_weights, positive_int


def _check_output(path: Path, source_kind: str, what: str) -> None:
    """Refuse an output the input kind cannot be written to, or a folder we cannot write."""
    if source_kind == "video" and path.suffix.lower() not in WRITE_CODECS:
        known = ", ".join(sorted(WRITE_CODECS))
        raise UsageError(f"{what} {path}: a video is written as one of {known}")
    if source_kind == "folder":
        if path.exists() and not path.is_dir():
            raise UsageError(f"{what} {path}: a folder of images is written to a folder")
        path.mkdir(parents=True, exist_ok=True)
        parent = path
    else:
        if path.is_dir():
            raise UsageError(f"{what} {path} is a folder: give a file name")
        parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{what} {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{what} {path}: folder {parent} is not writable")


def build_method(args: argparse.Namespace) -> methods.Method:
    """The method of the spec with the weights `run` would use (one resolver), or one line."""
    choice = resolve_weights(args.method, parse_weights(args.weights))
    notice = choice.notice()
    if notice:
        print(notice, file=sys.stderr)
    try:
        return build_method_from(choice, device=args.device, trust=args.trust_weights)
    except methods.WeightsError as exc:
        raise UsageError(str(exc)) from None


def cmd_enhance(args: argparse.Namespace) -> int:
    """Stream INPUT through METHOD into OUTPUT; print the frame rates; 1 if a frame failed."""
    if args.threads:
        torch.set_num_threads(args.threads)
    source_path, output = Path(args.input), Path(args.output)
    if output.resolve() == source_path.resolve():
        raise UsageError(f"OUTPUT {output} is the input: give another path")
    method = build_method(args)
    source = open_source(source_path, args.max_frames)
    if source.kind != "video" and is_video(output):
        raise UsageError(f"OUTPUT {output}: images are written as images, not a video")
    _check_output(output, source.kind, "OUTPUT")
    side = Path(args.side_by_side) if args.side_by_side else None
    if side is not None:
        _check_output(side, source.kind, "--side-by-side")
    sink = FrameSink(output, source, side)
    stats = stream(
        method,
        source,
        sink,
        progress=not args.no_progress,
        on_error=lambda line: print(f"error: {line}", file=sys.stderr),
    )
    print(
        f"{method.spec}: {stats.frames} frame(s) -> {output}; {stats.fps:.2f} frames/s end to end, "
        f"{stats.method_fps:.2f} frames/s in the method ({method.device})"
    )
    if stats.failed:
        print(f"error: {len(stats.failed)} frame(s) failed and were skipped", file=sys.stderr)
        return 1
    return 0 if stats.frames else 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `enhance` subcommand."""
    p = sub.add_parser(
        "enhance", help="enhance an image, a folder of images or a video, streaming frames"
    )
    p.add_argument("method", help="a method spec, e.g. lnet-gie or lnet-gie:backend=eager")
    p.add_argument("input", help="an image, a folder of images, or a video file")
    p.add_argument("output", help="an image, a folder, or a video file (.avi/.mp4/.mkv/.mov)")
    p.add_argument("--side-by-side", default=None, help="also write input|output side by side")
    p.add_argument("--device", type=device, default="auto", help="cpu, cuda, cuda:N or auto")
    p.add_argument(
        "--max-frames", type=positive_int, default=None, help="only the first N frames/images"
    )
    p.add_argument(
        "--weights",
        nargs="+",
        action="extend",
        metavar="NAME=PATH",
        help="weights for the method (NAME=PATH or SPEC=PATH)",
    )
    p.add_argument(
        "--trust-weights",
        action="store_true",
        help="allow checkpoints that need full unpickling (can run code!)",
    )
    add_threads_arg(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_enhance)
