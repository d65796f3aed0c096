"""pytest-benchmark: `enhance` end to end against the codec alone, interleaved in one run.

The clip is the issue's: 1080p MJPG cycling the three real frames of
../shared/data/endoscopy/real_presmoke_sequence (FRAMES frames here, 240 in the issue), written
with the suite's VideoWriter. The peer is the same pipeline with no method (decode on the
reader thread, encode on the writer thread, same sink, same threads): the codec floor. Each
round runs the peer and `enhance` alternately and the best of ROUNDS is kept for each (the
least disturbed by other work on a shared machine); the ratio enhance / codec goes to
extra_info and is held to the issue's claim: >= 0.8 for LNet-GIE, >= 0.5 for AOD-Net.

AOD-Net's convs cost MACS_PER_PIXEL multiply-adds per pixel (3.6 G per 1080p frame); where the
fused kernel alone, measured in the same run, is slower than half the codec's rate, 0.5x cannot
be reached by any pipeline on this CPU and the test says so with the numbers (xfail), while
still holding the pipeline to overlap: end to end at least 0.7x the method alone.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import pytest
import torch
from pytest_benchmark.fixture import BenchmarkFixture

import methods
from benchmark.data.video import VideoWriter
from benchmark.enhance.sink import FrameSink
from benchmark.enhance.sources import open_source
from benchmark.enhance.streaming import StreamStats, codec_only, frame_function, stream
from tests.conftest import SHARED_DATA

THREADS = 2
FRAMES = 60
ROUNDS = 3
SEQUENCE = SHARED_DATA / "endoscopy" / "real_presmoke_sequence"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SEQUENCE.is_dir():
        pytest.skip("../shared/data not present (only in the dev checkout)")
    frames = [cv2.imread(str(p)) for p in sorted(SEQUENCE.glob("*.jpg"))]
    path = tmp_path_factory.mktemp("clip") / "clip.avi"
    with VideoWriter(path, 30.0, 1920, 1080) as writer:
        for i in range(FRAMES):
            writer.write_bgr(frames[i % len(frames)])
    return path


def _run(fn, clip: Path, out: Path) -> StreamStats:
    out.unlink(missing_ok=True)
    source = open_source(str(clip))
    return stream(fn, source, FrameSink(out, source.kind, source.fps), progress=False)


def _interleaved(spec: str, clip: Path, folder: Path) -> dict[str, float]:
    torch.set_num_threads(THREADS)
    cv2.setNumThreads(THREADS)
    fn = frame_function(methods.get_method(spec))
    best = {"codec_fps": 0.0, "enhance_fps": 0.0, "method_fps": 0.0}
    for _ in range(ROUNDS):
        best["codec_fps"] = max(best["codec_fps"], _run(codec_only, clip, folder / "c.avi").fps)
        stats = _run(fn, clip, folder / "e.avi")
        best["enhance_fps"] = max(best["enhance_fps"], stats.fps)
        best["method_fps"] = max(best["method_fps"], stats.method_fps)
    best["ratio"] = best["enhance_fps"] / best["codec_fps"]
    return best


def _report(benchmark: BenchmarkFixture, spec: str, best: dict[str, float]) -> None:
    benchmark.extra_info.update({k: round(v, 3) for k, v in best.items()})
    print(
        f"\n{spec}: codec only {best['codec_fps']:.1f} frames/s, enhance {best['enhance_fps']:.1f}"
        f" (method alone {best['method_fps']:.1f}): enhance / codec = {best['ratio']:.2f}"
    )


def test_lnet_gie_at_the_codec_floor(
    benchmark: BenchmarkFixture, clip: Path, tmp_path: Path
) -> None:
    benchmark.group = "enhance vs codec"
    best: dict[str, float] = {}  # the timed call is the whole interleaved measurement
    benchmark.pedantic(lambda: best.update(_interleaved("lnet-gie", clip, tmp_path)), rounds=1)
    _report(benchmark, "lnet-gie", best)
    assert best["ratio"] >= 0.8


def _aodnet_macs_per_pixel() -> int:
    """Multiply-adds per output pixel of AOD-Net's five convs (from their weight shapes)."""
    net = methods.get_method("aodnet").module
    convs = (net.e_conv1, net.e_conv2, net.e_conv3, net.e_conv4, net.e_conv5)
    return sum(conv.weight.numel() for conv in convs)


def test_aodnet_against_the_codec(benchmark: BenchmarkFixture, clip: Path, tmp_path: Path) -> None:
    benchmark.group = "enhance vs codec"
    best: dict[str, float] = {}
    benchmark.pedantic(lambda: best.update(_interleaved("aodnet", clip, tmp_path)), rounds=1)
    macs = _aodnet_macs_per_pixel() * 1920 * 1080
    best["gmac_per_frame"] = macs / 1e9
    best["kernel_gflops"] = 2 * macs * best["method_fps"] / 1e9
    _report(benchmark, "aodnet", best)
    assert best["enhance_fps"] >= 0.7 * min(best["method_fps"], best["codec_fps"])  # overlap
    if best["ratio"] < 0.5 and best["method_fps"] < 0.5 * best["codec_fps"]:
        pytest.xfail(
            f"0.5x needs {0.5 * best['codec_fps']:.1f} frames/s; AOD-Net is "
            f"{best['gmac_per_frame']:.2f} GMAC per 1080p frame and its fused kernel runs "
            f"{best['kernel_gflops']:.1f} GFLOP/s here, {best['method_fps']:.1f} frames/s alone"
        )
    assert best["ratio"] >= 0.5


@pytest.mark.parametrize("scale", [4, 8])
def test_fast_dcp_at_1080p(benchmark: BenchmarkFixture, scale: int) -> None:
    """dcp:gf_scale=N against dcp on a real 1080p frame, interleaved: frames/s of each."""
    if not SEQUENCE.is_dir():
        pytest.skip("../shared/data not present (only in the dev checkout)")
    torch.set_num_threads(THREADS)
    cv2.setNumThreads(THREADS)
    rgb = cv2.cvtColor(cv2.imread(str(sorted(SEQUENCE.glob("*.jpg"))[0])), cv2.COLOR_BGR2RGB)
    x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float().div(255).contiguous()
    exact, fast = methods.get_method("dcp"), methods.get_method(f"dcp:gf_scale={scale}")
    best = {"dcp": float("inf"), "fast": float("inf")}
    for _ in range(5):
        for name, method in (("dcp", exact), ("fast", fast)):
            start = time.perf_counter()
            method.enhance(x)
            best[name] = min(best[name], time.perf_counter() - start)
    benchmark.group = "fast dcp 1080p"
    benchmark.extra_info.update({f"{k}_fps": round(1 / v, 2) for k, v in best.items()})
    print(f"\ndcp {1 / best['dcp']:.1f} frames/s, dcp:gf_scale={scale} {1 / best['fast']:.1f}")
    benchmark.pedantic(fast.enhance, args=(x,), rounds=3, warmup_rounds=1)
    assert best["fast"] < best["dcp"]
