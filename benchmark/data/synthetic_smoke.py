"""The smoke of the synthetic set: patchy drifting density and the haze model that applies it.

Smoke follows I = J*t + A*(1-t) with t = exp(-beta * depth * density); the density is spline
fractal noise whose control grids are drawn per keyframe from (seed, case, key) and blended
smoothly between keyframes, so smoke drifts over frames and depends on nothing else.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

SMOKE_KEY_EVERY = 12  # frames between independent smoke-noise keyframes
SMOKE_GRIDS = (2, 4, 8, 16, 32, 64)  # fBm octaves of the smoke density, in cells per frame side
SMOKE_PERSISTENCE = 0.6  # amplitude ratio between successive smoke octaves
BETA_RANGE = (0.03, 1.0)  # scattering coefficient from light (level 0) to dense (level 1)
HAZE_DEPTH = 3.0  # depth beyond which smoke thickness stops growing


def scattering(level: float) -> float:
    """Scattering coefficient beta of a smoke level in [0, 1] (geometric in the level)."""
    return float(BETA_RANGE[0] * (BETA_RANGE[1] / BETA_RANGE[0]) ** level)


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


def add_smoke(
    clear: np.ndarray, depth: np.ndarray, density: np.ndarray, beta: float, airlight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hazy image I = J*t + A*(1-t) of a (3,H,W) clear image J, and the transmission t."""
    trans = np.exp(-beta * density * np.minimum(depth, HAZE_DEPTH))
    air = airlight.astype(np.float32)[:, None, None]
    return clear * trans + air * (1 - trans), trans
