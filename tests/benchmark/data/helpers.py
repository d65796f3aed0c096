"""Small images, image folders and synthetic sets shared by the data-set tests."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from benchmark.data import SyntheticEndoscopyDataset


def tiny(**options: int) -> SyntheticEndoscopyDataset:
    """A small synthetic set that renders in milliseconds."""
    params = {"size": 32, "n_cases": 3, "frames_per_case": 4, **options}
    return SyntheticEndoscopyDataset(**params)


def rgb(h: int = 12, w: int = 16, seed: int = 0) -> np.ndarray:
    """Random uint8 RGB test image."""
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def save(path: Path, array: np.ndarray) -> Path:
    """Write an array with PIL (mode chosen by dtype/shape), creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def make_pairs(root: Path, names: dict[str, str], hazy="hazy", clear="clear") -> None:
    """Create hazy/<key> and clear/<value> PNG pairs with matching content sizes."""
    for k, (hazy_name, clear_name) in enumerate(names.items()):
        save(root / hazy / hazy_name, rgb(seed=k))
        save(root / clear / clear_name, rgb(seed=100 + k))


def write_png16(path: Path, values: np.ndarray) -> None:
    """Write a 16-bit PNG (grey, grey+alpha, RGB or RGBA), cycling all five row filters."""
    h, w = values.shape[:2]
    channels = 1 if values.ndim == 2 else values.shape[2]
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    bpp = 2 * channels
    rows = values.astype(">u2").reshape(h, -1).view(np.uint8).astype(np.int64)
    out = b""
    prev = np.zeros(rows.shape[1], dtype=np.int64)
    for y in range(h):
        kind, row = y % 5, rows[y]
        left = np.concatenate([np.zeros(bpp, np.int64), row[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.int64), prev[:-bpp]])
        if kind == 0:
            pred = np.zeros_like(row)
        elif kind == 1:
            pred = left
        elif kind == 2:
            pred = prev
        elif kind == 3:
            pred = (left + prev) // 2
        else:
            p = left + prev - upleft
            pa, pb, pc = abs(p - left), abs(p - prev), abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
        out += bytes([kind]) + ((row - pred) % 256).astype(np.uint8).tobytes()
        prev = row

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", w, h, 16, colour, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(out))
        + chunk(b"IEND", b"")
    )
