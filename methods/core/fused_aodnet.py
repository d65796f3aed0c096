"""AOD-Net's forward pass fused on the CPU with OpenCV: the same numbers as the torch network.

The convs, ReLUs and the output formula are methods/core/cv_conv.py's (filter2D per plane pair,
1x1 by addWeighted + scaleAdd, threshold ReLUs, one torch.lerp pass). Images run whole, one at a time: row strips (with a 7-row halo) were not
reliably faster at 1080p with 2 threads, nor was stacking a batch of 256x256 images into one
tall plane (best of 20-30, interleaved, on a shared machine). Outputs equal the eager network's
to 1e-5 (float32 sums in another order; tests/methods/test_fused_aodnet.py); the speed against
eager and channels_last is measured in tests/benchmarks/test_bench_fast_paths.py.
`aodnet_bgr` takes and gives 8-bit BGR frames (video): its convs need float planes at full
resolution, but the output is formed in 8 bits (cv_conv.dehaze_uint8), not as a float frame.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import nn

from .cv_conv import conv_params, conv_relu, dehaze_into, dehaze_uint8, pointwise_relu


def _transmission(rgb: np.ndarray, params: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """AOD-Net's K (3, H, W) for one (3, H, W) RGB image."""
    k = np.empty_like(rgb)
    x1 = pointwise_relu(list(rgb), *params[0])
    x2 = conv_relu(x1, *params[1])
    x3 = conv_relu(x1 + x2, *params[2])
    x4 = conv_relu(x2 + x3, *params[3])
    conv_relu(x1 + x2 + x3 + x4, *params[4], out=k)
    return k


def aodnet_cpu(x: torch.Tensor, net: nn.Module) -> torch.Tensor:
    """ReLU(K*x - K + 1) clamped to [0, 1] for float32 CPU (N,3,H,W) input, K from AOD-Net."""
    x = x.contiguous()
    convs = (net.e_conv1, net.e_conv2, net.e_conv3, net.e_conv4, net.e_conv5)
    params = [conv_params(conv) for conv in convs]
    out = torch.empty_like(x)
    for index in range(x.shape[0]):
        k = torch.from_numpy(_transmission(x[index].numpy(), params))
        dehaze_into(out[index], x[index], k)
    return out


def aodnet_bgr(bgr: np.ndarray, net: nn.Module) -> np.ndarray:
    """AOD-Net on one (H, W, 3) uint8 BGR frame, back as uint8 BGR (within one level of eager)."""
    height, width = bgr.shape[:2]
    rgb = np.empty((3, height, width), np.float32)
    for c, plane in enumerate(cv2.split(bgr)[::-1]):
        np.divide(plane, np.float32(255.0), out=rgb[c], dtype=np.float32)
    convs = (net.e_conv1, net.e_conv2, net.e_conv3, net.e_conv4, net.e_conv5)
    k = _transmission(rgb, [conv_params(conv) for conv in convs])
    return dehaze_uint8(bgr, [k[2], k[1], k[0]])
