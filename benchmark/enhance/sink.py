"""Where `enhance` writes: a video, a folder of images or one image, never half a file.

A video (and the side-by-side video) is written to a hidden temporary file in OUTPUT's folder
and renamed over OUTPUT only once every frame is in it and the finished file says so: an
interrupted or killed enhance leaves an existing OUTPUT untouched and nothing under its name.
Each image is encoded in the format of its extension and written atomically. Every frame write
is checked: a full disk stops the stream with the file named (OpenCV's video writer only
prints "Failed to write frame"), and the finished video's frame count is read back.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import cv2
import numpy as np

from ..data.video import VideoWriter
from ..errors import DatasetError
from ..files import atomic_write_bytes

#: a folder with less free space than this after a frame write is full (the encoder buffers)
MIN_FREE_BYTES = 64 * 1024


class OutputError(DatasetError):
    """An output that could not be written whole (a full disk, a failed encoder), named."""


def temp_video_path(path: Path) -> Path:
    """The hidden sibling a video is written to before it is renamed to `path` (same suffix)."""
    return path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")


def disk_full(path: Path) -> OutputError:
    """The one line for a full disk under `path`: which file, how much space, what to do."""
    free = shutil.disk_usage(path.parent if str(path.parent) else ".").free
    return OutputError(
        f"cannot write {path}: no space left on device ({free:,} bytes free in {path.parent}); "
        f"nothing was left under {path.name}: free some space or give OUTPUT on another disk"
    )


def encode_image(image: np.ndarray, path: Path) -> bytes:
    """An 8-bit BGR image encoded in the format of `path`'s extension (PNG for .png, ...)."""
    ok, data = cv2.imencode(path.suffix.lower(), image)
    if not ok:
        raise OutputError(f"cannot encode an image as {path.suffix} for {path}")
    return data.tobytes()


def write_image(image: np.ndarray, path: Path) -> None:
    """Encode by extension and write atomically; a full disk is named, and leaves no file."""
    write_file(path, encode_image(image, path))


def write_file(path: Path, data: bytes) -> None:
    """Write atomically; a full disk is one line naming `path` (and no file is left)."""
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise disk_full(path) from None
        raise


class _Video:
    """One video being written to its temporary file, renamed over its path by `commit`."""

    def __init__(self, path: Path, fps: float, frame: np.ndarray) -> None:
        self.path, self.temp = path, temp_video_path(path)
        height, width = frame.shape[:2]
        try:
            self.writer = VideoWriter(self.temp, fps, width, height)
        except DatasetError:
            if shutil.disk_usage(self.temp.parent).free < MIN_FREE_BYTES:
                raise disk_full(self.path) from None
            raise
        self.open = True

    def write(self, frame: np.ndarray) -> None:
        self.writer.write_bgr(frame)
        if shutil.disk_usage(self.temp.parent).free < MIN_FREE_BYTES:
            raise disk_full(self.path)

    def commit(self) -> None:
        """Finish the file, check its frame count, rename it over the final path."""
        self.writer.close()
        self.open = False
        stored = _frame_count(self.temp)
        if stored != self.writer.frames:
            if shutil.disk_usage(self.temp.parent).free < MIN_FREE_BYTES:
                raise disk_full(self.path)
            raise OutputError(
                f"cannot write {self.path}: the finished video holds {stored} of "
                f"{self.writer.frames} frame(s); nothing was left under {self.path.name}"
            )
        os.replace(self.temp, self.path)

    def abort(self) -> None:
        """Stop writing and remove the temporary file (the final path is never touched)."""
        if self.open:
            self.writer.close()
            self.open = False
        self.temp.unlink(missing_ok=True)


def _frame_count(path: Path) -> int:
    """How many frames a written video's container holds (0 if it does not open)."""
    capture = cv2.VideoCapture(str(path))
    try:
        return int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0) if capture.isOpened() else 0
    finally:
        capture.release()


class FrameSink:
    """Writes enhanced frames (and optionally input|output side by side) as video or images."""

    def __init__(
        self, output: Path, kind: str, fps: float, side_by_side: Path | None = None
    ) -> None:
        self.output, self.side_by_side = output, side_by_side
        self.video = kind in ("video", "live")
        self.folder = kind == "folder"
        self.fps = fps or 25.0
        self.images_written = 0  # image files already in place (folder outputs)
        self._videos: dict[Path, _Video] = {}

    def _target(self, base: Path, label: str) -> Path:
        return base / (Path(label).stem + ".png") if self.folder else base

    def _put(self, base: Path, label: str, frame: np.ndarray) -> None:
        if self.video:
            video = self._videos.get(base)
            if video is None:
                video = self._videos[base] = _Video(base, self.fps, frame)
            video.write(frame)
        else:
            write_image(frame, self._target(base, label))
            self.images_written += 1

    def write(self, label: str, frame: np.ndarray, enhanced: np.ndarray) -> None:
        """Append or save one frame's output (and the side-by-side view), BGR uint8."""
        self._put(self.output, label, enhanced)
        if self.side_by_side is not None:
            self._put(self.side_by_side, label, np.hstack([frame, enhanced]))

    def commit(self) -> None:
        """Finish every video and move it to its final name (checked first)."""
        for video in self._videos.values():
            video.commit()

    def abort(self) -> None:
        """Drop unfinished videos: existing outputs stay as they were, no partial file stays."""
        for video in self._videos.values():
            video.abort()

    def interrupted_note(self) -> str:
        """What an interruption left, truthfully."""
        if self.video or not self.folder:
            return f"nothing was written: {self.output} is as it was"
        return (
            f"{self.images_written} image file(s) were written to {self.output} (each whole); "
            "the rest were not"
        )
