"""NIQE's 36 patch features (Mittal, Soundararajan, Bovik, IEEE SPL 2013), vectorised over patches.

As the authors' MATLAB release (computefeature.m, estimateaggdparam.m) and MATLAB's niqe: grey
image (rgb2gray weights on 0..255, rounded), cropped to whole 96 x 96 patches; MSCN coefficients
(I - mu) / (sigma + 1) with a normalised 7 x 7 Gaussian window (sigma 7/6, replicated borders);
per patch and scale 18 numbers: an AGGD fit of the MSCN values (shape, mean of the left and right
scales), then for the horizontal, vertical and two diagonal neighbour products (circularly
shifted within the patch, as circshift) the AGGD shape, mean, left and right scales. The second
scale is MATLAB's imresize(I, 0.5): bicubic (a = -0.5) widened by 2 for antialiasing, symmetric
borders; its patches are 48 x 48. Shapes come from the nearest value on MATLAB's grid
0.2:0.001:10 of the moment ratio. Sharpness of a patch = the mean of sigma over it (scale 1).
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.special import gamma

from .piqe import BT601

PATCH = 96
N_FEATURES = 36
GAUSS_SIZE = 7
GAUSS_SIGMA = 7.0 / 6.0
#: MATLAB's circshift offsets (rows, columns) of the four neighbour products: H, V, D1, D2
SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))
#: the shape grid 0.2:0.001:10 (9801 values) and its moment ratio G(2/a)^2 / (G(1/a) G(3/a))
SHAPES = np.round(np.arange(2000, 100001, 10) * 1e-4, 4)
RATIOS = gamma(2.0 / SHAPES) ** 2 / (gamma(1.0 / SHAPES) * gamma(3.0 / SHAPES))


def grey_255(rgb: np.ndarray) -> np.ndarray:
    """MATLAB rgb2gray of 8-bit RGB values (..., 3) in 0..255: rounded grey levels, float64."""
    return np.floor(rgb.astype(np.float64) @ np.asarray(BT601) + 0.5)


def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic kernel with a = -0.5, as MATLAB's imresize."""
    ax = np.abs(x)
    near = (1.5 * ax**3 - 2.5 * ax**2 + 1.0) * (ax <= 1)
    far = (-0.5 * ax**3 + 2.5 * ax**2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2))
    return near + far


def _half_taps() -> np.ndarray:
    """imresize's 8 weights for a 0.5 scale: output j sits at input 2j + 0.5 (0-based)."""
    offsets = np.arange(-3, 5) - 0.5  # input 2j-3 .. 2j+4 around 2j + 0.5
    taps = _cubic(0.5 * offsets)  # the kernel stretched by 1/scale (antialiasing)
    return taps / taps.sum()


HALF_TAPS = _half_taps()
GAUSS = cv2.getGaussianKernel(GAUSS_SIZE, GAUSS_SIGMA, cv2.CV_64F)


def half_size(image: np.ndarray) -> np.ndarray:
    """MATLAB imresize(image, 0.5) (bicubic, antialiased, symmetric borders) of an even-sized image."""
    filtered = cv2.sepFilter2D(
        image, cv2.CV_64F, HALF_TAPS, HALF_TAPS, anchor=(3, 3), borderType=cv2.BORDER_REFLECT
    )
    return filtered[::2, ::2]


def mscn(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MSCN coefficients and the local standard deviation sigma (7x7 Gaussian, replicated borders)."""
    mu = cv2.sepFilter2D(image, cv2.CV_64F, GAUSS, GAUSS, borderType=cv2.BORDER_REPLICATE)
    second = cv2.sepFilter2D(
        image * image, cv2.CV_64F, GAUSS, GAUSS, borderType=cv2.BORDER_REPLICATE
    )
    sigma = np.sqrt(np.abs(second - mu * mu))
    return (image - mu) / (sigma + 1.0), sigma


def blocks(image: np.ndarray, size: int) -> np.ndarray:
    """Non-overlapping size x size blocks of a cropped image, row by row: (P, size, size)."""
    rows, cols = image.shape[0] // size, image.shape[1] // size
    cut = image[: rows * size, : cols * size]
    return cut.reshape(rows, size, cols, size).transpose(0, 2, 1, 3).reshape(-1, size, size)


def nearest_shape(ratio: np.ndarray) -> np.ndarray:
    """The grid shape whose moment ratio is nearest (first on ties, NaN for NaN), as min()."""
    right = np.clip(np.searchsorted(RATIOS, ratio), 1, len(RATIOS) - 1)
    left = right - 1
    pick = np.where(np.abs(RATIOS[left] - ratio) <= np.abs(RATIOS[right] - ratio), left, right)
    return np.where(np.isfinite(ratio), SHAPES[pick], np.nan)


def aggd(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Asymmetric GGD fit of each row of (P, n): shape, left scale, right scale (NaN if degenerate)."""
    square = values * values
    neg, pos = values < 0, values > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.sqrt((square * neg).sum(1) / neg.sum(1))
        right = np.sqrt((square * pos).sum(1) / pos.sum(1))
        skew = left / right
        rhat = np.abs(values).mean(1) ** 2 / square.mean(1)
        rnorm = rhat * (skew**3 + 1) * (skew + 1) / (skew**2 + 1) ** 2
        shape = nearest_shape(rnorm)
        scale = np.sqrt(gamma(1.0 / shape) / gamma(3.0 / shape))
    return shape, left * scale, right * scale


def scale_features(coefficients: np.ndarray) -> np.ndarray:
    """The 18 features of each MSCN patch (P, s, s) at one scale: (P, 18)."""
    flat = coefficients.reshape(len(coefficients), -1)
    shape, left, right = aggd(flat)
    columns = [shape, (left + right) / 2]
    for shift in SHIFTS:
        shifted = np.roll(coefficients, shift, axis=(1, 2))
        shape, left, right = aggd((coefficients * shifted).reshape(len(coefficients), -1))
        with np.errstate(invalid="ignore"):
            mean = (right - left) * gamma(2.0 / shape) / gamma(1.0 / shape)
        columns += [shape, mean, left, right]
    return np.stack(columns, axis=1)


def patch_features(grey: np.ndarray, patch: int = PATCH) -> tuple[np.ndarray, np.ndarray]:
    """NIQE features (P, 36) and sharpness (P,) of each whole patch of a grey image (0..255)."""
    rows, cols = grey.shape[0] // patch, grey.shape[1] // patch
    if rows == 0 or cols == 0:
        return np.empty((0, N_FEATURES)), np.empty(0)
    image = np.ascontiguousarray(grey[: rows * patch, : cols * patch], dtype=np.float64)
    coefficients, sigma = mscn(image)
    small, _ = mscn(half_size(image))
    features = np.concatenate(
        [
            scale_features(blocks(coefficients, patch)),
            scale_features(blocks(small, patch // 2)),
        ],
        axis=1,
    )
    sharpness = blocks(sigma, patch).mean(axis=(1, 2))
    return features, sharpness
