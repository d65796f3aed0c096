"""PIQE (Venkatanath et al., NCC 2015) as MATLAB's ``piqe``, vectorised over blocks in torch.

0 = best, 100 = worst. Steps, as in MATLAB's ``piqe.m`` (and its Python port ``pypiqe``, the
test reference): grey image (MATLAB rgb2gray: 0.2989 R + 0.5870 G + 0.1140 B on 0..255, rounded); symmetric padding
to a multiple of 16; scaled to round(255 * I / max I); MSCN coefficients with a 7 x 7 Gaussian
(sigma 7/6, replicated borders) and C = 1; 16 x 16 blocks whose MSCN sample variance exceeds 0.1
are "active". An active block has a noticeable artifact when one of the 11 six-pixel segments of
one of its four edges has sample standard deviation below 0.1, and is noisy when its standard
deviation exceeds twice beta = |sigma - csd| / max(sigma, csd), csd being the ratio of the sample
standard deviations of the block's centre columns (8 and 9, 1-based) and of its surround. The
surround is the block without columns 8 and 10 (1-based): MATLAB deletes column 8 and then
column 9 of the shortened block, and pypiqe copies that. Score = 100 (sum over active blocks of
artifact * (1 - var) + noise * var + 1) / (active blocks + 1).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

BLOCK = 16
ACTIVITY_THRESHOLD = 0.1
IMPAIRED_THRESHOLD = 0.1
SEGMENT = 6
GAUSS_SIGMA = 7.0 / 6.0
GAUSS_SIZE = 7
#: MATLAB rgb2gray's weights (OpenCV, used by pypiqe, rounds 0.299/0.587/0.114 in fixed point)
BT601 = (0.298936021293775, 0.587043074451121, 0.114020904255103)
#: 0-based columns of a block: MATLAB's centre pair and the columns it removes for the surround
CENTRE_COLUMNS = (7, 8)
SURROUND_DROPPED = (7, 9)


def _grey(images: Tensor) -> Tensor:
    rgb = torch.round(images.float() * 255.0)  # the 8-bit values (exact in float32)
    # float32 is within 3e-5 of a grey level here: it rounds as float64 does unless a pixel's
    # grey value lies that close to a half level (one in tens of thousands; not seen on real frames)
    grey = BT601[0] * rgb[:, 0] + BT601[1] * rgb[:, 1] + BT601[2] * rgb[:, 2]
    return torch.floor(grey + 0.5).double().unsqueeze(1)  # MATLAB's round of rgb2gray


def _pad_symmetric(grey: Tensor) -> Tensor:
    """Pad bottom and right to a multiple of BLOCK by mirroring (the edge pixel repeated)."""
    height, width = grey.shape[-2:]
    pad_h, pad_w = -height % BLOCK, -width % BLOCK
    if pad_h:
        grey = torch.cat([grey, grey.flip(-2)[..., :pad_h, :]], dim=-2)
    if pad_w:
        grey = torch.cat([grey, grey.flip(-1)[..., :pad_w]], dim=-1)
    return grey


def _gaussian_blur(image: Tensor) -> Tensor:
    """7 x 7 Gaussian (sigma 7/6, replicated borders) of (N, 1, H, W) float64 images.

    On the CPU OpenCV filters: torch's float64 conv2d took 1.16 s of PIQE's 2.1 s on a 1080p
    frame (2 threads), OpenCV's SIMD filter a few ms. Elsewhere (CUDA) a separable conv2d.
    """
    if image.device.type == "cpu":
        blurred = [
            cv2.GaussianBlur(
                plane[0].numpy(),
                (GAUSS_SIZE, GAUSS_SIZE),
                GAUSS_SIGMA,
                borderType=cv2.BORDER_REPLICATE,
            )
            for plane in image
        ]
        return torch.from_numpy(np.stack(blurred)).unsqueeze(1)
    radius = GAUSS_SIZE // 2
    x = torch.arange(-radius, radius + 1, dtype=image.dtype, device=image.device)
    taps = torch.exp(-(x**2) / (2 * GAUSS_SIGMA**2))
    taps = taps / taps.sum()
    padded = F.pad(image, (radius, radius, radius, radius), mode="replicate")
    rows = F.conv2d(padded, taps.view(1, 1, 1, -1))
    return F.conv2d(rows, taps.view(1, 1, -1, 1))


def _mscn(image: Tensor) -> Tensor:
    mu = _gaussian_blur(image)
    sigma = torch.sqrt(torch.abs(_gaussian_blur(image * image) - mu * mu))
    return (image - mu) / (sigma + 1.0)


def _sample_std(total: Tensor, squares: Tensor, n: int) -> Tensor:
    """Sample standard deviation from a sum and a sum of squares of n values."""
    return ((squares - total * total / n).clamp_min(0) / (n - 1)).sqrt()


def _column_sums(mscn: Tensor) -> tuple[Tensor, Tensor]:
    """Per block, the sum and sum of squares of each of its 16 columns: (N, Hb, Wb, 16) each.

    Read straight from the (N, H, W) map (no copy of the blocks is made).
    """
    n, height, width = mscn.shape
    rows = mscn.view(n, height // BLOCK, BLOCK, width)
    total = rows.sum(dim=2).view(n, height // BLOCK, width // BLOCK, BLOCK)
    squares = (rows * rows).sum(dim=2).view(n, height // BLOCK, width // BLOCK, BLOCK)
    return total, squares


def _column_stats(mscn: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(block sample variance, centre std, surround std), (N, Hb, Wb) each."""
    total, squares = _column_sums(mscn)
    n = BLOCK * BLOCK
    block_total, block_squares = total.sum(-1), squares.sum(-1)
    variance = _sample_std(block_total, block_squares, n) ** 2
    centre, dropped = list(CENTRE_COLUMNS), list(SURROUND_DROPPED)
    centre_std = _sample_std(total[..., centre].sum(-1), squares[..., centre].sum(-1), 2 * BLOCK)
    surround_std = _sample_std(
        block_total - total[..., dropped].sum(-1),
        block_squares - squares[..., dropped].sum(-1),
        n - len(dropped) * BLOCK,
    )
    return variance, centre_std, surround_std


def _edges(mscn: Tensor) -> Tensor:
    """The four edges of every block, (N, Hb, Wb, 4, 16): top, right, bottom, left."""
    n, height, width = mscn.shape
    hb, wb = height // BLOCK, width // BLOCK

    def rows(first: int) -> Tensor:
        return mscn[:, first::BLOCK, :].reshape(n, hb, wb, BLOCK)

    def columns(first: int) -> Tensor:
        picked = mscn[:, :, first::BLOCK]  # N, H, Wb
        return picked.reshape(n, hb, BLOCK, wb).transpose(2, 3)

    return torch.stack([rows(0), columns(BLOCK - 1), rows(BLOCK - 1), columns(0)], dim=3)


def _impaired(mscn: Tensor) -> Tensor:
    """Blocks with an edge segment of sample std below the threshold, (N, Hb, Wb) bool.

    Segment sums come from cumulative sums along each edge (an unfold + std over the 6-pixel
    windows took 150 ms of a 1080p frame's 580 ms on one thread; this takes a few ms).
    """
    edges = _edges(mscn)  # N,Hb,Wb,4,16
    zero = torch.zeros_like(edges[..., :1])
    running = torch.cat([zero, edges.cumsum(-1)], dim=-1)
    running_sq = torch.cat([zero, (edges * edges).cumsum(-1)], dim=-1)
    total = running[..., SEGMENT:] - running[..., :-SEGMENT]  # N,Hb,Wb,4,11
    squares = running_sq[..., SEGMENT:] - running_sq[..., :-SEGMENT]
    std = _sample_std(total, squares, SEGMENT)
    return (std < IMPAIRED_THRESHOLD).flatten(-2).any(dim=-1)


def piqe(output: Tensor, hazy: Tensor | None = None) -> Tensor:
    """PIQE of each image (0 best .. 100 worst), float64 (N,)."""
    grey = _pad_symmetric(_grey(output))
    peak = grey.flatten(1).amax(dim=1).clamp_min(1.0).view(-1, 1, 1, 1)
    scaled = torch.floor(255.0 * grey / peak + 0.5)  # MATLAB round (halves away from 0)
    mscn = _mscn(scaled)[:, 0]
    variance, centre_std, surround_std = _column_stats(mscn)
    active = variance > ACTIVITY_THRESHOLD
    sigma = variance.sqrt()
    # centre-to-surround deviation ratio (NaN -> 0, as MATLAB)
    csd = torch.nan_to_num(centre_std / surround_std, nan=0.0, posinf=math.inf)
    beta = (sigma - csd).abs() / torch.maximum(sigma, csd)
    noisy = sigma > 2 * beta
    artifact = _impaired(mscn)
    distortion = artifact.double() * (1 - variance) + noisy.double() * variance
    total = torch.where(active, distortion, torch.zeros_like(distortion)).flatten(1).sum(dim=1)
    return 100.0 * (total + 1.0) / (active.flatten(1).sum(dim=1).double() + 1.0)
