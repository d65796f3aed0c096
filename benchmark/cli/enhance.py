"""`benchmark enhance METHOD INPUT OUTPUT`: enhance an image, a folder, a video or a live source."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import cv2
import torch

import methods

from ..enhance.paths import Written, check_destination, check_writes
from ..enhance.sink import FrameSink, OutputError, write_file
from ..enhance.sources import FrameSource, open_source
from ..enhance.streaming import StreamStats, frame_function, stream
from ..errors import UsageError
from ..weights.resolver import build_method as build_method_from
from ..weights.resolver import resolve_weights
from .common import add_threads_arg, device, parse_weights, positive_int


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


def stats_record(
    stats: StreamStats, method: methods.Method, args: argparse.Namespace, source: FrameSource
) -> dict[str, object]:
    """What --stats writes: frames, rates, drops and latency percentiles (MLPerf SingleStream)."""
    return {
        "method": method.spec,
        "input": args.input,
        "output": args.output,
        "device": str(method.device),
        "frames": stats.frames,
        "failed": len(stats.failed),
        "dropped": stats.dropped,
        "fps": round(stats.fps, 3),
        "method_fps": round(stats.method_fps, 3),
        "source_fps": source.fps,
        "realtime": bool(args.realtime),
        "wall_s": round(stats.wall_s, 4),
        "latency_ms": {k: round(v, 3) for k, v in stats.latency_ms().items()},
        "latency": "from the moment a frame is decoded to the moment its output is written",
    }


def summary_line(stats: StreamStats, method: methods.Method, output: str, source_fps: float) -> str:
    """The console's last line: frames, fps, p90 latency, and whether p90 misses the frame rate."""
    p90 = stats.latency_ms()["p90"]
    line = (
        f"{method.spec}: {stats.frames} frame(s) -> {output}; {stats.fps:.2f} frames/s end to end, "
        f"{stats.method_fps:.2f} frames/s in the method ({method.device}); latency p90 "
        f"{p90:.1f} ms"
    )
    if stats.dropped:
        line += f"; {stats.dropped} frame(s) dropped to keep up"
    if source_fps > 0 and math.isfinite(p90):
        interval = 1000.0 / source_fps
        if p90 > interval:
            line += (
                f"; p90 exceeds the source's frame interval ({interval:.1f} ms at "
                f"{source_fps:g} fps): not real time"
            )
    return line


def _planned_writes(args: argparse.Namespace, kind: str) -> list[Written]:
    """OUTPUT, --side-by-side and --stats, each checked for what the source kind can write."""
    written = [Written(Path(args.output), "OUTPUT")]
    if args.side_by_side:
        written.append(Written(Path(args.side_by_side), "--side-by-side"))
    for item in written:
        check_destination(item.path, kind, item.what)
    if args.stats:
        stats = Path(args.stats)
        if stats.suffix.lower() != ".json" or stats.is_dir():
            raise UsageError(f"--stats {stats}: give a .json file name")
        check_destination(stats.with_suffix(".png"), "image", "--stats")  # its folder
        written.append(Written(stats, "--stats"))
    return written


def cmd_enhance(args: argparse.Namespace) -> int:
    """Stream INPUT through METHOD into OUTPUT; print the rates and latency; 1 if a frame failed."""
    if args.threads:
        torch.set_num_threads(args.threads)
        cv2.setNumThreads(args.threads)
    if args.max_delay is not None and not args.realtime:
        raise UsageError(
            "--max-delay applies with --realtime only (frames are never dropped without it)"
        )
    method = build_method(args)
    source = open_source(args.input, args.max_frames, realtime=args.realtime)
    written = _planned_writes(args, source.kind)
    weights = [Path(p) for p in parse_weights(args.weights).values()]
    check_writes(written, [*source.reads, *weights], source, args.overwrite)
    output = written[0].path
    side = Path(args.side_by_side) if args.side_by_side else None
    for folder in (output, side) if source.kind == "folder" else ():
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
    sink = FrameSink(output, source.kind, source.fps, side)
    try:
        stats = stream(
            frame_function(method),
            source,
            sink,
            progress=not args.no_progress,
            on_error=lambda line: print(f"error: {line}", file=sys.stderr),
            realtime=args.realtime,
            depth=args.max_delay or 2,
            name=method.spec,
        )
    except KeyboardInterrupt:
        args.resume_hint = sink.interrupted_note()
        raise
    except OutputError:
        raise
    except OSError as exc:  # a write that failed some other way: name the output
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from None
    if args.stats:
        record = json.dumps(stats_record(stats, method, args, source), indent=2) + "\n"
        write_file(Path(args.stats), record.encode("utf-8"))
    if stats.failed:
        print(f"error: {len(stats.failed)} frame(s) failed and were skipped", file=sys.stderr)
    print(summary_line(stats, method, args.output, source.fps))
    if stats.failed:
        return 1
    return 0 if stats.frames else 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `enhance` subcommand."""
    p = sub.add_parser(
        "enhance",
        help="enhance an image, a folder of images, a video or a live source, streaming frames",
    )
    p.add_argument("method", help="a method spec, e.g. lnet-gie or lnet-gie:backend=eager")
    p.add_argument(
        "input",
        help="an image, a folder of images, a video file, or a live source: a camera index (0), "
        "a device (/dev/video0) or a stream URL (rtsp://..., http://...)",
    )
    p.add_argument("output", help="an image, a folder, or a video file (.avi/.mp4/.mkv/.mov)")
    p.add_argument("--side-by-side", default=None, help="also write input|output side by side")
    p.add_argument("--overwrite", action="store_true", help="replace outputs that exist")
    p.add_argument(
        "--stats",
        default=None,
        metavar="FILE.json",
        help="write frames, fps, dropped and latency_ms p50/p90/p99/max (decode to write)",
    )
    p.add_argument(
        "--realtime",
        action="store_true",
        help="read a file at its native frame rate and, for any source, drop frames instead of "
        "queueing them when the method falls behind (counted as dropped)",
    )
    p.add_argument(
        "--max-delay",
        type=positive_int,
        default=None,
        metavar="N",
        help="with --realtime, at most N decoded frames wait for the method (default 2)",
    )
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
