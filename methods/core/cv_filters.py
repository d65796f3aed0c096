"""The CPU twins of `filters.py` on OpenCV: the same windows, borders and float64 guided filters.

Box sums are `cv2.boxFilter(normalize=False)` with zero borders divided by the clipped window's
pixel count (He's `boxfilter.m`, as `filters.box_mean`); min filters are `cv2.erode`, whose
border (+inf) gives the clipped window, as the replicated border of `filters.min_filter` does.
Planes are (H, W) numpy arrays; tests/methods/test_cv_filters.py checks them against filters.py.
"""

from __future__ import annotations

import cv2
import numpy as np

from .filters import solve_symmetric3

DTYPE = np.float32


def _clipped_counts(n: int, r: int) -> np.ndarray:
    """Per position, how many of the 2r+1 window positions fall inside [0, n)."""
    idx = np.arange(n)
    return (np.minimum(idx + r + 1, n) - np.maximum(idx - r, 0)).astype(DTYPE, copy=False)


class BoxMean:
    """Mean over the clipped (2r+1)^2 window of (H, W) float64 planes of one size."""

    def __init__(self, height: int, width: int, r: int) -> None:
        self.r = r
        self.inv_count = 1.0 / np.outer(_clipped_counts(height, r), _clipped_counts(width, r))

    def __call__(self, plane: np.ndarray) -> np.ndarray:
        size = 2 * self.r + 1
        total = cv2.boxFilter(
            plane, -1, (size, size), normalize=False, borderType=cv2.BORDER_CONSTANT
        )
        return np.multiply(total, self.inv_count, out=total)


def min_filter_plane(plane: np.ndarray, size: int) -> np.ndarray:
    """Minimum over a size x size window (size odd), clipped at the borders."""
    if size <= 1:
        return plane.copy()
    return cv2.erode(plane, np.ones((size, size), np.uint8), borderType=cv2.BORDER_CONSTANT)


def guided_filter_gray_plane(guide: np.ndarray, src: np.ndarray, r: int, eps: float) -> np.ndarray:
    """He's guided filter with a one-channel guide, like `filters.guided_filter_gray`."""
    guide = guide.astype(DTYPE, copy=False)
    mean_a, mean_b = _coefficients_gray(guide, src.astype(DTYPE, copy=False), r, eps)
    return mean_a * guide + mean_b


def _coefficients_gray(
    guide: np.ndarray, src: np.ndarray, r: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """The window means of the guided filter's a and b (q = mean_a * I + mean_b)."""
    box = BoxMean(*guide.shape, r)
    mean_i, mean_p = box(guide), box(src)
    var_i = box(guide * guide) - mean_i * mean_i
    cov_ip = box(guide * src) - mean_i * mean_p
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return box(a), box(b)


def fast_guided_filter_gray_plane(
    guide: np.ndarray, src: np.ndarray, r: int, eps: float, scale: int
) -> np.ndarray:
    """He & Sun's fast guided filter: a, b on planes area-subsampled by `scale`, radius r/scale.

    Their window means are upsampled bilinearly (cv2.resize, half-pixel centres as torch) and
    applied to the full-resolution guide, as `filters.fast_guided_filter_gray`.
    """
    if scale <= 1:
        return guided_filter_gray_plane(guide, src, r, eps)
    guide = guide.astype(DTYPE, copy=False)
    height, width = guide.shape
    small = (max(1, round(width / scale)), max(1, round(height / scale)))
    mean_a, mean_b = _coefficients_gray(
        cv2.resize(guide, small, interpolation=cv2.INTER_AREA),
        cv2.resize(src.astype(DTYPE, copy=False), small, interpolation=cv2.INTER_AREA),
        max(1, round(r / scale)),
        eps,
    )
    full = (width, height)
    out = cv2.resize(mean_a, full, interpolation=cv2.INTER_LINEAR)
    out *= guide
    out += cv2.resize(mean_b, full, interpolation=cv2.INTER_LINEAR)
    return out


def guided_filter_color_plane(
    guide: list[np.ndarray], src: np.ndarray, r: int, eps: float
) -> np.ndarray:
    """He's guided filter with an RGB guide (three planes), in float64, 3x3 solve in closed form."""
    red, green, blue = (plane.astype(DTYPE, copy=False) for plane in guide)
    src = src.astype(DTYPE, copy=False)
    box = BoxMean(*src.shape, r)
    mr, mg, mb, mean_p = box(red), box(green), box(blue), box(src)
    c_r = box(red * src) - mr * mean_p
    c_g = box(green * src) - mg * mean_p
    c_b = box(blue * src) - mb * mean_p
    rr = box(red * red) - mr * mr + eps
    rg = box(red * green) - mr * mg
    rb = box(red * blue) - mr * mb
    gg = box(green * green) - mg * mg + eps
    gb = box(green * blue) - mg * mb
    bb = box(blue * blue) - mb * mb + eps
    a_r, a_g, a_b = solve_symmetric3((c_r, c_g, c_b), (rr, rg, rb, gg, gb, bb))
    b = mean_p - a_r * mr - a_g * mg - a_b * mb
    return box(a_r) * red + box(a_g) * green + box(a_b) * blue + box(b)
