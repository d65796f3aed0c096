"""The tissue of one synthetic endoscopy case: its random choices and periodic surface maps.

A case's colours, fold style, wetness, motion and smoke curves are drawn once from (seed, case);
its scene is a periodic map, twice the frame side, of log albedo (mucosa, vessels, pale
patches), fold height, wetness and specular speckle that every frame of the case samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

PAD = 2  # circular padding around scene maps so bilinear sampling wraps

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
