"""Batched image filters in torch whose cost does not depend on the radius.

Box filters use cumulative sums with windows clipped at the borders, as in He's `boxfilter.m`;
guided filters (He, Sun, Tang 2013) are built on them; min filters are two separable passes.
"""

from __future__ import annotations

from typing import TypeVar

import torch
import torch.nn.functional as F

T = TypeVar("T")  # a torch tensor or a numpy array


def _window_bounds(n: int, r: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Per position, the [lo, hi) index range of a radius-r window clipped to [0, n)."""
    idx = torch.arange(n, device=device)
    return (idx - r).clamp(min=0), (idx + r + 1).clamp(max=n)


def _box_sum_along(x: torch.Tensor, r: int, dim: int) -> torch.Tensor:
    """Sum over a clipped window of radius r along `dim`, via one cumulative sum."""
    n = x.shape[dim]
    lo, hi = _window_bounds(n, r, x.device)
    csum = torch.cumsum(x, dim=dim)
    zero = torch.zeros_like(csum.narrow(dim, 0, 1))
    csum = torch.cat([zero, csum], dim=dim)
    return csum.index_select(dim, hi) - csum.index_select(dim, lo)


def box_mean(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over the (2r+1)^2 window (clipped at borders) of each pixel of (..., H, W)."""
    height, width = x.shape[-2:]
    total = _box_sum_along(_box_sum_along(x, r, -2), r, -1)
    lo_h, hi_h = _window_bounds(height, r, x.device)
    lo_w, hi_w = _window_bounds(width, r, x.device)
    count = (hi_h - lo_h)[:, None] * (hi_w - lo_w)[None, :]
    return total / count.to(x.dtype)


def min_filter(x: torch.Tensor, size: int) -> torch.Tensor:
    """Minimum over a size x size window (size odd) of (N,C,H,W), borders by replication.

    Replicated borders give the same result as a window clipped to the image (and as MATLAB's
    'symmetric' ordfilt2), since the padded values already lie inside the clipped window.
    """
    r = size // 2
    if r == 0:
        return x
    neg = F.pad(-x, (r, r, 0, 0), mode="replicate")
    neg = F.max_pool2d(neg, kernel_size=(1, size), stride=1)
    neg = F.pad(neg, (0, 0, r, r), mode="replicate")
    return -F.max_pool2d(neg, kernel_size=(size, 1), stride=1)


def guided_filter_gray(guide: torch.Tensor, src: torch.Tensor, r: int, eps: float) -> torch.Tensor:
    """He's guided filter with a one-channel guide; (N,1,H,W) in, computed in float64."""
    out_dtype = src.dtype
    guide = guide.double()
    mean_a, mean_b = guided_coefficients_gray(guide, src.double(), r, eps)
    return (mean_a * guide + mean_b).to(out_dtype)


def guided_coefficients_gray(
    guide: torch.Tensor, src: torch.Tensor, r: int, eps: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """The guided filter's window means of a and b (q = mean_a * I + mean_b), one-channel guide."""
    mean_i = box_mean(guide, r)
    mean_p = box_mean(src, r)
    var_i = box_mean(guide * guide, r) - mean_i * mean_i
    cov_ip = box_mean(guide * src, r) - mean_i * mean_p
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return box_mean(a, r), box_mean(b, r)


def fast_guided_filter_gray(
    guide: torch.Tensor, src: torch.Tensor, r: int, eps: float, scale: int
) -> torch.Tensor:
    """He & Sun's fast guided filter (2015): a, b on guide and input subsampled by `scale`.

    The coefficients' window means are computed at 1/scale resolution with radius r/scale,
    upsampled bilinearly and applied to the full-resolution guide. scale 1 is `guided_filter_gray`.
    """
    if scale <= 1:
        return guided_filter_gray(guide, src, r, eps)
    out_dtype = src.dtype
    height, width = guide.shape[-2:]
    small = (max(1, round(height / scale)), max(1, round(width / scale)))
    guide64 = guide.double()
    mean_a, mean_b = guided_coefficients_gray(
        F.interpolate(guide64, size=small, mode="area"),
        F.interpolate(src.double(), size=small, mode="area"),
        max(1, round(r / scale)),
        eps,
    )
    grow = {"size": (height, width), "mode": "bilinear", "align_corners": False}
    return (F.interpolate(mean_a, **grow) * guide64 + F.interpolate(mean_b, **grow)).to(out_dtype)


def guided_filter_color(guide: torch.Tensor, src: torch.Tensor, r: int, eps: float) -> torch.Tensor:
    """He's guided filter with an RGB guide (N,3,H,W) for a one-channel input (N,1,H,W).

    The per-pixel 3x3 system (Sigma + eps*I) a = cov(I, p) is solved in closed form
    (adjugate / determinant), which is vectorised and exact for symmetric 3x3 matrices.
    """
    out_dtype = src.dtype
    guide, src = guide.double(), src.double()
    mean_i = box_mean(guide, r)  # (N,3,H,W)
    mean_p = box_mean(src, r)  # (N,1,H,W)
    cov_ip = box_mean(guide * src, r) - mean_i * mean_p
    r_, g_, b_ = guide[:, 0:1], guide[:, 1:2], guide[:, 2:3]
    mr, mg, mb = mean_i[:, 0:1], mean_i[:, 1:2], mean_i[:, 2:3]
    rr = box_mean(r_ * r_, r) - mr * mr + eps
    rg = box_mean(r_ * g_, r) - mr * mg
    rb = box_mean(r_ * b_, r) - mr * mb
    gg = box_mean(g_ * g_, r) - mg * mg + eps
    gb = box_mean(g_ * b_, r) - mg * mb
    bb = box_mean(b_ * b_, r) - mb * mb + eps
    cov = (cov_ip[:, 0:1], cov_ip[:, 1:2], cov_ip[:, 2:3])
    a_r, a_g, a_b = solve_symmetric3(cov, (rr, rg, rb, gg, gb, bb))
    b = mean_p - a_r * mr - a_g * mg - a_b * mb
    q = box_mean(a_r, r) * r_ + box_mean(a_g, r) * g_ + box_mean(a_b, r) * b_ + box_mean(b, r)
    return q.to(out_dtype)


def solve_symmetric3(c: tuple[T, T, T], m: tuple[T, T, T, T, T, T]) -> tuple[T, T, T]:
    """Per pixel, a in [[rr, rg, rb], [rg, gg, gb], [rb, gb, bb]] a = c, by adjugate/determinant.

    Plain arithmetic, so torch tensors and numpy arrays alike (the torch and OpenCV paths).
    """
    c_r, c_g, c_b = c
    rr, rg, rb, gg, gb, bb = m
    inv_rr = gg * bb - gb * gb
    inv_rg = gb * rb - rg * bb
    inv_rb = rg * gb - gg * rb
    inv_gg = rr * bb - rb * rb
    inv_gb = rb * rg - rr * gb
    inv_bb = rr * gg - rg * rg
    det = rr * inv_rr + rg * inv_rg + rb * inv_rb
    return (
        (c_r * inv_rr + c_g * inv_rg + c_b * inv_rb) / det,
        (c_r * inv_rg + c_g * inv_gg + c_b * inv_gb) / det,
        (c_r * inv_rb + c_g * inv_gb + c_b * inv_bb) / det,
    )


def rgb_to_gray(x: torch.Tensor) -> torch.Tensor:
    """ITU-R BT.601 luma (MATLAB rgb2gray weights) of (N,3,H,W) -> (N,1,H,W)."""
    weights = torch.tensor([0.2989, 0.5870, 0.1140], device=x.device, dtype=x.dtype)
    return (x * weights.view(1, 3, 1, 1)).sum(dim=1, keepdim=True)
