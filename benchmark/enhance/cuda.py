"""Frames through a method on a CUDA device: pinned host buffers, non-blocking copies, one stream.

A decoded 8-bit BGR frame is copied into a page-locked host buffer and sent to the GPU as 8 bits
(a quarter of the bytes of a float frame); the colour order, the float conversion and the 8-bit
rounding happen on the GPU, and the 8-bit result comes back into another pinned buffer. All of
it is queued on one CUDA stream and synchronised once per frame. Buffers are reused while the
frame size stays the same.
"""

from __future__ import annotations

import numpy as np
import torch

from methods import Method


class CudaFrames:
    """Callable: one BGR uint8 (H, W, 3) frame in, its enhanced BGR uint8 frame out."""

    def __init__(self, method: Method) -> None:
        self.method = method
        self.device = method.device
        self.stream = torch.cuda.Stream(device=self.device)
        self._shape: tuple[int, ...] = ()
        self._host_in = self._host_out = torch.empty(0, dtype=torch.uint8)

    def _buffers(self, shape: tuple[int, ...]) -> None:
        if shape != self._shape:
            self._host_in = torch.empty(shape, dtype=torch.uint8).pin_memory()
            self._host_out = torch.empty(shape, dtype=torch.uint8).pin_memory()
            self._shape = shape

    def __call__(self, bgr: np.ndarray) -> np.ndarray:
        self._buffers(tuple(bgr.shape))
        self._host_in.numpy()[...] = bgr
        with torch.cuda.stream(self.stream):
            frame = self._host_in.to(self.device, non_blocking=True)
            # HWC BGR uint8 -> 1x3xHxW RGB float in [0, 1], on the GPU
            x = frame.flip(-1).permute(2, 0, 1)[None].to(torch.float32).div_(255.0)
            y = self.method.enhance(x)[0]
            out = y.mul(255.0).round_().clamp_(0, 255).to(torch.uint8)
            out = out.permute(1, 2, 0).flip(-1).contiguous()
            self._host_out.copy_(out, non_blocking=True)
        self.stream.synchronize()
        return self._host_out.numpy().copy()
