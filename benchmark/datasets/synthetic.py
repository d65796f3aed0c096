"""Built-in synthetic gastroscopic-smoke pairs, generated deterministically on the fly.

Each case is a periodic tissue scene (albedo, fold height map, vessels, wetness) built once; a
frame is a smooth camera move over it (rotate/zoom/translate), lit by a point light at the camera
(inverse-square fall-off, Lambertian shading from surface normals, specular glints), with
vignetting and often a dark circular field-of-view border. Smoke follows I = J*t + A*(1-t) with
t = exp(-beta * depth * density), density being patchy fractal noise that drifts over frames.
Every random number comes from numpy generators seeded by (seed, case[, frame]), so an image
depends only on (seed, size, id) and never on what else was generated before.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from .base import SPLITS, DatasetError, PairedDataset, check_split

GENERATOR_VERSION = "synthetic-endoscopy-1"
ID_PATTERN = re.compile(r"^case(\d{2,})_f(\d{4,})$")
SCENE_CACHE = 3  # cases kept in memory (about 5 MB each at size 256)
PAD = 2  # circular padding around scene maps so bilinear sampling wraps
SMOKE_KEY_EVERY = 12  # frames between independent smoke-noise keyframes
SMOKE_GRIDS = (2, 4, 8, 16, 32, 64)  # fBm octaves of the smoke density, in cells per frame side
SMOKE_PERSISTENCE = 0.6  # amplitude ratio between successive smoke octaves
BETA_RANGE = (0.03, 1.0)  # scattering coefficient from light (level 0) to dense (level 1)
HAZE_DEPTH = 3.0  # depth beyond which smoke thickness stops growing
MAX_DEPTH = 9.0  # farthest depth (nearest = 1) in a lumen
FOLD_DEPTH = 0.22  # how far folds stand out, relative to depth
FALLOFF = 2.0  # irradiance ~ depth^-FALLOFF (inverse-square law)
EXPOSURE = 0.95  # auto-exposure: the 97th percentile of irradiance maps to this
AMBIENT = 0.01
LENS_K = 0.85  # tan(half field of view): wide-angle endoscope optics
GAMMA = 1 / 2.2
_THREADS_LOCK = threading.Lock()
_THREADS = {"depth": 0, "saved": 1}  # single_thread() nesting depth and the setting to restore

# Mucosa base colours (sRGB): pink, red, orange, salmon, pale pink.
PALETTE = np.array(
    [
        [0.92, 0.56, 0.52],
        [0.82, 0.32, 0.27],
        [0.93, 0.55, 0.36],
        [0.90, 0.47, 0.40],
        [0.93, 0.68, 0.62],
    ]
)
PALE_RGB = np.array([0.95, 0.84, 0.6])  # yellowish fat / fibrin patches


@dataclass(frozen=True)
class CaseParams:
    """Random choices that fix one case: colours, geometry style, motion and smoke curves."""

    base_rgb: np.ndarray  # sRGB mucosa colour
    deep_rgb: np.ndarray  # darker / redder variant mixed in by low-frequency noise
    fold_amp: float
    fold_angle: float
    fold_stretch: float
    vessel_strength: float
    pale: float
    wetness: float
    tube: float  # typical lumen view: 0 = a wall, 1 = down the lumen axis
    vignette: float
    fov_radius: float  # <= 0: no field-of-view border
    fov_octagon: float  # |u|+|v| limit of the border's cut corners
    motion: np.ndarray  # (signals, terms, 3): amplitude, frequency, phase of smooth curves
    drift: np.ndarray  # (2,) scene pixels per frame
    smoke_period: float
    smoke_phase: float
    airlight: float
    warm: np.ndarray  # (3,) airlight tint


@dataclass(frozen=True)
class Scene:
    """A case's periodic maps stacked for sampling: log albedo RGB, height, wetness, speckle."""

    maps: torch.Tensor  # (1, 6, S + 2*PAD, S + 2*PAD): log albedo RGB, height, wet, speckle
    size: int  # S, scene side in pixels


@dataclass(frozen=True)
class FrameState:
    """Per-frame camera pose, depth layout, smoke level and airlight."""

    center: tuple[float, float]
    angle: float
    zoom: float
    lumen: tuple[float, float]
    tilt: tuple[float, float]
    tube: float  # 0 = looking at a wall, 1 = looking down a lumen
    level: float
    beta: float
    sigma: float
    airlight: np.ndarray


# ----------------------------------------------------------------------------- noise helpers


def spectral_noise(
    rng: np.random.Generator,
    n: int,
    slope: float,
    f_lo: float,
    f_hi: float,
    stretch: float = 1.0,
    angle: float = 0.0,
) -> np.ndarray:
    """Periodic n x n fractal noise with power ~ f^-slope between f_lo and f_hi cycles/side.

    `stretch` > 1 squeezes frequencies across `angle`, giving elongated structures (folds).
    Returns float64 with mean 0 and standard deviation 1.
    """
    white = rng.standard_normal((n, n))
    fy = np.fft.fftfreq(n)[:, None] * n
    fx = np.fft.rfftfreq(n)[None, :] * n
    ca, sa = math.cos(angle), math.sin(angle)
    along = fx * ca + fy * sa
    across = -fx * sa + fy * ca
    f = np.sqrt((along * stretch) ** 2 + across**2)
    band = np.clip(f / f_lo, 0, 1) ** 2 * np.exp(-((f / f_hi) ** 2))
    amp = band * np.power(np.maximum(f, 1e-6), -slope / 2)
    out = np.fft.irfft2(np.fft.rfft2(white) * amp, s=(n, n))
    out -= out.mean()
    return out / (out.std() + 1e-12)


def smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Hermite ramp from 0 (x <= lo) to 1 (x >= hi)."""
    t = np.clip((x - lo) / (hi - lo), 0, 1)
    return t * t * (3 - 2 * t)


def vessel_map(rng: np.random.Generator, n: int, scale: float, count: int) -> np.ndarray:
    """Periodic map in [0, 1] of thin branching curves (blood vessels) drawn as random walks."""
    classes = np.array([0.45, 0.7, 1.0, 1.5]) * max(scale, 0.5)
    layers: list[list[np.ndarray]] = [[] for _ in classes]
    stack = [(rng.uniform(0, n, 2), rng.uniform(0, 2 * math.pi), 1.0, 0) for _ in range(count)]
    while stack:
        start, heading, width, depth = stack.pop()
        length = int(rng.uniform(0.2, 0.5) * n * width**0.5)
        turn = ndimage.uniform_filter1d(np.cumsum(rng.normal(0, 0.07, length)), 15)
        angles = heading + turn
        steps = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 0.5
        path = start + np.cumsum(steps, axis=0)
        layers[int(np.argmin(np.abs(classes - width * scale)))].append(path)
        if depth < 4 and length > 16:
            for at in rng.integers(length // 5, length, size=rng.integers(1, 4)):
                child = angles[at] + rng.choice([-1.0, 1.0]) * rng.uniform(0.35, 1.1)
                stack.append((path[at], child, width * rng.uniform(0.5, 0.75), depth + 1))
    out = np.zeros((n, n))
    for sigma, paths in zip(classes, layers, strict=True):
        if paths:
            out = np.maximum(out, _draw_paths(np.concatenate(paths), n, float(sigma)))
    return np.clip(out, 0, 1)


def _draw_paths(points: np.ndarray, n: int, sigma: float) -> np.ndarray:
    """Splat points spaced 0.5 px (bilinear, wrapping) and blur them into lines of peak ~1."""
    x, y = points[:, 0] % n, points[:, 1] % n
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = x - x0, y - y0
    grid = np.zeros(n * n)
    corners = (
        (0, 0, (1 - fx) * (1 - fy)),
        (1, 0, fx * (1 - fy)),
        (0, 1, (1 - fx) * fy),
        (1, 1, fx * fy),
    )
    for dx, dy, w in corners:
        grid += np.bincount(((y0 + dy) % n) * n + (x0 + dx) % n, weights=w, minlength=n * n)
    lines = ndimage.gaussian_filter(grid.reshape(n, n), sigma, mode="wrap")
    return lines * (0.5 * math.sqrt(2 * math.pi) * sigma) * 1.3


@functools.lru_cache(maxsize=8)
def spline_matrix(n: int) -> torch.Tensor:
    """(n, K) cubic B-spline weights upsampling all smoke octaves' control grids to n samples.

    Octave o has SMOKE_GRIDS[o] + 4 control points per side; their columns are concatenated.
    """
    blocks = []
    for cells in SMOKE_GRIDS:
        x = (np.arange(n) + 0.5) / n * cells + 1.5
        d = np.abs(x[:, None] - np.arange(cells + 4)[None, :])
        w = np.where(d < 1, 2 / 3 - d**2 + d**3 / 2, np.where(d < 2, (2 - d) ** 3 / 6, 0.0))
        blocks.append(w / np.sqrt((w**2).sum(axis=1, keepdims=True)))  # unit output variance
    return torch.from_numpy(np.concatenate(blocks, axis=1).astype(np.float32))


@functools.lru_cache(maxsize=4)
def pixel_grid(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised pixel-centre coordinates u (x), v (y) in [-1, 1] and r^2 = u^2 + v^2."""
    axis = ((np.arange(size) + 0.5) / size * 2 - 1).astype(np.float32)
    v, u = np.meshgrid(axis, axis, indexing="ij")
    r2 = u * u + v * v
    for a in (u, v, r2):
        a.setflags(write=False)
    return u, v, r2


# ----------------------------------------------------------------------------- per case


def case_params(seed: int, case: int) -> CaseParams:
    """Draw a case's fixed random choices from a generator seeded by (seed, case)."""
    rng = np.random.default_rng([seed, 1, case])
    i, j = rng.choice(len(PALETTE), size=2, replace=False)
    mix = rng.uniform(0, 0.5)
    base = np.clip(PALETTE[i] * (1 - mix) + PALETTE[j] * mix + rng.normal(0, 0.02, 3), 0.2, 0.97)
    deep = base * np.array([0.9, rng.uniform(0.6, 0.75), rng.uniform(0.6, 0.78)])
    border = rng.choice(["none", "circle", "octagon"], p=[0.4, 0.3, 0.3])
    motion = np.stack(
        [
            rng.uniform(0.3, 1.0, (10, 3)),
            rng.uniform(1 / 300, 1 / 90, (10, 3)),
            rng.uniform(0, 2 * math.pi, (10, 3)),
        ],
        axis=-1,
    )
    return CaseParams(
        base_rgb=base,
        deep_rgb=deep,
        fold_amp=float(rng.uniform(0.5, 1.0)),
        fold_angle=float(rng.uniform(0, math.pi)),
        fold_stretch=float(rng.uniform(1.5, 3.0)),
        vessel_strength=float(rng.uniform(0.1, 0.45)),
        pale=float(rng.uniform(0.0, 0.35) if rng.random() < 0.4 else 0.0),
        wetness=float(rng.uniform(0.3, 0.9)),
        tube=float(rng.uniform(0.1, 0.6)),
        vignette=float(rng.uniform(0.15, 0.4)),
        fov_radius={"none": 0.0, "circle": rng.uniform(0.93, 1.02)}.get(
            border, rng.uniform(1.05, 1.2)
        ),
        fov_octagon=float(rng.uniform(1.4, 1.6) if border == "octagon" else 9.0),
        motion=motion,
        drift=rng.normal(0, 0.5, 2),
        smoke_period=float(rng.uniform(60, 140)),
        smoke_phase=float(rng.uniform(0, 1)),
        airlight=float(rng.uniform(0.86, 0.98)),
        warm=np.array([1.0, rng.uniform(0.96, 0.99), rng.uniform(0.91, 0.96)]),
    )


def build_scene(seed: int, case: int, size: int) -> Scene:
    """Build a case's periodic scene maps (2x the frame side) from (seed, case)."""
    p = case_params(seed, case)
    rng = np.random.default_rng([seed, 4, case])
    n = 2 * size
    folds = spectral_noise(rng, n, 3.0, 2, 7, p.fold_stretch, p.fold_angle)
    ridges = np.exp(-(folds**2) / 0.6)
    bumps = spectral_noise(rng, n, 3.0, 4, 16)
    ripples = spectral_noise(rng, n, 2.0, 12, 40)
    height = p.fold_amp * ridges + 0.07 * bumps + 0.008 * ripples
    fine = spectral_noise(rng, n, 1.0, 20, 80 * n / 512)
    tone = smoothstep(spectral_noise(rng, n, 3.0, 1, 10), -0.5, 1.3)
    pale = smoothstep(spectral_noise(rng, n, 3.0, 2, 12), 0.6, 1.8) * p.pale
    vessels = vessel_map(rng, n, size / 256, count=int(rng.integers(4, 10)))
    vessels *= p.vessel_strength * smoothstep(spectral_noise(rng, n, 3.0, 1, 8), -1.0, 0.6)
    rgb = p.base_rgb[:, None, None] * (1 - tone) + p.deep_rgb[:, None, None] * tone
    rgb = rgb * (1 - pale) + PALE_RGB[:, None, None] * pale
    rgb = rgb * (1 + 0.025 * fine)[None]
    rgb = rgb * (1 - vessels[None] * np.array([0.3, 0.7, 0.6])[:, None, None])
    wet = smoothstep(spectral_noise(rng, n, 2.5, 3, 30), -0.2, 1.2) * p.wetness
    speckle = smoothstep(spectral_noise(rng, n, 0.5, 20, 200 * n / 512), 2.6, 3.4) * wet
    log_albedo = 2.2 * np.log(np.clip(rgb, 0.03, 1))
    maps = np.concatenate([log_albedo, height[None], wet[None], speckle[None]])
    tensor = torch.from_numpy(maps.astype(np.float32))[None]
    return Scene(maps=F.pad(tensor, (PAD, PAD, PAD, PAD), mode="circular"), size=n)


# ----------------------------------------------------------------------------- per frame


def _curves(p: CaseParams, frame: int) -> np.ndarray:
    """The case's smooth motion signals at `frame`, each roughly in [-1, 1]."""
    amp, freq, phase = p.motion[..., 0], p.motion[..., 1], p.motion[..., 2]
    values = (amp * np.sin(2 * math.pi * freq * frame + phase)).sum(-1)
    return values / amp.sum(-1)


def frame_state(seed: int, case: int, frame: int, size: int) -> FrameState:
    """Camera pose, depth layout and smoke parameters of one frame (smooth over frames)."""
    p = case_params(seed, case)
    rng = np.random.default_rng([seed, 2, case, frame])
    s = _curves(p, frame)
    n = 2 * size
    center = (
        n * (0.5 + 0.4 * s[0]) + p.drift[0] * frame * size / 256,
        n * (0.5 + 0.4 * s[1]) + p.drift[1] * frame * size / 256,
    )
    phase = (frame / p.smoke_period + p.smoke_phase) % 1.0
    level = float(np.clip(1 - abs(2 * phase - 1) + rng.normal(0, 0.02), 0, 1))
    return FrameState(
        center=center,
        angle=float(s[2] * 1.5),
        zoom=float(math.exp(0.15 + 0.25 * s[3])),
        lumen=(float(s[4] * 0.7), float(s[5] * 0.7)),
        tilt=(float(s[6] * 0.4), float(s[7] * 0.4)),
        tube=float(np.clip(p.tube + 0.6 * s[9], 0, 1)),
        level=level,
        beta=float(BETA_RANGE[0] * (BETA_RANGE[1] / BETA_RANGE[0]) ** level),
        sigma=float(0.35 + 0.3 * (s[8] * 0.5 + 0.5)),
        airlight=np.clip(p.airlight * p.warm + rng.normal(0, 0.008, 3), 0.8, 1.0),
    )


def _smoke_controls(seed: int, case: int, key: int) -> np.ndarray:
    """Block-diagonal matrix of all smoke octaves' unit-normal control grids for a keyframe.

    Octave o is scaled by SMOKE_PERSISTENCE**o and the sum normalised to unit variance.
    """
    rng = np.random.default_rng([seed, 3, case, key])
    sizes = [c + 4 for c in SMOKE_GRIDS]
    amps = np.array([SMOKE_PERSISTENCE**o for o in range(len(sizes))])
    amps /= np.sqrt((amps**2).sum())
    out = np.zeros((sum(sizes), sum(sizes)), dtype=np.float32)
    start = 0
    for k, amp in zip(sizes, amps, strict=True):
        out[start : start + k, start : start + k] = rng.standard_normal((k, k)) * amp
        start += k
    return out


def smoke_density(seed: int, case: int, frame: int, size: int, sigma: float) -> np.ndarray:
    """Patchy positive smoke density (mean about 1): spline fBm blended between keyframes."""
    key, rem = divmod(frame, SMOKE_KEY_EVERY)
    w = rem / SMOKE_KEY_EVERY
    w = w * w * (3 - 2 * w)
    norm = sigma / math.sqrt((1 - w) ** 2 + w**2)
    first, second = _smoke_controls(seed, case, key), _smoke_controls(seed, case, key + 1)
    controls = torch.from_numpy((first * (1 - w) + second * w) * np.float32(norm))
    m = spline_matrix(size)
    field = (m @ controls @ m.T).numpy()
    return np.exp(field - np.float32(0.5 * sigma * sigma))


def _warp(scene: Scene, state: FrameState, size: int) -> np.ndarray:
    """Sample the scene maps along the frame's rotated/zoomed/shifted view (bilinear, wrapped)."""
    half = state.zoom * size / 2
    ca, sa = math.cos(state.angle), math.sin(state.angle)
    theta = torch.tensor(
        [[[half * ca, -half * sa, state.center[0]], [half * sa, half * ca, state.center[1]]]],
        dtype=torch.float64,
    )
    pixels = F.affine_grid(theta, [1, 1, size, size], align_corners=False)
    last = scene.size + 2 * PAD - 1
    wrapped = torch.remainder(pixels, scene.size).add_(PAD).mul_(2 / last).sub_(1)
    out = F.grid_sample(scene.maps, wrapped.float(), align_corners=True)
    return out[0].numpy()


def _depth(state: FrameState, p: CaseParams, size: int) -> np.ndarray:
    """Base depth (nearest point = 1): a tilted wall blended with a tube seen along its axis."""
    u, v, _ = pixel_grid(size)
    r = np.sqrt((u - state.lumen[0]) ** 2 + (v - state.lumen[1]) ** 2 + 0.03)
    wall = 1 + state.tilt[0] * u + state.tilt[1] * v
    disparity = (1 - state.tube) * wall + state.tube * 1.2 * r
    disparity /= disparity.max()
    return 1 / np.maximum(disparity, 1 / MAX_DEPTH)


def _shade(depth: np.ndarray, height: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Irradiance from a light at the camera, and cos(normal, view) of the folded surface."""
    u, v, r2 = pixel_grid(size)
    z = depth * (1 - FOLD_DEPTH * height)
    zy, zx = np.gradient(z, 2 / size * LENS_K)
    x, y = u * LENS_K, v * LENS_K
    ray2 = 1 + r2 * LENS_K * LENS_K
    normal = np.sqrt(zx * zx + zy * zy + (z + x * zx + y * zy) ** 2)
    cos = np.clip(z / (np.sqrt(ray2) * normal), 0, 1)
    return cos / (z**FALLOFF * ray2), cos


def _fov_mask(p: CaseParams, size: int) -> np.ndarray | None:
    """Soft circular (octagon-cut) field-of-view mask, or None when the case has none."""
    if p.fov_radius <= 0:
        return None
    u, v, r2 = pixel_grid(size)
    edge = 3.0 / size
    inside = np.clip((p.fov_radius - np.sqrt(r2)) / edge, 0, 1)
    return inside * np.clip((p.fov_octagon - np.abs(u) - np.abs(v)) / edge, 0, 1)


def render_clear(
    scene: Scene, p: CaseParams, state: FrameState, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Smoke-free frame J (3,H,W) float32 in [0,1] and its depth map."""
    _, _, r2 = pixel_grid(size)
    maps = _warp(scene, state, size)
    log_albedo, height, wet, speckle = maps[:3], maps[3], maps[4], maps[5]
    depth = _depth(state, p, size)
    irradiance, cos = _shade(depth, height, size)
    irradiance *= EXPOSURE / np.quantile(irradiance[::4, ::4], 0.97)
    lit = np.minimum(irradiance, 1.5)
    albedo = np.exp(log_albedo * (1 + 0.8 * (1 - np.minimum(lit, 1))))
    cos2 = cos * cos
    cos8 = cos2 * cos2 * cos2 * cos2
    gloss = wet * smoothstep(cos, 0.988, 0.999) + speckle * cos8
    radiance = albedo * (lit + AMBIENT) + (gloss * 2.5 * np.minimum(lit * 2, 1))
    radiance *= 1 - p.vignette * (r2 / 2) ** 1.5
    return np.clip(radiance, 0, 1) ** GAMMA, depth


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one thread meanwhile: small per-frame ops thrash a busy multi-thread pool.

    Re-entrant and thread-safe: the first entry saves the setting and the last exit restores it.
    """
    with _THREADS_LOCK:
        if _THREADS["depth"] == 0:
            _THREADS["saved"] = torch.get_num_threads()
            torch.set_num_threads(1)
        _THREADS["depth"] += 1
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _THREADS["depth"] -= 1
            if _THREADS["depth"] == 0:
                torch.set_num_threads(_THREADS["saved"])


def render(
    seed: int, case: int, frame: int, size: int, scene: Scene
) -> tuple[np.ndarray, np.ndarray, float]:
    """Render one frame: (hazy uint8 HxWx3, clear uint8 HxWx3, mean transmission in view)."""
    p = case_params(seed, case)
    state = frame_state(seed, case, frame, size)
    with single_thread():
        clear, depth = render_clear(scene, p, state, size)
        density = smoke_density(seed, case, frame, size, state.sigma)
    trans = np.exp(-state.beta * density * np.minimum(depth, HAZE_DEPTH))
    air = state.airlight.astype(np.float32)[:, None, None]
    hazy = clear * trans + air * (1 - trans)
    mask = _fov_mask(p, size)
    if mask is None:
        return _to_uint8(hazy), _to_uint8(clear), float(trans.mean())
    mean_t = float(trans[mask > 0.5].mean())
    return _to_uint8(hazy * mask), _to_uint8(clear * mask), mean_t


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """(3,H,W) float in [0,1] -> HxWx3 uint8 with round-half-up quantisation."""
    scaled = np.floor(np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)
    return np.ascontiguousarray(scaled.transpose(1, 2, 0))


# ----------------------------------------------------------------------------- data set


class SyntheticEndoscopyDataset(PairedDataset):
    """Deterministic synthetic gastroscopic smoke pairs: cases of smoothly moving frames."""

    kind = "synthetic"

    def __init__(
        self,
        size: int = 256,
        seed: int = 0,
        n_cases: int = 10,
        frames_per_case: int = 270,
        test_cases: int | None = None,
    ) -> None:
        """Validate options; nothing is generated until images are requested."""
        self.size = _positive_int("size", size, minimum=16)
        self.seed = _positive_int("seed", seed, minimum=0)
        self.n_cases = _positive_int("n_cases", n_cases, minimum=2)
        self.frames_per_case = _positive_int("frames_per_case", frames_per_case, minimum=1)
        default_test = max(1, round(self.n_cases / 5))
        self.test_cases = _positive_int(
            "test_cases", default_test if test_cases is None else test_cases, minimum=1
        )
        if self.test_cases >= self.n_cases:
            raise DatasetError(
                f"test_cases={self.test_cases} leaves no training case of n_cases="
                f"{self.n_cases}: use fewer test cases or more cases"
            )
        self.name = "synthetic-endoscopy"
        self._scenes: OrderedDict[int, Scene] = OrderedDict()

    # ------------------------------------------------------------------ interface

    @property
    def parameters(self) -> dict[str, int]:
        """Constructor options that determine every image."""
        return {
            "size": self.size,
            "seed": self.seed,
            "n_cases": self.n_cases,
            "frames_per_case": self.frames_per_case,
            "test_cases": self.test_cases,
        }

    @property
    def fingerprint(self) -> str:
        """sha256 of the generator version and all parameters."""
        text = json.dumps({"generator": GENERATOR_VERSION, **self.parameters}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def split_cases(self, split: str) -> list[int]:
        """Case numbers of a split: the last `test_cases` cases are test, the rest train."""
        first_test = self.n_cases - self.test_cases
        return {
            "train": list(range(first_test)),
            "test": list(range(first_test, self.n_cases)),
            "all": list(range(self.n_cases)),
        }[check_split(split)]

    def ids(self, split: str = "test") -> list[str]:
        """Ids "caseCC_fFFFF" of a split, ordered by case then frame."""
        frames = range(self.frames_per_case)
        return [image_id(c, f) for c in self.split_cases(split) for f in frames]

    def parse_id(self, image_id: str) -> tuple[int, int]:
        """(case, frame) of an id, or DatasetError if it is malformed or out of range."""
        match = ID_PATTERN.match(image_id) if isinstance(image_id, str) else None
        if match is None:
            raise DatasetError(f"bad synthetic image id {image_id!r}: expected e.g. 'case08_f0000'")
        case, frame = int(match.group(1)), int(match.group(2))
        if case >= self.n_cases or frame >= self.frames_per_case:
            raise DatasetError(
                f"image id {image_id!r} is outside this set ({self.n_cases} cases x "
                f"{self.frames_per_case} frames): pick an id from ids()"
            )
        return case, frame

    def group(self, image_id: str) -> str:
        """The case an image belongs to, e.g. "case03"."""
        return f"case{self.parse_id(image_id)[0]:02d}"

    def load_pair(self, image_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Generate (hazy, clear) uint8 HxWx3 for one id."""
        case, frame = self.parse_id(image_id)
        hazy, clear, _ = render(self.seed, case, frame, self.size, self.scene(case))
        return hazy, clear

    def load_many(self, ids: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Generate many pairs into preallocated (N,H,W,3) arrays, building each scene once."""
        id_list = list(ids)
        parsed = [self.parse_id(i) for i in id_list]
        n, s = len(id_list), self.size
        hazy = np.empty((n, s, s, 3), dtype=np.uint8)
        clear = np.empty((n, s, s, 3), dtype=np.uint8)
        with single_thread():
            for k in sorted(range(n), key=lambda k: parsed[k]):
                case, frame = parsed[k]
                hazy[k], clear[k], _ = render(self.seed, case, frame, s, self.scene(case))
        return hazy, clear

    def meta(self, image_id: str) -> dict[str, Any]:
        """Per-image facts: case, frame, smoke level in [0,1], beta and mean transmission."""
        case, frame = self.parse_id(image_id)
        state = frame_state(self.seed, case, frame, self.size)
        _, _, mean_t = render(self.seed, case, frame, self.size, self.scene(case))
        return {
            "id": image_id,
            "case": case,
            "frame": frame,
            "group": f"case{case:02d}",
            "split": "test" if case in self.split_cases("test") else "train",
            "smoke_level": round(state.level, 4),
            "beta": round(state.beta, 4),
            "mean_transmission": round(mean_t, 4),
            "airlight": [round(float(a), 4) for a in state.airlight],
        }

    def info(self) -> dict[str, Any]:
        """JSON-able description of the generator, its parameters and split sizes."""
        return {
            "name": self.name,
            "kind": self.kind,
            "generator": GENERATOR_VERSION,
            "parameters": self.parameters,
            "splits": {s: len(self.split_cases(s)) * self.frames_per_case for s in SPLITS},
            "cases": {s: [f"case{c:02d}" for c in self.split_cases(s)] for s in ("train", "test")},
            "notes": [
                "generated on the fly; no files are read",
                "smoke model I = J*t + A*(1-t), t = exp(-beta*depth*density)",
                "train and test hold different cases, so no scene appears in both",
            ],
        }

    # ------------------------------------------------------------------ internals

    def scene(self, case: int) -> Scene:
        """Scene maps of a case, built once and kept for the last SCENE_CACHE cases used."""
        if case in self._scenes:
            self._scenes.move_to_end(case)
            return self._scenes[case]
        scene = build_scene(self.seed, case, self.size)
        self._scenes[case] = scene
        while len(self._scenes) > SCENE_CACHE:
            self._scenes.popitem(last=False)
        return scene


def image_id(case: int, frame: int) -> str:
    """Synthetic id for a case and frame, e.g. image_id(8, 0) == "case08_f0000"."""
    return f"case{case:02d}_f{frame:04d}"


def _positive_int(name: str, value: Any, minimum: int) -> int:
    """Return `value` as int if it is an integer >= minimum, else DatasetError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        try:
            as_float = float(value)
        except (TypeError, ValueError):
            as_float = math.nan
        if not as_float.is_integer():
            raise DatasetError(f"synthetic option {name}={value!r}: expected an integer")
        value = int(as_float)
    if int(value) < minimum:
        raise DatasetError(f"synthetic option {name}={value!r}: must be >= {minimum}")
    return int(value)
