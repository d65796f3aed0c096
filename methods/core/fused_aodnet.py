"""AOD-Net's forward pass fused on the CPU with OpenCV: the same numbers as the torch network.

Every conv is a sum over (output, input) plane pairs of `cv2.filter2D` (a correlation, like
conv2d) with zero borders (conv2d's zero padding) and the bias as the first term's `delta`; the
1x1 conv is `cv2.addWeighted` + `cv2.scaleAdd`; the ReLUs are `cv2.threshold` (TOZERO). The
concatenations are plain lists of planes (no copies) and the output K*x - K + 1 is one
`torch.lerp` pass. Images run whole, one at a time: row strips (with a 7-row halo) were not
reliably faster at 1080p with 2 threads, nor was stacking a batch of 256x256 images into one
tall plane (best of 20-30, interleaved, on a shared machine). Outputs equal the eager network's
to 1e-5 (float32 sums in another order; tests/methods/test_fused_aodnet.py); the speed against
eager and channels_last is measured in tests/benchmarks/test_bench_fast_paths.py.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import nn


def _params(conv: nn.Conv2d) -> tuple[np.ndarray, np.ndarray]:
    """A conv's float32 weight (out, in, kh, kw) and bias (out,) as numpy arrays."""
    return conv.weight.detach().float().numpy(), conv.bias.detach().float().numpy()


def _relu(plane: np.ndarray) -> np.ndarray:
    """ReLU in place: cv2.threshold TOZERO (0.1 ms on a 1080p plane where np.maximum took 0.8)."""
    cv2.threshold(plane, 0.0, 0.0, cv2.THRESH_TOZERO, dst=plane)
    return plane


def _pointwise(planes: list[np.ndarray], weight: np.ndarray, bias: np.ndarray) -> list[np.ndarray]:
    """ReLU of the 1x1 conv over three planes: w0*p0 + w1*p1 + b, then + w2*p2, per output."""
    out = []
    for row, b in zip(weight[:, :, 0, 0], bias, strict=True):
        z = cv2.addWeighted(planes[0], float(row[0]), planes[1], float(row[1]), float(b))
        out.append(_relu(cv2.scaleAdd(planes[2], float(row[2]), z)))
    return out


def _conv_relu(
    planes: list[np.ndarray], weight: np.ndarray, bias: np.ndarray, out: np.ndarray | None = None
) -> list[np.ndarray]:
    """ReLU of a k x k conv ('same' zero padding) over the planes: one filter2D per pair."""
    result = []
    term = np.empty_like(planes[0])
    for o, (kernels, b) in enumerate(zip(weight, bias, strict=True)):
        acc = cv2.filter2D(
            planes[0],
            -1,
            kernels[0],
            dst=None if out is None else out[o],
            delta=float(b),
            borderType=cv2.BORDER_CONSTANT,
        )
        for plane, kernel in zip(planes[1:], kernels[1:], strict=True):
            cv2.filter2D(plane, -1, kernel, dst=term, borderType=cv2.BORDER_CONSTANT)
            cv2.add(acc, term, dst=acc)
        result.append(_relu(acc))
    return result


def _transmission(rgb: np.ndarray, params: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """AOD-Net's K (3, H, W) for one (3, H, W) RGB image."""
    k = np.empty_like(rgb)
    x1 = _pointwise(list(rgb), *params[0])
    x2 = _conv_relu(x1, *params[1])
    x3 = _conv_relu(x1 + x2, *params[2])
    x4 = _conv_relu(x2 + x3, *params[3])
    _conv_relu(x1 + x2 + x3 + x4, *params[4], out=k)
    return k


def aodnet_cpu(x: torch.Tensor, net: nn.Module) -> torch.Tensor:
    """ReLU(K*x - K + 1) clamped to [0, 1] for float32 CPU (N,3,H,W) input, K from AOD-Net."""
    x = x.contiguous()
    convs = (net.e_conv1, net.e_conv2, net.e_conv3, net.e_conv4, net.e_conv5)
    params = [_params(conv) for conv in convs]
    out = torch.empty_like(x)
    one = torch.ones((), dtype=x.dtype).expand(x.shape[1:])
    for index in range(x.shape[0]):
        k = torch.from_numpy(_transmission(x[index].numpy(), params))
        # K*x - K + 1 = lerp(1, x, K) in one pass, then the ReLU and enhance's clamp to [0, 1]
        torch.lerp(one, x[index], k, out=out[index]).clamp_(0.0, 1.0)
    return out
