"""Enhance a stream of frames (a video, a live source, a folder of images, one image) in order.

Frames stay 8-bit BGR from the decoder to the encoder. Decoding runs ahead and encoding behind
on helper threads (benchmark/enhance/background.py), so at most a handful of frames are held.
With `realtime` the reader never waits for the method: when `depth` frames wait unprocessed the
oldest is dropped and counted, so no frame is ever more than `depth` frames behind the source.
Latency is per frame, from the moment it was decoded to the moment its output was written.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch
from tqdm import tqdm

from methods import Method

from ..images import unit_to_uint8
from .background import BackgroundCalls, freshest, prefetched
from .sink import FrameSink
from .sources import Frame, FrameSource

FrameFunction = Callable[[np.ndarray], np.ndarray]


@dataclass
class StreamStats:
    """Frames done, failed and dropped, end-to-end and method seconds, per-frame latencies."""

    frames: int = 0
    failed: list[str] = field(default_factory=list)
    dropped: int = 0
    wall_s: float = 0.0
    method_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)

    @property
    def fps(self) -> float:
        """End-to-end frames per second (decode + enhance + encode)."""
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def method_fps(self) -> float:
        """Frames per second of the method alone (frame in, frame out)."""
        return self.frames / self.method_s if self.method_s > 0 else 0.0

    def latency_ms(self) -> dict[str, float]:
        """p50, p90, p99 and max of decode-to-written latency in ms (MLPerf SingleStream)."""
        if not self.latencies_s:
            return {"p50": float("nan"), "p90": float("nan"), "p99": float("nan"), "max": 0.0}
        ms = np.asarray(self.latencies_s) * 1000.0
        p50, p90, p99 = np.percentile(ms, [50, 90, 99])
        return {"p50": float(p50), "p90": float(p90), "p99": float(p99), "max": float(ms.max())}


def tensor_frame(method: Method, bgr: np.ndarray) -> np.ndarray:
    """One BGR uint8 frame through `method.enhance` as a float RGB tensor, back as BGR uint8."""
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    x = torch.from_numpy(rgb).permute(2, 0, 1)[None].to(torch.float32).div_(255.0)
    out = unit_to_uint8(method.enhance(x.to(method.device))[0].cpu())
    return cv2.cvtColor(out, cv2.COLOR_RGB2BGR)


def frame_function(method: Method) -> FrameFunction:
    """How one frame goes through `method`: its fused 8-bit kernel where it has one, or tensors."""
    fused = getattr(method, "enhance_bgr_uint8", None)
    if method.device.type == "cuda":
        from .cuda import CudaFrames  # only where a GPU is used

        return CudaFrames(method)

    def run(bgr: np.ndarray) -> np.ndarray:
        out = fused(bgr) if fused is not None else None
        return tensor_frame(method, bgr) if out is None else out

    return run


def codec_only(bgr: np.ndarray) -> np.ndarray:
    """No method: the frame as decoded (the codec floor `enhance` is measured against)."""
    return bgr


def _error_line(label: str, exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else repr(exc)
    return f"{label}: {text}"


def stream(
    enhance: FrameFunction,
    source: FrameSource,
    sink: FrameSink,
    progress: bool = True,
    on_error: Callable[[str], None] | None = None,
    realtime: bool = False,
    depth: int = 2,
    name: str = "enhance",
) -> StreamStats:
    """Enhance every frame of `source` into `sink` in order; a frame that fails is reported.

    The sink is committed only when every frame went through (else aborted: nothing half
    written stays under OUTPUT's name).
    """
    stats = StreamStats()
    bar = tqdm(
        total=source.total,
        desc=name,
        unit="frame",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )

    def write(item: tuple[Frame, np.ndarray]) -> None:
        frame, enhanced = item
        sink.write(frame.label, frame.bgr, enhanced)  # type: ignore[arg-type]
        stats.latencies_s.append(time.perf_counter() - frame.decoded)

    def dropped() -> None:
        stats.dropped += 1

    frames = freshest(source.frames, depth, dropped) if realtime else prefetched(source.frames)
    start = time.perf_counter()
    writer: BackgroundCalls[tuple[Frame, np.ndarray]] = BackgroundCalls(write)
    committed = False
    try:
        for frame in frames:
            if frame.bgr is None:  # a file of a folder that does not decode
                stats.failed.append(frame.label)
                if on_error is not None:
                    on_error(frame.error)
                continue
            try:
                begin = time.perf_counter()
                enhanced = enhance(frame.bgr)
                stats.method_s += time.perf_counter() - begin
            except (RuntimeError, ValueError, FloatingPointError) as exc:
                stats.failed.append(frame.label)
                if on_error is not None:
                    on_error(_error_line(frame.label, exc))
                continue
            writer.submit((frame, enhanced))
            stats.frames += 1
            bar.update(1)
            bar.set_postfix_str(f"method {stats.frames / max(stats.method_s, 1e-9):.1f} fps")
        writer.close()
        sink.commit()
        committed = True
    finally:
        try:
            writer.close()  # idempotent after success; after an error, waits for the writes
        except BaseException:
            if committed:
                raise
        finally:
            stats.wall_s = time.perf_counter() - start
            if not committed:
                sink.abort()
            bar.close()
    return stats
