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


def save_png(rgb: np.ndarray, path: Path) -> None:
    """Write an HxWx3 uint8 RGB array as PNG, atomically (a full disk leaves no half file)."""
    bgr = cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.uint8), cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ValueError(f"cannot encode a {rgb.shape} array as PNG for {path}")
    atomic_write_bytes(path, data.tobytes())
