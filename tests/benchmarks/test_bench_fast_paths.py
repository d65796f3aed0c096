"""pytest-benchmark: the CPU fast paths against their peers, timed interleaved in the same run.

Run with ``nox -s bench`` (or ``python -m pytest tests/benchmarks --benchmark-only``). Torch is
pinned to 2 threads, OpenCV to 2. Each ratio test runs ours and its peer alternately on the same
1080x1920 frame, keeps the best of a few repeats of each (the least disturbed by other work on a
shared machine), stores both times and peer/ours in extra_info, prints them, and asserts the
issue's claim about the ratio (never an absolute time):

- LNet-GIE (fused OpenCV kernel, backend=auto) at most 0.15x the plain eager network (rm=1.0),
  both for rm=1.0 and for the default spec (rm=0.5); rm=0.5 fused against rm=0.5 eager is
  recorded and only held to be faster;
- LNet-GIE rm=0.5 faster than rm=1.0 (both on the default path);
- DCP and CAP no slower than plain OpenCV/numpy versions with the same parameters (below);
- AOD-Net's default CPU path (the fused OpenCV kernel, backend=auto) faster than the eager
  network and than channels_last (auto's choice before it); channels_last against eager:
  recorded, no claim (the README says which wins).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import cv2
import numpy as np
import pytest
import torch
from pytest_benchmark.fixture import BenchmarkFixture

import methods
from tests.methods.reference_weights import deterministic_like

THREADS = 2
torch.set_num_threads(THREADS)
cv2.setNumThreads(THREADS)
HEIGHT, WIDTH = 1080, 1920
REPEATS = 5


@pytest.fixture(scope="module")
def frame() -> torch.Tensor:
    """A smooth, seeded, hazy-looking 1080p frame (1,3,H,W) in [0,1]."""
    gen = torch.Generator().manual_seed(0)
    coarse = torch.rand(1, 3, HEIGHT // 16, WIDTH // 16, generator=gen)
    smooth = torch.nn.functional.interpolate(coarse, size=(HEIGHT, WIDTH), mode="bilinear")
    return (0.35 + 0.6 * smooth).contiguous()


def _hwc(x: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(x[0].permute(1, 2, 0).numpy())


# --- peers: plain OpenCV/numpy implementations as one would write them -----------------------
def peer_guided_filter(guide: np.ndarray, src: np.ndarray, r: int, eps: float) -> np.ndarray:
    """The textbook guided filter with normalised cv2.boxFilter (grey or colour guide)."""
    size = (2 * r + 1, 2 * r + 1)

    def box(a: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(a, -1, size)

    if guide.ndim == 2:
        mean_i, mean_p = box(guide), box(src)
        a = (box(guide * src) - mean_i * mean_p) / (box(guide * guide) - mean_i * mean_i + eps)
        return box(a) * guide + box(mean_p - a * mean_i)
    mean_i = box(guide)
    mean_p = box(src)
    cov = box(guide * src[..., None]) - mean_i * mean_p[..., None]
    sigma = np.empty((*guide.shape[:2], 3, 3), np.float32)
    for i in range(3):
        for j in range(i, 3):
            v = box(guide[..., i] * guide[..., j]) - mean_i[..., i] * mean_i[..., j]
            sigma[..., i, j] = sigma[..., j, i] = v + (eps if i == j else 0.0)
    a = np.linalg.solve(sigma, cov[..., None])[..., 0]
    b = mean_p - (a * mean_i).sum(axis=2)
    return (box(a) * guide).sum(axis=2) + box(b)


def peer_dcp(img: np.ndarray) -> np.ndarray:
    """DCP with the suite's parameters (15x15, top 0.1%, omega .95, t0 .1, GF r 60 eps 1e-4)."""
    kernel = np.ones((15, 15), np.uint8)
    dark = cv2.erode(img.min(axis=2), kernel)
    count = max(1, int(dark.size * 0.001))
    top = np.argpartition(dark.ravel(), -count)[-count:]
    flat = img.reshape(-1, 3)
    light = flat[top[np.argmax(flat[top].sum(axis=1))]]
    t = 1 - 0.95 * cv2.erode((img / light).min(axis=2), kernel)
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    t = np.maximum(peer_guided_filter(gray, t.astype(np.float32), 60, 1e-4), 0.1)
    return (img - light) / t[..., None] + light


def peer_cap(img: np.ndarray) -> np.ndarray:
    """CAP with the suite's parameters (HSV depth model, 15x15, GF r 15 eps 1e-3, beta 1)."""
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    depth = 0.121779 + 0.959710 * hsv[..., 2] - 0.780245 * hsv[..., 1]
    region = cv2.erode(depth, np.ones((15, 15), np.uint8))
    count = max(1, int(np.ceil(region.size * 0.001)))
    deepest = np.argpartition(region.ravel(), -count)[-count:]
    colours = img.reshape(-1, 3)[deepest]
    keep = colours[np.argsort(np.linalg.norm(colours, axis=1))[-20:]]
    light = keep.max(axis=0)
    t = np.clip(np.exp(-peer_guided_filter(img, depth, 15, 1e-3)), 0.05, 1.0)
    return (img - light) / t[..., None] + light


# --- timing ------------------------------------------------------------------------------------
def _best(calls: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Best wall time of each call over REPEATS interleaved rounds (after a warm-up call)."""
    for fn in calls.values():
        fn()
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(REPEATS):
        for key, fn in calls.items():
            start = time.perf_counter()
            fn()
            best[key] = min(best[key], time.perf_counter() - start)
    return best


def _report(benchmark: BenchmarkFixture, claim: str, best: dict[str, float]) -> float:
    """Store and print ours, the peer and peer/ours... and return ours/peer."""
    ours, peer = best["ours"], best["peer"]
    benchmark.extra_info.update(
        {
            "claim": claim,
            "ours_ms": round(ours * 1e3, 2),
            "peer_ms": round(peer * 1e3, 2),
            "ours_over_peer": round(ours / peer, 3),
            "torch_threads": torch.get_num_threads(),
            "cv2_threads": cv2.getNumThreads(),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
            "cpu_count": os.cpu_count(),
            "input": f"1x3x{HEIGHT}x{WIDTH} float32",
        }
    )
    print(
        f"\n{claim}: ours {ours * 1e3:.1f} ms, peer {peer * 1e3:.1f} ms, ours/peer {ours / peer:.3f}"
    )
    return ours / peer


def _lnet(spec: str) -> methods.Method:
    method = methods.get_method(spec, use_shipped=False)
    method.module.load_state_dict(deterministic_like(method.module.state_dict(), seed=1))
    return method


def test_lnet_gie_fused_vs_eager(benchmark: BenchmarkFixture, frame: torch.Tensor) -> None:
    # the peer: the plain eager 2-conv network on the full frame (rm=1.0), 171 ms there
    benchmark.group = "lnet-gie rm=1.0"
    ours, eager = _lnet("lnet-gie:rm=1.0"), _lnet("lnet-gie:rm=1.0,backend=eager")
    assert float((ours.enhance(frame) - eager.enhance(frame)).abs().max()) <= 1e-6
    best = _best({"ours": lambda: ours.enhance(frame), "peer": lambda: eager.enhance(frame)})
    benchmark.pedantic(ours.enhance, args=(frame,), rounds=5, warmup_rounds=1)
    assert _report(benchmark, "LNet-GIE rm=1.0 fused / eager", best) <= 0.15


def test_lnet_gie_default_vs_plain_eager(benchmark: BenchmarkFixture, frame: torch.Tensor) -> None:
    # what `lnet-gie` runs by default (rm=0.5, fused) against the plain eager network (rm=1.0)
    benchmark.group = "lnet-gie default"
    ours, plain = _lnet("lnet-gie"), _lnet("lnet-gie:rm=1.0,backend=eager")
    best = _best({"ours": lambda: ours.enhance(frame), "peer": lambda: plain.enhance(frame)})
    benchmark.pedantic(ours.enhance, args=(frame,), rounds=5, warmup_rounds=1)
    assert _report(benchmark, "LNet-GIE default (rm=0.5, fused) / plain eager", best) <= 0.15


def test_lnet_gie_half_fused_vs_half_eager(
    benchmark: BenchmarkFixture, frame: torch.Tensor
) -> None:
    # recorded, no claim: eager rm=0.5 is itself mostly resampling (about 26 ms here), so the
    # fused path's lead is bounded by reading the frame and writing the output (README)
    benchmark.group = "lnet-gie rm=0.5"
    ours, eager = _lnet("lnet-gie:rm=0.5"), _lnet("lnet-gie:rm=0.5,backend=eager")
    assert float((ours.enhance(frame) - eager.enhance(frame)).abs().max()) <= 1e-6
    best = _best({"ours": lambda: ours.enhance(frame), "peer": lambda: eager.enhance(frame)})
    benchmark.pedantic(ours.enhance, args=(frame,), rounds=5, warmup_rounds=1)
    assert _report(benchmark, "LNet-GIE rm=0.5 fused / rm=0.5 eager", best) < 1.0


def test_lnet_gie_rm_half_vs_full(benchmark: BenchmarkFixture, frame: torch.Tensor) -> None:
    benchmark.group = "lnet-gie rm"
    half, full = _lnet("lnet-gie:rm=0.5"), _lnet("lnet-gie:rm=1.0")
    best = _best({"ours": lambda: half.enhance(frame), "peer": lambda: full.enhance(frame)})
    benchmark.pedantic(half.enhance, args=(frame,), rounds=5, warmup_rounds=1)
    assert _report(benchmark, "LNet-GIE rm=0.5 / rm=1.0 (default path)", best) < 1.0


@pytest.mark.parametrize(("name", "peer"), [("dcp", peer_dcp), ("cap", peer_cap)])
def test_classical_vs_plain_opencv(
    benchmark: BenchmarkFixture, frame: torch.Tensor, name: str, peer: Callable
) -> None:
    benchmark.group = name
    method, img = methods.get_method(name), _hwc(frame)
    diff = np.abs(method.enhance(frame)[0].permute(1, 2, 0).numpy() - np.clip(peer(img), 0, 1))
    assert float(np.percentile(diff, 99)) < 0.05  # the peer is the same algorithm (other borders)
    best = _best({"ours": lambda: method.enhance(frame), "peer": lambda: peer(img)})
    benchmark.pedantic(method.enhance, args=(frame,), rounds=3, warmup_rounds=1)
    assert _report(benchmark, f"{name.upper()} ours / plain OpenCV+numpy", best) <= 1.0


def test_aodnet_channels_last_vs_eager(benchmark: BenchmarkFixture, frame: torch.Tensor) -> None:
    benchmark.group = "aodnet"
    nhwc = methods.get_method("aodnet:backend=channels_last")
    eager = methods.get_method("aodnet:backend=eager")
    best = _best({"ours": lambda: nhwc.enhance(frame), "peer": lambda: eager.enhance(frame)})
    benchmark.pedantic(nhwc.enhance, args=(frame,), rounds=3, warmup_rounds=1)
    _report(benchmark, "AOD-Net channels_last / eager", best)
    assert nhwc.backend.max_abs_diff_vs_eager is not None
    assert nhwc.backend.max_abs_diff_vs_eager <= 1e-5


@pytest.mark.parametrize("peer_backend", ["eager", "channels_last"])
def test_aodnet_default_vs_torch(
    benchmark: BenchmarkFixture, frame: torch.Tensor, peer_backend: str
) -> None:
    # what `aodnet` runs by default on the CPU (fused) against the torch backends (same weights)
    benchmark.group = f"aodnet default vs {peer_backend}"
    ours, peer = methods.get_method("aodnet"), methods.get_method(f"aodnet:backend={peer_backend}")
    assert float((ours.enhance(frame) - peer.enhance(frame)).abs().max()) <= 1e-5
    assert ours.backend.path == "fused"
    best = _best({"ours": lambda: ours.enhance(frame), "peer": lambda: peer.enhance(frame)})
    benchmark.pedantic(ours.enhance, args=(frame,), rounds=3, warmup_rounds=1)
    assert _report(benchmark, f"AOD-Net default (fused) / {peer_backend}", best) < 1.0
