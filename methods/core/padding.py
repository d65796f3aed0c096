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


def pad_to_min_size(x: torch.Tensor, size: int) -> torch.Tensor:
    """Reflect-pad (N,C,H,W) on the bottom/right to at least size x size (in steps if needed)."""
    while x.shape[-2] < size or x.shape[-1] < size:
        pad_h = min(max(size - x.shape[-2], 0), x.shape[-2] - 1)
        pad_w = min(max(size - x.shape[-1], 0), x.shape[-1] - 1)
        if pad_h == 0 and pad_w == 0:  # a 1-pixel side cannot be reflected
            return F.pad(
                x, (0, max(size - x.shape[-1], 0), 0, max(size - x.shape[-2], 0)), mode="replicate"
            )
        x = F.pad(x, (0, pad_w, 0, pad_h), mode="reflect")
    return x


def pad_for_network(
    x: torch.Tensor, multiple: int, min_size: int = 1
) -> tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]:
    """Pad to a multiple, then to at least min_size (itself a multiple of `multiple`); the
    cropper restores the input's H, W."""
    height, width = x.shape[-2:]
    padded = pad_to_min_size(pad_to_multiple(x, multiple)[0], min_size)
    if padded.shape[-2:] == (height, width):
        return padded, _identity

    def crop(y: torch.Tensor) -> torch.Tensor:
        return y[..., :height, :width]

    return padded, crop
