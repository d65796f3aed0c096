"""Turning stored uint8 image batches into network input: float conversion and random crops."""

from __future__ import annotations

import torch


def to_float(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 (N,H,W,3) -> float32 (N,3,H,W) in [0,1] on `device`."""
    return images.to(device).permute(0, 3, 1, 2).float().div_(255.0)


def random_crops(
    hazy: torch.Tensor, clear: torch.Tensor, size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same random size x size window of each (hazy, clear) pair, one offset per image."""
    height, width = hazy.shape[1:3]
    tops = torch.randint(0, height - size + 1, (hazy.shape[0],), generator=generator)
    lefts = torch.randint(0, width - size + 1, (hazy.shape[0],), generator=generator)
    pairs = [
        (h[t : t + size, s : s + size], c[t : t + size, s : s + size])
        for h, c, t, s in zip(hazy, clear, tops.tolist(), lefts.tolist(), strict=True)
    ]
    return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])
