"""Video files as frames: probe, read lazily in order (stride, limit), write; OpenCV does the codecs.

Frames are RGB uint8 (H, W, 3) arrays like every image the suite reads. Nothing holds more than
one decoded frame: `iter_frames` decodes as it goes, and skipped frames (stride) are grabbed,
not decoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

from ..errors import DatasetError

VIDEO_EXTS = frozenset({".avi", ".mp4", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg", ".wmv", ".webm"})
#: the codec each container gets when the suite writes a video (all in OpenCV's pip wheels)
WRITE_CODECS = {".avi": "MJPG", ".mp4": "mp4v", ".mkv": "MJPG", ".mov": "mp4v"}


@dataclass(frozen=True)
class VideoInfo:
    """What a video's container says: frame count (0 when unknown), rate and frame size."""

    path: Path
    frames: int
    fps: float
    width: int
    height: int


def is_video(path: str | Path) -> bool:
    """True for a file whose extension is a video container the suite reads."""
    return Path(path).suffix.lower() in VIDEO_EXTS


def _open(path: Path) -> cv2.VideoCapture:
    if not path.is_file():
        raise DatasetError(f"video not found: {path}")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise DatasetError(
            f"cannot read video {path}: OpenCV found no decodable stream (corrupt or unsupported "
            "codec? try re-encoding it, e.g. to MJPG .avi or H.264 .mp4)"
        )
    return capture


def probe_video(path: str | Path) -> VideoInfo:
    """The container's facts, checking that at least the first frame decodes."""
    path = Path(path)
    capture = _open(path)
    try:
        ok, frame = capture.read()
        if not ok or frame is None:
            raise DatasetError(f"cannot read video {path}: its first frame does not decode")
        frames = max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0), 0)
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        return VideoInfo(path, frames, fps, int(frame.shape[1]), int(frame.shape[0]))
    finally:
        capture.release()


def iter_frames(
    path: str | Path, stride: int = 1, max_frames: int | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """(frame index, RGB uint8 frame) for every `stride`-th frame, at most `max_frames` of them."""
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    path = Path(path)
    capture = _open(path)
    try:
        index = yielded = 0
        while max_frames is None or yielded < max_frames:
            if index % stride:
                if not capture.grab():
                    return
            else:
                ok, frame = capture.read()
                if not ok or frame is None:
                    return
                yield index, _rgb(frame)
                yielded += 1
            index += 1
    finally:
        capture.release()


def _rgb(frame: np.ndarray) -> np.ndarray:
    """An OpenCV frame (BGR, or grey) as contiguous RGB uint8."""
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


class VideoWriter:
    """Writes RGB uint8 frames to a video file (codec from the extension); a context manager."""

    def __init__(self, path: str | Path, fps: float, width: int, height: int) -> None:
        self.path = Path(path)
        codec = WRITE_CODECS.get(self.path.suffix.lower())
        if codec is None:
            known = ", ".join(sorted(WRITE_CODECS))
            raise DatasetError(f"cannot write {self.path}: use one of {known} as the extension")
        self.size = (int(width), int(height))
        self.frames = 0  # frames handed to the encoder
        fourcc = cv2.VideoWriter_fourcc(*codec)
        self._writer = cv2.VideoWriter(str(self.path), fourcc, float(fps or 25.0), self.size)
        if not self._writer.isOpened():
            raise DatasetError(
                f"cannot write video {self.path}: OpenCV could not open it for writing "
                "(is the folder writable?)"
            )

    def write(self, frame: np.ndarray) -> None:
        """Append one RGB uint8 (H, W, 3) frame of the writer's size."""
        self.write_bgr(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR))

    def write_bgr(self, frame: np.ndarray) -> None:
        """Append one BGR uint8 (H, W, 3) frame as decoders give it (no colour conversion)."""
        height, width = frame.shape[:2]
        if (width, height) != self.size:
            raise DatasetError(
                f"{self.path}: frame is {width}x{height}, the video is {self.size[0]}x{self.size[1]}"
            )
        self._writer.write(frame)
        self.frames += 1

    def close(self) -> None:
        """Finish the file."""
        self._writer.release()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
