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
    rgb = torch.round(images.double() * 255.0)  # the 8-bit values
    grey = BT601[0] * rgb[:, 0] + BT601[1] * rgb[:, 1] + BT601[2] * rgb[:, 2]
    return torch.round(grey).unsqueeze(1)  # (N, 1, H, W), like rgb2gray on uint8


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


def _blocks(mscn: Tensor) -> Tensor:
    """(N, B, 16, 16): the non-overlapping blocks of each (N, 1, H, W) image, row by row."""
    n = mscn.shape[0]
    tiles = mscn.unfold(2, BLOCK, BLOCK).unfold(3, BLOCK, BLOCK)  # N,1,Hb,Wb,16,16
    return tiles.reshape(n, -1, BLOCK, BLOCK)


def _impaired(blocks: Tensor) -> Tensor:
    """Blocks with an edge segment of standard deviation below the threshold (N, B) bool."""
    edges = torch.stack(
        [blocks[..., 0, :], blocks[..., :, -1], blocks[..., -1, :], blocks[..., :, 0]], dim=-2
    )  # N,B,4,16
    segments = edges.unfold(-1, SEGMENT, 1)  # N,B,4,11,6
    return (segments.std(dim=-1) < IMPAIRED_THRESHOLD).flatten(-2).any(dim=-1)


def _centre_surround(blocks: Tensor) -> Tensor:
    """Ratio of centre to surround sample standard deviation (NaN -> 0, as MATLAB)."""
    centre = blocks[..., list(CENTRE_COLUMNS)].flatten(-2)
    keep = [c for c in range(BLOCK) if c not in SURROUND_DROPPED]
    surround = blocks[..., keep].flatten(-2)
    ratio = centre.std(dim=-1) / surround.std(dim=-1)
    return torch.nan_to_num(ratio, nan=0.0, posinf=math.inf)


def piqe(output: Tensor, hazy: Tensor | None = None) -> Tensor:
    """PIQE of each image (0 best .. 100 worst), float64 (N,)."""
    grey = _pad_symmetric(_grey(output))
    peak = grey.flatten(1).amax(dim=1).clamp_min(1.0).view(-1, 1, 1, 1)
    scaled = torch.round(255.0 * grey / peak)
    blocks = _blocks(_mscn(scaled))
    variance = blocks.flatten(-2).var(dim=-1)
    active = variance > ACTIVITY_THRESHOLD
    sigma = variance.sqrt()
    csd = _centre_surround(blocks)
    beta = (sigma - csd).abs() / torch.maximum(sigma, csd)
    noisy = sigma > 2 * beta
    artifact = _impaired(blocks)
    distortion = artifact.double() * (1 - variance) + noisy.double() * variance
    total = torch.where(active, distortion, torch.zeros_like(distortion)).sum(dim=1)
    return 100.0 * (total + 1.0) / (active.sum(dim=1).double() + 1.0)
