"""LNet-GIE's forward pass fused on the CPU with OpenCV: the same numbers as the torch network.

The 1x1 conv is affine per pixel, so it commutes with area averaging: for rm < 1 the RGB planes
are area-downscaled straight from the input (no full-resolution intermediate) and both convs run
at the small size; only K is upsampled. The 3x3 conv is `cv2.filter2D` (a correlation, like
conv2d) with the bias as its `delta` and zero borders (conv2d's padding=1); the bilinear
upsampling is `cv2.resize` (INTER_LINEAR, half-pixel centres like align_corners=False); the
output K*x - K + 1 is one `torch.lerp` pass. Outputs equal the eager network's to 1e-6
(tests/methods/test_fused_lnet.py); the speed against the eager network at 1080p is measured in
tests/benchmarks/test_bench_fast_paths.py (the README gives the ratios).
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F


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


def _first_layer(
    planes: list[np.ndarray], weight: np.ndarray, bias: np.ndarray
) -> list[np.ndarray]:
    """e_conv1 (1x1, 3 -> c) on full-resolution RGB planes: c planes of w.x + b (before ReLU)."""
    out = []
    for row, b in zip(weight, bias, strict=True):
        z = cv2.addWeighted(planes[0], float(row[0]), planes[1], float(row[1]), float(b))
        out.append(cv2.scaleAdd(planes[2], float(row[2]), z))
    return out


def _second_layer(
    hidden: list[np.ndarray], weight: np.ndarray, bias: np.ndarray
) -> list[np.ndarray]:
    """ReLU(e_conv2(h)) for c hidden planes: a 3x3 correlation with zero borders per input pair."""
    out = []
    for o, b in enumerate(bias):
        acc = None
        for i, plane in enumerate(hidden):
            delta = float(b) if acc is None else 0.0
            term = cv2.filter2D(
                plane, -1, weight[o, i], delta=delta, borderType=cv2.BORDER_CONSTANT
            )
            acc = term if acc is None else cv2.add(acc, term)
        out.append(np.maximum(acc, 0.0, out=acc))
    return out


def lnet_gie_cpu(
    x: torch.Tensor, conv1: torch.nn.Conv2d, conv2: torch.nn.Conv2d, rm: float
) -> torch.Tensor:
    """ReLU(K*x - K + 1) clamped to [0, 1] for float32 CPU (N,3,H,W) input (K at rm resolution)."""
    x = x.contiguous()
    n, _, height, width = x.shape
    w1 = conv1.weight.detach().reshape(conv1.out_channels, 3).numpy()
    b1 = conv1.bias.detach().numpy()
    w2 = conv2.weight.detach().numpy()
    b2 = conv2.bias.detach().numpy()
    size = (max(1, round(height * rm)), max(1, round(width * rm)))
    out = torch.empty_like(x)
    one = torch.ones((), dtype=x.dtype).expand(3, height, width)
    for index in range(n):
        if rm < 1.0:  # area means commute with the 1x1 conv: average RGB, then convolve
            hidden = _first_layer(_area_downscale_rgb(x[index].numpy(), size), w1, b1)
        else:
            hidden = _first_layer([x[index, c].numpy() for c in range(3)], w1, b1)
        hidden = [np.maximum(plane, 0.0, out=plane) for plane in hidden]
        ks = _second_layer(hidden, w2, b2)
        if rm < 1.0 and size != (height, width):
            ks = [_bilinear_upscale(k, (height, width)) for k in ks]
        k = torch.from_numpy(ks[0])[None] if len(ks) == 1 else torch.from_numpy(np.stack(ks))
        # K (1 or 3 planes, broadcast over RGB): K*x - K + 1 = lerp(1, x, K), one pass with no
        # temporary (2.6 ms at 1080p; four OpenCV passes per channel took 6, addcmul 3.7-5),
        # then the ReLU and enhance's clamp to [0, 1]
        torch.lerp(one, x[index], k, out=out[index]).clamp_(0.0, 1.0)
    return out
