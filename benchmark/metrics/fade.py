"""FADE, Choi, You and Bovik's fog aware density evaluator (TIP 2015): lower = less fog.

Per 8 x 8 patch of the 8-bit image, 12 fog-aware statistics (MSCN variances, local deviation and
coefficient of variation, contrast energy, entropy, dark channel, saturation, colourfulness);
FADE = mean distance to a fog-free model / (mean distance to a foggy model + 1).

Scored by the `fade-python` package (import `pyfade`, a runtime dependency): the MATLAB-aligned
reference, which bundles the authors' two models under their terms. This suite also had a
batched torch/scipy FADE, equal to pyfade within 1e-6 relative on 37 real frames (at most 1.4e-15
on the real_hazy images), but it cost
148.8 vs 81.6 ms per 256x256 frame and 6.9 vs 2.7 s per 1080p frame (one thread,
tests/benchmarks/test_bench_fade_cpbd.py at commit 0f8cebe), so the reference itself scores.
"""

from __future__ import annotations

import functools
import math
from types import ModuleType

import numpy as np
import torch
from torch import Tensor

from ..errors import MetricError

PATCH = 8
NEEDS = "needs the fade-python package (pip install fade-python==1.0.0)"


@functools.lru_cache(maxsize=1)
def _pyfade() -> ModuleType:
    try:
        import pyfade
    except ImportError as exc:  # a broken install: one line, what to do
        raise MetricError(f"fade {NEEDS}: {exc}") from None
    return pyfade


def fade(output: Tensor, hazy: Tensor | None = None) -> Tensor:
    """FADE fog density of each image of (N, 3, H, W) in [0, 1]: float64 (N,); NaN under 8x8."""
    rgb = torch.floor(output[:, :3].detach().double().clamp(0, 1) * 255.0 + 0.5)
    images = rgb.to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    pyfade = _pyfade()
    scores = [
        pyfade.fade_array(np.ascontiguousarray(image))
        if min(image.shape[:2]) >= PATCH
        else math.nan
        for image in images
    ]
    return torch.tensor(scores, dtype=torch.float64, device=output.device)
