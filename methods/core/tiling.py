"""Tiled inference for images too large for the device: overlapping tiles, linearly blended."""

from __future__ import annotations

from collections.abc import Callable

import torch


def _starts(size: int, tile: int, step: int) -> list[int]:
    """Tile start offsets covering [0, size) with the last tile flush to the border."""
    if size <= tile:
        return [0]
    starts = list(range(0, size - tile, step))
    starts.append(size - tile)
    return starts


def _ramp(length: int, overlap: int, device: torch.device) -> torch.Tensor:
    """1-D blending weights: rising over `overlap` pixels at both ends, 1 in the middle."""
    weight = torch.ones(length, device=device)
    if overlap > 0 and length > 2 * overlap:
        edge = torch.arange(1, overlap + 1, device=device, dtype=torch.float32) / (overlap + 1)
        weight[:overlap] = edge
        weight[-overlap:] = edge.flip(0)
    return weight


def tiled_apply(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, tile: int, overlap: int
) -> torch.Tensor:
    """Apply `fn` to overlapping tile x tile crops of `x` and blend them back together."""
    height, width = x.shape[-2:]
    if height <= tile and width <= tile:
        return fn(x)
    step = tile - overlap
    out = torch.zeros_like(x)
    norm = torch.zeros((1, 1, height, width), device=x.device, dtype=x.dtype)
    for top in _starts(height, tile, step):
        for left in _starts(width, tile, step):
            crop = x[..., top : top + tile, left : left + tile]
            y = fn(crop)
            h, w = crop.shape[-2:]
            weight = _ramp(h, overlap, x.device)[:, None] * _ramp(w, overlap, x.device)[None, :]
            out[..., top : top + h, left : left + w] += y * weight
            norm[..., top : top + h, left : left + w] += weight
    return out / norm
