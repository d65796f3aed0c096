"""One frame of a synthetic case: its state and the smoke-free image the endoscope sees.

A frame is a smooth camera move over the case's scene (rotate/zoom/translate), lit by a point
light at the camera (inverse-square fall-off, Lambertian shading from surface normals, specular
glints), with vignetting and often a dark circular field-of-view border.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .synthetic_scene import PAD, CaseParams, Scene, case_params, smoothstep
from .synthetic_smoke import scattering

MAX_DEPTH = 9.0  # farthest depth (nearest = 1) in a lumen
FOLD_DEPTH = 0.22  # how far folds stand out, relative to depth
FALLOFF = 2.0  # irradiance ~ depth^-FALLOFF (inverse-square law)
EXPOSURE = 0.95  # auto-exposure: the 97th percentile of irradiance maps to this
AMBIENT = 0.01
LENS_K = 0.85  # tan(half field of view): wide-angle endoscope optics
GAMMA = 1 / 2.2


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


@functools.lru_cache(maxsize=4)
def pixel_grid(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised pixel-centre coordinates u (x), v (y) in [-1, 1] and r^2 = u^2 + v^2."""
    axis = ((np.arange(size) + 0.5) / size * 2 - 1).astype(np.float32)
    v, u = np.meshgrid(axis, axis, indexing="ij")
    r2 = u * u + v * v
    for a in (u, v, r2):
        a.setflags(write=False)
    return u, v, r2


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
        beta=scattering(level),
        sigma=float(0.35 + 0.3 * (s[8] * 0.5 + 0.5)),
        airlight=np.clip(p.airlight * p.warm + rng.normal(0, 0.008, 3), 0.8, 1.0),
    )


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


def _depth(state: FrameState, size: int) -> np.ndarray:
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


def fov_mask(p: CaseParams, size: int) -> np.ndarray | None:
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
    depth = _depth(state, size)
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
