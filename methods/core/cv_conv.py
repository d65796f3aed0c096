"""Tiny convolutions on float32 planes with OpenCV: the shared parts of the fused CPU kernels.

A conv2d with zero padding is, per output plane, a sum over input planes of `cv2.filter2D` (a
correlation, as conv2d computes) with zero borders and the bias as the first term's `delta`; a
1x1 conv over RGB is `cv2.addWeighted` + `cv2.scaleAdd`. Planes are (H, W) float32 arrays and
concatenations are lists of planes (no copies). The dehazing formula J = ReLU(K*x - K + 1),
clamped to [0, 1] as `Method.enhance` does, is one `torch.lerp` pass on float frames and
`dehaze_uint8` on 8-bit frames (video), where no float frame is held at full resolution.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import nn


def conv_params(conv: nn.Conv2d) -> tuple[np.ndarray, np.ndarray]:
    """A conv's float32 weight (out, in, kh, kw) and bias (out,) as numpy arrays."""
    return conv.weight.detach().float().numpy(), conv.bias.detach().float().numpy()


def relu_(plane: np.ndarray) -> np.ndarray:
    """ReLU in place: cv2.threshold TOZERO (0.1 ms on a 1080p plane where np.maximum took 0.8).

    It maps NaN to 0, so callers run these kernels only with finite weights.
    """
    cv2.threshold(plane, 0.0, 0.0, cv2.THRESH_TOZERO, dst=plane)
    return plane


def pointwise_relu(
    planes: list[np.ndarray], weight: np.ndarray, bias: np.ndarray
) -> list[np.ndarray]:
    """ReLU of a 1x1 conv (out, 3, 1, 1) over three planes: w0*p0 + w1*p1 + b, then + w2*p2."""
    out = []
    for row, b in zip(weight[:, :, 0, 0], bias, strict=True):
        z = cv2.addWeighted(planes[0], float(row[0]), planes[1], float(row[1]), float(b))
        out.append(relu_(cv2.scaleAdd(planes[2], float(row[2]), z)))
    return out


def conv_relu(
    planes: list[np.ndarray], weight: np.ndarray, bias: np.ndarray, out: np.ndarray | None = None
) -> list[np.ndarray]:
    """ReLU of a k x k conv ('same' zero padding) over the planes: one filter2D per plane pair."""
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
        result.append(relu_(acc))
    return result


def dehaze_into(out: torch.Tensor, x: torch.Tensor, k: torch.Tensor) -> None:
    """out = clamp(K*x - K + 1, 0, 1) for one (3, H, W) image; K has 1 or 3 planes.

    K*x - K + 1 = lerp(1, x, K): one pass with no temporary (2.6 ms at 1080p where four OpenCV
    passes per channel took 6 and addcmul 3.7-5), then the ReLU and enhance's clamp.
    """
    one = torch.ones((), dtype=x.dtype).expand(x.shape)
    torch.lerp(one, x, k, out=out).clamp_(0.0, 1.0)


def dehaze_uint8(image: np.ndarray, k: list[np.ndarray]) -> np.ndarray:
    """round(255 * clamp(K*x - K + 1, 0, 1)) for an 8-bit (H, W, 3) image 255*x and float K.

    In 8-bit units the formula is 255 - K*(255 - v): per channel, the inverted plane times K by
    one cv2.multiply into 8 bits (rounded, saturated; K >= 0 after the networks' ReLU, so no
    product is negative), inverted back. `k` is one (H, W) float32 plane broadcast over the
    channels, or three in the image's channel order. No float frame at full resolution: 13 ms
    at 1080p on one thread where numpy's broadcast product in row strips took 54 and a 3-channel
    cv2.multiply 39 (best of 8, interleaved, loaded 2-core machine). It differs from rounding
    the float formula by at most one level (ties, float rounding; tests count the pixels).
    """
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {image.dtype} {image.shape}")
    planes = cv2.split(cv2.bitwise_not(image))
    weights = k * 3 if len(k) == 1 else k
    for plane, weight in zip(planes, weights, strict=True):
        cv2.multiply(plane, weight, dst=plane, dtype=cv2.CV_8U)
    return cv2.bitwise_not(cv2.merge(planes))
