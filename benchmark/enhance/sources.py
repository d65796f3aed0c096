"""Where `enhance` reads frames: a video file, a live source, a folder of images or one image.

Frames are 8-bit BGR (H, W, 3) arrays as OpenCV decodes them, stamped with the moment they were
decoded (the start of their latency). A live source is anything `cv2.VideoCapture` opens that is
not a file here: a camera index (`0`), a device (`/dev/video0`) or a stream URL (rtsp://,
http://...). With `realtime`, a file is read at its native rate, as a camera would deliver it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..data.image_io import read_image
from ..data.pairing import IMAGE_EXTS
from ..data.video import is_video, probe_video
from ..errors import DatasetError

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass
class Frame:
    """One decoded frame (or why it could not be read) and when it was decoded."""

    label: str
    bgr: np.ndarray | None
    decoded: float  # time.perf_counter() just after decoding
    error: str = ""


@dataclass
class FrameSource:
    """Frames, how many (None: unknown or endless), the native rate, the kind and the files read."""

    frames: Iterator[Frame]
    total: int | None
    fps: float
    kind: str  # "video" | "live" | "folder" | "image"
    reads: tuple[Path, ...] = ()


def is_live(text: str) -> bool:
    """A camera index, a /dev/videoN device or a URL: a source that is not a file or folder."""
    return text.isdigit() or text.startswith("/dev/video") or bool(_URL.match(text))


def image_files(folder: Path) -> list[Path]:
    """The image files of a folder (not recursive), sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTS)


def _bgr(frame: np.ndarray) -> np.ndarray:
    """A decoded frame as contiguous 8-bit BGR (grey and BGRA converted)."""
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return frame


def read_bgr(path: Path) -> np.ndarray:
    """One image file as 8-bit BGR, read as the suite reads images (16-bit, EXIF orientation)."""
    return cv2.cvtColor(read_image(path, str(path))[0], cv2.COLOR_RGB2BGR)


def _read_each(files: list[Path]) -> Iterator[Frame]:
    """One frame per file; an unreadable file becomes a frame with an error, not the end."""
    for path in files:
        try:
            yield Frame(path.name, read_bgr(path), time.perf_counter())
        except (DatasetError, OSError) as exc:
            yield Frame(path.name, None, time.perf_counter(), str(exc))


def _captured(
    capture: cv2.VideoCapture, max_frames: int | None, pace_fps: float = 0.0
) -> Iterator[Frame]:
    """Frames of an open capture in order; with pace_fps, none before its native time."""
    try:
        start = time.perf_counter()
        index = 0
        while max_frames is None or index < max_frames:
            if pace_fps > 0:
                delay = start + index / pace_fps - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            ok, frame = capture.read()
            if not ok or frame is None:
                return
            yield Frame(f"frame {index}", _bgr(frame), time.perf_counter())
            index += 1
    finally:
        capture.release()


def open_live(text: str, max_frames: int | None = None) -> FrameSource:
    """A camera index, device or stream URL opened with cv2.VideoCapture."""
    capture = cv2.VideoCapture(int(text) if text.isdigit() else text)
    if not capture.isOpened():
        capture.release()
        raise DatasetError(
            f"cannot open live source {text}: OpenCV's VideoCapture could not open it (is the "
            "camera connected, the device readable, the stream URL reachable?)"
        )
    fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
    fps = fps if 0 < fps < 1000 else 0.0  # some streams report nonsense rates
    return FrameSource(_captured(capture, max_frames), max_frames, fps, "live")


def open_source(text: str, max_frames: int | None = None, realtime: bool = False) -> FrameSource:
    """A video file, a live source, a folder of images or one image as a lazy frame source."""
    path = Path(text)
    if not path.exists() and is_live(text):
        return open_live(text, max_frames)
    if path.is_dir():
        files = image_files(path)[:max_frames]
        if not files:
            raise DatasetError(f"{path} holds no image ({', '.join(sorted(IMAGE_EXTS))})")
        return FrameSource(_read_each(files), len(files), 0.0, "folder", (path, *files))
    if not path.is_file():
        raise DatasetError(f"input not found: {path}")
    if is_video(path):
        info = probe_video(path)
        total = info.frames or None
        if total is not None and max_frames is not None:
            total = min(total, max_frames)
        capture = cv2.VideoCapture(str(path))
        pace = (info.fps or 25.0) if realtime else 0.0
        return FrameSource(_captured(capture, max_frames, pace), total, info.fps, "video", (path,))
    if path.suffix.lower() not in IMAGE_EXTS:
        raise DatasetError(
            f"cannot read {path}: not an image ({', '.join(sorted(IMAGE_EXTS))}) or a video"
        )
    frame = Frame(path.name, read_bgr(path), time.perf_counter())
    return FrameSource(iter([frame]), 1, 0.0, "image", (path,))
