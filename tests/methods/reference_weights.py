"""Deterministic weights and inputs for reference-output tests (numpy RNG, stable across torch).

The same recipe was used, beside the official code, to compute the stored reference outputs in
tests/methods/reference/*.npz; see each npz's RECIPE.md entry.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import numpy as np
import torch


def _rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def deterministic_like(
    template: Mapping[str, torch.Tensor], seed: int = 0, gain: float = 1.0
) -> dict[str, torch.Tensor]:
    """A state_dict with the template's keys/shapes and seeded values of sane scale.

    Weights ~ N(0, gain/fan_in); biases ~ N(0, 0.05); BatchNorm running_var ~ U(0.5, 1.5),
    running_mean ~ N(0, 0.1); BN/PReLU-like 1-D `weight`s ~ U(0.5, 1.5); integer buffers = 0.
    """
    out: dict[str, torch.Tensor] = {}
    for key, tensor in template.items():
        rng = _rng(seed, key)
        shape = tuple(tensor.shape)
        if not tensor.is_floating_point():
            out[key] = torch.zeros_like(tensor)
            continue
        if key.endswith("running_var"):
            values = rng.uniform(0.5, 1.5, shape)
        elif key.endswith("running_mean"):
            values = rng.normal(0.0, 0.1, shape)
        elif len(shape) >= 2:
            fan_in = int(np.prod(shape[1:]))
            values = rng.normal(0.0, np.sqrt(gain / fan_in), shape)
        elif key.endswith("weight"):
            values = rng.uniform(0.5, 1.5, shape)
        else:
            values = rng.normal(0.0, 0.05, shape)
        out[key] = torch.from_numpy(np.asarray(values, dtype=np.float32)).reshape(shape)
    return out


def deterministic_image(shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    """A seeded float32 image batch in [0,1] with smooth structure plus noise (not pure noise)."""
    rng = np.random.default_rng(seed)
    n, c, h, w = shape
    yy, xx = np.meshgrid(np.linspace(0, 1, h), np.linspace(0, 1, w), indexing="ij")
    base = 0.5 + 0.3 * np.sin(6 * xx + rng.uniform(0, 6, (n, c, 1, 1))) * np.cos(4 * yy)
    img = base + rng.normal(0, 0.08, (n, c, h, w))
    return torch.from_numpy(np.clip(img, 0, 1).astype(np.float32))
