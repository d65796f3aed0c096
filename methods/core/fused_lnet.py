"""LNet-GIE's forward pass fused on the CPU with OpenCV: the same numbers as the torch network.

The 1x1 conv is affine per pixel, so it commutes with area averaging: for rm < 1 the RGB planes
are area-downscaled straight from the input (no full-resolution intermediate) and both convs run
at the small size; only K is upsampled. The convs, ReLUs and output formula are
methods/core/cv_conv.py's (filter2D with the bias as `delta` and zero borders, as conv2d's
padding=1; one torch.lerp pass for K*x - K + 1); the bilinear upsampling is `cv2.resize`
(INTER_LINEAR, half-pixel centres like align_corners=False). Outputs equal the eager network's to 1e-6
(tests/methods/test_fused_lnet.py); the speed against the eager network at 1080p is measured in
tests/benchmarks/test_bench_fast_paths.py (the README gives the ratios).
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .cv_conv import conv_params, conv_relu, dehaze_into, pointwise_relu


def _area_downscale(plane: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-average a (H, W) float32 plane to `size` (h, w) exactly as F.interpolate(mode='area').

    Integer factors are plain block means (cv2.resize INTER_AREA); other factors go through
    torch's adaptive average pooling, whose windows OpenCV's fractional weights do not reproduce.
    """
    height, width = plane.shape
    small_h, small_w = size
    if height % small_h == 0 and width % small_w == 0:
        return cv2.resize(plane, (small_w, small_h), interpolation=cv2.INTER_AREA)
    pooled = F.adaptive_avg_pool2d(torch.from_numpy(plane)[None, None], size)
    return pooled[0, 0].numpy()


def _area_downscale_rgb(rgb: np.ndarray, size: tuple[int, int]) -> list[np.ndarray]:
    """The three (H, W) planes of a (3, H, W) float32 image area-averaged to `size` (h, w).

    For integer factors the planes are stacked as one (3H, W) image (no block straddles two
    planes): one cv2.resize call, 1.0 ms at 1080p where three calls took 2.4.
    """
    _, height, width = rgb.shape
    small_h, small_w = size
    if height % small_h == 0 and width % small_w == 0:
        stacked = rgb.reshape(3 * height, width)
        small = cv2.resize(stacked, (small_w, 3 * small_h), interpolation=cv2.INTER_AREA)
        return list(small.reshape(3, small_h, small_w))
    return [_area_downscale(plane, size) for plane in rgb]


def _bilinear_upscale(plane: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear (half-pixel centres) resize of a plane to `size` (h, w), as F.interpolate does.

    OpenCV's INTER_LINEAR gives torch's numbers for integer factors; for other factors its
    coordinate rounding differs by up to ~1e-5, so those go through torch (one channel, cheap).
    """
    height, width = size
    small_h, small_w = plane.shape
    if height % small_h == 0 and width % small_w == 0:
        return cv2.resize(plane, (width, height), interpolation=cv2.INTER_LINEAR)
    grown = F.interpolate(
        torch.from_numpy(plane)[None, None], size=size, mode="bilinear", align_corners=False
    )
    return grown[0, 0].numpy()


def lnet_gie_cpu(
    x: torch.Tensor, conv1: torch.nn.Conv2d, conv2: torch.nn.Conv2d, rm: float
) -> torch.Tensor:
    """ReLU(K*x - K + 1) clamped to [0, 1] for float32 CPU (N,3,H,W) input (K at rm resolution)."""
    x = x.contiguous()
    n, _, height, width = x.shape
    (w1, b1), (w2, b2) = conv_params(conv1), conv_params(conv2)
    size = (max(1, round(height * rm)), max(1, round(width * rm)))
    out = torch.empty_like(x)
    for index in range(n):
        if rm < 1.0:  # area means commute with the 1x1 conv: average RGB, then convolve
            hidden = pointwise_relu(_area_downscale_rgb(x[index].numpy(), size), w1, b1)
        else:
            hidden = pointwise_relu([x[index, c].numpy() for c in range(3)], w1, b1)
        ks = conv_relu(hidden, w2, b2)
        if rm < 1.0 and size != (height, width):
            ks = [_bilinear_upscale(k, (height, width)) for k in ks]
        k = torch.from_numpy(ks[0])[None] if len(ks) == 1 else torch.from_numpy(np.stack(ks))
        dehaze_into(out[index], x[index], k)  # K: 1 or 3 planes, broadcast over RGB
    return out
