"""CPBD, Narvekar and Karam's cumulative probability of blur detection (2011): sharpness in [0, 1].

As the `cpbd` package (PyPI 1.0.7, a port of the authors' MATLAB code), the reference it is
tested against (1e-6 per image): on the 8-bit luma (Pillow's "L": 0.299 R + 0.587 G + 0.114 B),
Canny edges (scikit-image, sigma 1) pick the 64 x 64 blocks with more than 0.2% edge pixels;
at the thinned horizontal-Sobel edges of those blocks, the Marziliano edge width along the row
(from the pixel's neighbours out to the nearest extrema, gradient angle quantised to 0 or 180
degrees) gives the probability of detecting blur, 1 - exp(-(w / w_JNB)^3.6), w_JNB = 5 for a
block contrast up to 50 grey levels, else 3; CPBD is the share of edges whose probability,
rounded to a percent, is at most 63%. Higher = sharper; 0 when no block has edges.

The per-pixel walks of the reference are run lengths of rising and falling grey steps here.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage
from torch import Tensor

BLOCK = 64
EDGE_SHARE = 0.002  # an edge block has more than this share of Canny edge pixels
BETA = 3.6
MAX_MARGIN = 100  # the reference walks at most 101 steps to each side
SOBEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]) / 8.0


def luma_l(output: Tensor) -> np.ndarray:
    """(N, H, W) float64 grey of (N, 3, H, W) in [0, 1], as Pillow's convert('L') (integer math)."""
    rgb = torch.round(output[:, :3].detach().double().clamp(0, 1) * 255).long()
    weighted = rgb[:, 0] * 19595 + rgb[:, 1] * 38470 + rgb[:, 2] * 7471 + 0x8000
    return (weighted >> 16).cpu().numpy().astype(np.float64)


def _sobel_edges(image: np.ndarray) -> np.ndarray:
    """Octave's edge(I, 'sobel') as the reference ports it: vertical edges, thinned."""
    strength = np.square(ndimage.convolve(image, SOBEL))
    strength[strength <= 2 * np.sqrt(np.mean(strength))] = 0
    zero_col = np.zeros((strength.shape[0], 1))
    zero_row = np.zeros((1, strength.shape[1]))
    across = (strength > np.hstack([zero_col, strength[:, :-1]])) & (
        strength > np.hstack([strength[:, 1:], zero_col])
    )
    along = (strength > np.vstack([zero_row, strength[:-1]])) & (
        strength > np.vstack([strength[1:], zero_row])
    )
    return across | along


def _runs(step: np.ndarray, reverse: bool) -> np.ndarray:
    """For each column c, how many consecutive columns from c (leftwards, or rightwards when
    `reverse`) have `step` true."""
    out = np.zeros(step.shape, dtype=np.int64)
    columns = range(step.shape[1] - 1, -1, -1) if reverse else range(step.shape[1])
    previous = np.zeros(step.shape[0], dtype=np.int64)
    for c in columns:
        previous = np.where(step[:, c], previous + 1, 0)
        out[:, c] = previous
    return out


def edge_widths(edges: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Marziliano widths at the edges whose gradient angle quantises to 0 or +-180 degrees."""
    h, w = image.shape
    widths = np.zeros(image.shape)
    gy, gx = np.gradient(image)
    with np.errstate(divide="ignore", invalid="ignore"):
        angles = np.where(gx != 0, np.arctan2(gy, gx) * (180 / np.pi), 0.0)
    if not np.any(angles) or w < 3 or h < 3:
        return widths
    quantised = 45 * np.round(angles / 45)
    step = np.zeros(image.shape)
    step[:, 1:] = image[:, 1:] - image[:, :-1]  # step[:, c] = I[c] - I[c - 1]; none at c = 0
    pad = np.zeros((h, 2), dtype=np.int64)  # no step at or beyond the right border
    for rising, angle_ok in ((True, quantised == 0), (False, np.abs(quantised) == 180)):
        moves = step > 0 if rising else step < 0
        moves[:, 0] = False
        left = _runs(moves, reverse=False)  # run ending at c, going left
        right = np.hstack([_runs(moves, reverse=True), pad])  # run starting at c, going right
        cols = np.arange(1, w - 1)
        width = (
            np.minimum(left[:, cols - 1], MAX_MARGIN)
            + np.minimum(right[:, cols + 2], MAX_MARGIN)
            + 2
        )
        chosen = np.zeros(image.shape, dtype=bool)
        chosen[1:-1, 1:-1] = (edges & angle_ok)[1:-1, 1:-1]
        widths[:, 1:-1] = np.where(chosen[:, 1:-1], width, widths[:, 1:-1])
    return widths


def cpbd_grey(image: np.ndarray) -> float:
    """CPBD of one grey image (0..255 float64); 0.0 when it has no edge block."""
    from skimage.feature import canny  # imported when scored: it costs the CLI ~0.5 s to start

    canny_edges = canny(image)
    widths = edge_widths(_sobel_edges(image), image)
    rows, cols = image.shape[0] // BLOCK, image.shape[1] // BLOCK
    buckets: list[np.ndarray] = []
    for i in range(rows):
        for j in range(cols):
            window = (slice(BLOCK * i, BLOCK * (i + 1)), slice(BLOCK * j, BLOCK * (j + 1)))
            if np.count_nonzero(canny_edges[window]) <= BLOCK * BLOCK * EDGE_SHARE:
                continue
            block = widths[window]
            block = block[block != 0]
            contrast = int(np.max(image[window]) - np.min(image[window]))
            jnb = 5.0 if contrast <= 50 else 3.0
            probability = 1 - np.exp(-(np.abs(block / jnb) ** BETA))
            buckets.append(np.round(probability * 100))
    if not buckets:
        return 0.0
    every = np.concatenate(buckets)
    return float(np.count_nonzero(every <= 63) / len(every)) if len(every) else 0.0


def cpbd(output: Tensor, hazy: Tensor | None = None) -> Tensor:
    """CPBD sharpness of each image of (N, 3, H, W) in [0, 1]: float64 (N,), higher = sharper."""
    greys = luma_l(output)
    return torch.tensor([cpbd_grey(g) for g in greys], dtype=torch.float64, device=output.device)
