"""Enhance a stream of frames (a video, a folder of images, one image) one frame at a time.

Frames are read lazily: decoding runs a few frames ahead and encoding a few behind, on helper
threads (benchmark/enhance/background.py), so at most a handful of frames are ever held.
The frame rate reported is end to end (decode, enhance, encode); the method's own share is
timed apart, so a slow codec is not blamed on the method.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from methods import Method

from ..data.image_io import read_image
from ..data.pairing import IMAGE_EXTS
from ..data.video import VideoWriter, is_video, iter_frames, probe_video
from ..errors import DatasetError
from ..images import save_png, unit_to_uint8
from .background import BackgroundCalls, prefetched


@dataclass
class StreamStats:
    """Frames done and failed, end-to-end seconds and the seconds spent in the method."""

    frames: int = 0
    failed: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    method_s: float = 0.0

    @property
    def fps(self) -> float:
        """End-to-end frames per second (decode + enhance + encode)."""
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def method_fps(self) -> float:
        """Frames per second of the method alone (tensor in, tensor out)."""
        return self.frames / self.method_s if self.method_s > 0 else 0.0


@dataclass
class FrameSource:
    """Where frames come from: (label, RGB uint8 frame or why it is unreadable), count, rate."""

    frames: Iterator[tuple[str, np.ndarray | str]]
    total: int | None
    fps: float
    kind: str  # "video" | "folder" | "image"


def image_files(folder: Path) -> list[Path]:
    """The image files of a folder (not recursive), sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTS)


def _read_each(files: list[Path]) -> Iterator[tuple[str, np.ndarray | str]]:
    """(name, RGB frame) per file, or (name, why it cannot be read) so one bad file is skipped."""
    for path in files:
        try:
            yield path.name, read_image(path, str(path))[0]
        except DatasetError as exc:
            yield path.name, str(exc)


def open_source(path: Path, max_frames: int | None = None) -> FrameSource:
    """A video file, a folder of images or one image as a lazy frame source."""
    if path.is_dir():
        files = image_files(path)[:max_frames]
        if not files:
            raise DatasetError(f"{path} holds no image ({', '.join(sorted(IMAGE_EXTS))})")
        return FrameSource(_read_each(files), len(files), 0.0, "folder")
    if not path.is_file():
        raise DatasetError(f"input not found: {path}")
    if is_video(path):
        info = probe_video(path)
        total = info.frames or None
        if total is not None and max_frames is not None:
            total = min(total, max_frames)
        frames = ((f"frame {i}", rgb) for i, rgb in iter_frames(path, max_frames=max_frames))
        return FrameSource(frames, total, info.fps, "video")
    if path.suffix.lower() not in IMAGE_EXTS:
        raise DatasetError(
            f"cannot read {path}: not an image ({', '.join(sorted(IMAGE_EXTS))}) or a video"
        )
    return FrameSource(iter([(path.name, read_image(path, str(path))[0])]), 1, 0.0, "image")


def enhance_frame(method: Method, rgb: np.ndarray) -> np.ndarray:
    """One RGB uint8 frame through the method, back as RGB uint8."""
    x = torch.from_numpy(rgb).permute(2, 0, 1)[None].to(torch.float32).div_(255.0)
    return unit_to_uint8(method.enhance(x.to(method.device))[0].cpu())


class FrameSink:
    """Writes enhanced frames (and optionally input|output side by side) as video or PNGs."""

    def __init__(self, output: Path, source: FrameSource, side_by_side: Path | None = None) -> None:
        self.output, self.kind, self.fps = output, source.kind, source.fps or 25.0
        self.side_by_side = side_by_side
        self._videos: dict[Path, VideoWriter] = {}

    def _video(self, path: Path, frame: np.ndarray) -> VideoWriter:
        writer = self._videos.get(path)
        if writer is None:
            height, width = frame.shape[:2]
            writer = self._videos[path] = VideoWriter(path, self.fps, width, height)
        return writer

    def write(self, label: str, rgb: np.ndarray, enhanced: np.ndarray) -> None:
        """Append or save one frame's output (and the side-by-side view)."""
        if self.kind == "video":
            self._video(self.output, enhanced).write(enhanced)
        elif self.kind == "folder":
            save_png(enhanced, self.output / (Path(label).stem + ".png"))
        else:
            save_png(enhanced, self.output)
        if self.side_by_side is not None:
            both = np.hstack([rgb, enhanced])
            if self.kind == "video":
                self._video(self.side_by_side, both).write(both)
            elif self.kind == "folder":
                save_png(both, self.side_by_side / (Path(label).stem + ".png"))
            else:
                save_png(both, self.side_by_side)

    def close(self) -> None:
        """Finish any video file."""
        for writer in self._videos.values():
            writer.close()


def stream(
    method: Method,
    source: FrameSource,
    sink: FrameSink,
    progress: bool = True,
    on_error: Callable[[str], None] | None = None,
) -> StreamStats:
    """Enhance every frame of `source` into `sink`; a frame that fails is reported and skipped."""
    stats = StreamStats()
    bar = tqdm(
        total=source.total,
        desc=method.spec,
        unit="frame",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    start = time.perf_counter()
    # decode ahead and encode behind on helper threads (bounded queues of a few frames)
    writer: BackgroundCalls[tuple[str, np.ndarray, np.ndarray]] = BackgroundCalls(
        lambda item: sink.write(*item)
    )
    try:
        for label, rgb in prefetched(source.frames):
            if isinstance(rgb, str):  # a file of a folder that does not decode
                stats.failed.append(label)
                if on_error is not None:
                    on_error(rgb)
                continue
            try:
                begin = time.perf_counter()
                enhanced = enhance_frame(method, rgb)
                stats.method_s += time.perf_counter() - begin
            except (RuntimeError, ValueError, FloatingPointError) as exc:
                stats.failed.append(label)
                if on_error is not None:
                    on_error(f"{label}: {str(exc).splitlines()[0] if str(exc) else exc!r}")
                continue
            writer.submit((label, rgb, enhanced))
            stats.frames += 1
            bar.update(1)
            bar.set_postfix_str(f"method {stats.frames / max(stats.method_s, 1e-9):.1f} fps")
        writer.close()
    finally:
        try:
            writer.close()  # idempotent after success; after an error, waits for the writes
        finally:
            stats.wall_s = time.perf_counter() - start
            sink.close()
            bar.close()
    return stats
