"""Images of one split, loaded once and shared by every method of a run.

Pairs are kept as uint8 (a quarter of float32) and batched by size, so methods read from memory
and the data pipeline is not the bottleneck for cheap methods. A pair that fails to load is
remembered with its error, so every method records an error row for it instead of crashing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import DatasetError
from .base import PairedDataset
from .unpaired import UnpairedDataset


@dataclass
class LoadedSplit:
    """The ids of a split with their pairs (or load errors), groups and haze levels."""

    ids: list[str]
    groups: list[str]
    hazy: list[np.ndarray | None]
    clear: list[np.ndarray | None]
    errors: dict[int, str] = field(default_factory=dict)
    dataset: PairedDataset | None = None  # where reference frames come from (--reference-frame)

    def batches(self, batch_size: int) -> list[list[int]]:
        """Consecutive indices of loadable images with equal sizes, at most batch_size each."""
        return size_batches([None if h is None else h.shape for h in self.hazy], batch_size)

    @property
    def paired(self) -> bool:
        """True when every loaded input has its clear image (False for unpaired data)."""
        return all(
            c is not None for h, c in zip(self.hazy, self.clear, strict=True) if h is not None
        )

    def tensors(
        self, indices: Sequence[int], device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Float32 (N,3,H,W) hazy and clear tensors in [0,1] on `device` (clear None if unpaired)."""
        hazy = to_float(np.stack([self.hazy[i] for i in indices]), device)
        if any(self.clear[i] is None for i in indices):
            return hazy, None
        return hazy, to_float(np.stack([self.clear[i] for i in indices]), device)

    def common_size(self) -> tuple[int, int]:
        """The most frequent (H, W) among loadable images (the profiling resolution)."""
        sizes = [None if h is None else (int(h.shape[0]), int(h.shape[1])) for h in self.hazy]
        return most_common_size(sizes, "no image of the split could be loaded")


def most_common_size(sizes: Sequence[tuple[int, int] | None], none_left: str) -> tuple[int, int]:
    """The most frequent (H, W) of `sizes` (ties: the larger); DatasetError when all are None."""
    counts = Counter(size for size in sizes if size is not None)
    if not counts:
        raise DatasetError(f"{none_left}: see the errors above")
    return max(counts, key=lambda k: (counts[k], k))


def size_batches(sizes: Sequence[tuple[int, ...] | None], batch_size: int) -> list[list[int]]:
    """Runs of consecutive indices with equal sizes, at most batch_size long (None: skipped)."""
    out: list[list[int]] = []
    current: list[int] = []
    for index, size in enumerate(sizes):
        if size is None:
            continue
        if current and (len(current) >= batch_size or sizes[current[0]] != size):
            out.append(current)
            current = []
        current.append(index)
    if current:
        out.append(current)
    return out


def to_float(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """(N,H,W,3) uint8 images as a float32 (N,3,H,W) tensor in [0,1] on `device`."""
    tensor = torch.from_numpy(images).to(device)
    return tensor.permute(0, 3, 1, 2).float().div_(255.0)


def load_split(dataset: PairedDataset, ids: Sequence[str]) -> LoadedSplit:
    """Load every pair once (batched when the data set supports it), keeping load errors."""
    ids = list(ids)
    split = LoadedSplit(ids, [dataset.group(i) for i in ids], [None] * len(ids), [None] * len(ids))
    split.dataset = dataset
    if isinstance(dataset, UnpairedDataset):  # decoded in order, one image or frame at a time
        where = {image_id: index for index, image_id in enumerate(ids)}
        for image_id, image in dataset.iter_inputs(ids):
            if isinstance(image, DatasetError):
                split.errors[where[image_id]] = str(image)
            else:
                split.hazy[where[image_id]] = image
        return split
    try:
        hazy, clear = dataset.load_many(ids)
    except DatasetError:  # sizes differ or a file is bad: load one by one
        for index, image_id in enumerate(ids):
            try:
                h, c = dataset.load_pair(image_id)
            except DatasetError as exc:
                split.errors[index] = str(exc)
                continue
            split.hazy[index], split.clear[index] = h, c
    else:
        split.hazy, split.clear = list(hazy), list(clear)
    return split
