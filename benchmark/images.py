"""8-bit quantisation and PNG writing of output images (what is saved is what is scored)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from .files import atomic_write_bytes


def quantize_8bit(images: torch.Tensor) -> torch.Tensor:
    """Round [0,1] images to the nearest of the 256 levels an 8-bit file holds."""
    return (images * 255.0).round() / 255.0


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """One (3,H,W) [0,1] tensor as an HxWx3 uint8 RGB array."""
    return (image.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy()


def unit_to_uint8(image: torch.Tensor) -> np.ndarray:
    """One (3,H,W) CPU tensor already in [0,1] as HxWx3 uint8 RGB: to_uint8's values, via OpenCV.

    cv2.convertScaleAbs rounds x*255 half-to-even like torch.round; 9x faster than to_uint8 at
    1080p (2.4 vs 22 ms, measured), which matters when streaming video. Negative values would be
    mirrored (abs), hence the [0,1] precondition (Method.enhance guarantees it).
    """
    planes = image.detach().to(torch.float32).contiguous().numpy()
    return cv2.merge([cv2.convertScaleAbs(plane, alpha=255.0) for plane in planes])


def save_png(rgb: np.ndarray, path: Path) -> None:
    """Write an HxWx3 uint8 RGB array as PNG, atomically (a full disk leaves no half file)."""
    bgr = cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.uint8), cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ValueError(f"cannot encode a {rgb.shape} array as PNG for {path}")
    atomic_write_bytes(path, data.tobytes())
