"""Hautiere et al. (2008) blind contrast-restoration metrics e, r and sigma, batched in torch.

"Blind contrast enhancement assessment by gradient ratioing at visible edges" (Image Anal.
Stereol. 27:87-95) compares a restored image with its input: ``e`` is the rate of new visible
edges (n_r - n_o) / n_o, ``r`` the geometric mean of the gradient ratios |grad I_r| / |grad I_o|
at the visible edges of the restored image, ``sigma`` the share of pixels saturated to black or
white (grey 0 or 255) in the restored image that were not in the input, here in percent.

Visible edges (the paper segments them with Koehler's method and a 5% contrast threshold) are
taken here as the pixels of the grey image (BT.709, 0..1) whose Sobel gradient magnitude is a
3 x 3 local maximum and whose local Michelson contrast (max - min) / (max + min) over the 3 x 3
window is at least 5%: the same visibility threshold with a simpler segmentation, so absolute
values differ from the authors' MATLAB code while the direction and ordering of methods agree.
"""

from __future__ import annotations

import weakref

import torch
import torch.nn.functional as F
from torch import Tensor

from .no_reference import GREY_WEIGHTS, max_filter, min_filter

VISIBILITY = 0.05  # the 5% contrast threshold of visibility (CIE)
EPS = 1e-6


def _grey(images: Tensor) -> Tensor:
    weights = torch.tensor(GREY_WEIGHTS, dtype=images.dtype, device=images.device)
    return torch.einsum("nchw,c->nhw", images, weights).unsqueeze(1)


def _gradient(grey: Tensor) -> Tensor:
    """Sobel gradient magnitude (replicated borders), (N, 1, H, W)."""
    sobel = (
        torch.tensor(
            [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
            dtype=grey.dtype,
            device=grey.device,
        )
        / 8.0
    )
    kernels = torch.stack([sobel, sobel.t()]).unsqueeze(1)
    gx_gy = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode="replicate"), kernels)
    return torch.sqrt((gx_gy**2).sum(dim=1, keepdim=True))


#: the last few results, so e and r on the same batch find each image's edges once; keyed by a
#: weak reference (a freed tensor never matches) and the tensor's version (in-place changes)
_RECENT: list[tuple[weakref.ref, int, tuple[Tensor, Tensor]]] = []
_RECENT_SIZE = 4


def visible_edges(images: Tensor) -> tuple[Tensor, Tensor]:
    """(mask of visible edges, gradient magnitude), both (N, 1, H, W)."""
    for ref, version, result in _RECENT:
        if ref() is images and images._version == version:
            return result
    result = _visible_edges(images)
    _RECENT.insert(0, (weakref.ref(images), images._version, result))
    del _RECENT[_RECENT_SIZE:]
    return result


def _visible_edges(images: Tensor) -> tuple[Tensor, Tensor]:
    grey = _grey(images.float())
    gradient = _gradient(grey)
    local_max = gradient >= max_filter(gradient, 3)
    high, low = max_filter(grey, 3), min_filter(grey, 3)
    contrast = (high - low) / (high + low + EPS)
    return local_max & (contrast >= VISIBILITY) & (gradient > EPS), gradient


def contrast_e(output: Tensor, hazy: Tensor) -> Tensor:
    """Rate of new visible edges (n_r - n_o) / n_o; NaN when the input has no visible edge."""
    restored = visible_edges(output)[0].flatten(1).sum(dim=1).double()
    original = visible_edges(hazy)[0].flatten(1).sum(dim=1).double()
    return torch.where(original > 0, (restored - original) / original.clamp_min(1), torch.nan)


def contrast_r(output: Tensor, hazy: Tensor) -> Tensor:
    """Geometric mean visibility gain at the output's visible edges; NaN when it has none."""
    mask, restored = visible_edges(output)
    original = visible_edges(hazy)[1]
    ratio = torch.log(restored.double().clamp_min(EPS) / original.double().clamp_min(EPS))
    count = mask.flatten(1).sum(dim=1)
    total = torch.where(mask, ratio, torch.zeros_like(ratio)).flatten(1).sum(dim=1)
    return torch.where(count > 0, torch.exp(total / count.clamp_min(1)), torch.nan)


def _saturated(images: Tensor) -> Tensor:
    grey = torch.round(_grey(images.double()) * 255.0)
    return (grey <= 0) | (grey >= 255)


def saturated(output: Tensor, hazy: Tensor) -> Tensor:
    """Percentage of pixels black or white in the output that were not in the input."""
    new = _saturated(output) & ~_saturated(hazy)
    return 100.0 * new.flatten(1).double().mean(dim=1)
