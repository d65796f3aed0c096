"""Pad images to a multiple of N (reflect, replicate when too small) and crop back."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def pad_to_multiple(
    x: torch.Tensor, multiple: int
) -> tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]:
    """Pad (N,C,H,W) on the bottom/right to multiples of `multiple`; return it and a cropper."""
    height, width = x.shape[-2:]
    pad_h = (-height) % multiple
    pad_w = (-width) % multiple
    if pad_h == 0 and pad_w == 0:
        return x, _identity
    # reflect needs the pad to be smaller than the side; tiny inputs fall back to replicate
    mode = "reflect" if pad_h < height and pad_w < width else "replicate"
    padded = F.pad(x, (0, pad_w, 0, pad_h), mode=mode)

    def crop(y: torch.Tensor) -> torch.Tensor:
        return y[..., :height, :width]

    return padded, crop


def _identity(y: torch.Tensor) -> torch.Tensor:
    return y
