"""LNet-GIE's forward pass fused on the CPU with OpenCV: the same numbers as the torch network.

The 1x1 conv is affine per pixel, so it commutes with area averaging: for rm < 1 the RGB planes
are area-downscaled straight from the input (no full-resolution intermediate) and both convs run
at the small size; only K is upsampled. The convs, ReLUs and output formula are
methods/core/cv_conv.py's (filter2D with the bias as `delta` and zero borders, as conv2d's
padding=1; one torch.lerp pass for K*x - K + 1); the bilinear upsampling is `cv2.resize`
(INTER_LINEAR, half-pixel centres like align_corners=False). Outputs equal the eager network's to 1e-6
(tests/methods/test_fused_lnet.py); the speed against the eager network at 1080p is measured in
tests/benchmarks/test_bench_fast_paths.py (the README gives the ratios).

`lnet_gie_bgr` is the same network on an 8-bit BGR frame as video decoders give it, for
`enhance`: the 1/255, the area mean and BGR order are folded into e_conv1's weights (rows summed
by cv2.add, e_conv1 by cv2.transform, columns summed at the small size), K is upsampled once,
and Eq. 1 runs in 8 bits (cv_conv.dehaze_uint8): no float frame at full resolution.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .cv_conv import conv_params, conv_relu, dehaze_into, dehaze_uint8, pointwise_relu, relu_


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


def whole_factor(rm: float, height: int, width: int) -> int | None:
    """The integer downscale 1/rm when it divides the frame exactly as torch sizes it, else None."""
    if rm >= 1.0:
        return 1
    factor = round(1.0 / rm)
    small = (max(1, round(height * rm)), max(1, round(width * rm)))
    if abs(factor * rm - 1.0) > 1e-9 or small != (height // factor, width // factor):
        return None
    return factor if height % factor == 0 and width % factor == 0 else None


def _row_sums(image: np.ndarray, factor: int) -> np.ndarray:
    """Float32 sums of each run of `factor` rows of an 8-bit (H, W, 3) image: (H/factor, W, 3)."""
    if factor == 1:
        return image.astype(np.float32)
    total = cv2.add(image[0::factor], image[1::factor], dtype=cv2.CV_32F)
    for row in range(2, factor):
        cv2.add(total, image[row::factor], dst=total, dtype=cv2.CV_32F)
    return total


def lnet_gie_bgr(
    bgr: np.ndarray, conv1: torch.nn.Conv2d, conv2: torch.nn.Conv2d, rm: float
) -> np.ndarray | None:
    """LNet-GIE on one (H, W, 3) uint8 BGR frame, back as uint8 BGR; None if 1/rm is no divisor."""
    height, width = bgr.shape[:2]
    factor = whole_factor(rm, height, width)
    if factor is None:
        return None
    (w1, b1), (w2, b2) = conv_params(conv1), conv_params(conv2)
    channels = w1.shape[0]
    # e_conv1 on the block sums: weights in BGR order, scaled by 1 / (255 * block pixels)
    mix = np.ascontiguousarray(w1[:, ::-1, 0, 0] / (255.0 * factor * factor), dtype=np.float32)
    mixed = cv2.transform(_row_sums(bgr, factor), mix).reshape(height // factor, width, channels)
    hidden = mixed[:, 0::factor].copy()
    for column in range(1, factor):
        hidden += mixed[:, column::factor]
    hidden += b1
    planes = [relu_(np.ascontiguousarray(hidden[..., c])) for c in range(channels)]
    ks = conv_relu(planes, w2, b2)[::-1]  # K's planes are RGB: BGR order
    if factor > 1:  # exact for integer factors (see _bilinear_upscale)
        ks = [cv2.resize(k, (width, height), interpolation=cv2.INTER_LINEAR) for k in ks]
    return dehaze_uint8(bgr, ks)
