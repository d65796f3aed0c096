"""Box, min and guided filters against direct (windowed, per-pixel) reference implementations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage

from methods.core.filters import (
    box_mean,
    guided_filter_color,
    guided_filter_gray,
    min_filter,
    rgb_to_gray,
)


def _window_mean(img: np.ndarray, r: int) -> np.ndarray:
    """Mean over the (2r+1)^2 window clipped to the image, pixel by pixel (He's boxfilter/N)."""
    h, w = img.shape
    out = np.empty_like(img)
    for i in range(h):
        for j in range(w):
            out[i, j] = img[max(0, i - r) : i + r + 1, max(0, j - r) : j + r + 1].mean()
    return out


@pytest.mark.parametrize(("h", "w", "r"), [(9, 13, 2), (6, 5, 4), (11, 7, 20)])
def test_box_mean_matches_clipped_windows(h: int, w: int, r: int) -> None:
    img = np.random.default_rng(0).random((h, w))
    got = box_mean(torch.from_numpy(img)[None, None], r)[0, 0].numpy()
    assert np.allclose(got, _window_mean(img, r), atol=1e-12)


@pytest.mark.parametrize("size", [1, 3, 15])
def test_min_filter_matches_scipy(size: int) -> None:
    img = np.random.default_rng(1).random((2, 3, 20, 17)).astype(np.float32)
    got = min_filter(torch.from_numpy(img), size).numpy()
    want = ndimage.minimum_filter(img, size=(1, 1, size, size), mode="nearest")
    assert np.array_equal(got, want)


def _guided_gray_reference(guide: np.ndarray, src: np.ndarray, r: int, eps: float) -> np.ndarray:
    mean_i, mean_p = _window_mean(guide, r), _window_mean(src, r)
    var_i = _window_mean(guide * guide, r) - mean_i**2
    cov = _window_mean(guide * src, r) - mean_i * mean_p
    a = cov / (var_i + eps)
    b = mean_p - a * mean_i
    return _window_mean(a, r) * guide + _window_mean(b, r)


def test_guided_filter_gray_matches_he_et_al() -> None:
    rng = np.random.default_rng(2)
    guide, src = rng.random((12, 15)), rng.random((12, 15))
    got = guided_filter_gray(
        torch.from_numpy(guide)[None, None], torch.from_numpy(src)[None, None], 3, 1e-3
    )
    assert np.allclose(got[0, 0].numpy(), _guided_gray_reference(guide, src, 3, 1e-3), atol=1e-10)


def test_guided_filter_color_matches_per_pixel_solve() -> None:
    rng = np.random.default_rng(3)
    guide, src, r, eps = rng.random((3, 10, 9)), rng.random((10, 9)), 2, 1e-3
    means = [_window_mean(guide[c], r) for c in range(3)]
    mean_p = _window_mean(src, r)
    a = np.zeros((3, 10, 9))
    for i in range(10):
        for j in range(9):
            sigma = np.array(
                [
                    [
                        _window_mean(guide[c] * guide[d], r)[i, j] - means[c][i, j] * means[d][i, j]
                        for d in range(3)
                    ]
                    for c in range(3)
                ]
            )
            cov = np.array(
                [
                    _window_mean(guide[c] * src, r)[i, j] - means[c][i, j] * mean_p[i, j]
                    for c in range(3)
                ]
            )
            a[:, i, j] = np.linalg.solve(sigma + eps * np.eye(3), cov)
    b = mean_p - sum(a[c] * means[c] for c in range(3))
    want = sum(_window_mean(a[c], r) * guide[c] for c in range(3)) + _window_mean(b, r)
    got = guided_filter_color(
        torch.from_numpy(guide)[None], torch.from_numpy(src)[None, None], r, eps
    )
    assert np.allclose(got[0, 0].numpy(), want, atol=1e-9)


def test_filters_keep_float32_and_batch_independence() -> None:
    x = torch.rand(3, 3, 16, 16)
    q = guided_filter_gray(rgb_to_gray(x), x[:, :1], 4, 1e-4)
    assert q.dtype == torch.float32
    single = guided_filter_gray(rgb_to_gray(x[1:2]), x[1:2, :1], 4, 1e-4)
    assert torch.allclose(q[1:2], single)
