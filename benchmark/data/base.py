"""The paired-data interface the harness and training loop use, and the split names it knows.

Every data set yields (hazy, clear) pairs as uint8 HxWx3 RGB arrays under string ids, split into
"train" and "test" without sharing a scene, plus a fingerprint so results can name their data.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..errors import DatasetError

SPLITS = ("train", "test", "all")


def check_split(split: str) -> str:
    """Return `split` if it is one of SPLITS, else raise DatasetError naming the choices."""
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    return split


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that orders embedded numbers by value ("img2" before "img10"), deterministically."""
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p), p) if p.isdigit() else (1, p, p) for p in parts)


def stack_pairs(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]], ids: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Stack (hazy, clear) pairs into two (N,H,W,3) uint8 arrays; sizes must agree."""
    if not pairs:
        empty = np.zeros((0, 0, 0, 3), dtype=np.uint8)
        return empty, empty.copy()
    shape = pairs[0][0].shape
    for image_id, (hazy, _) in zip(ids, pairs, strict=True):
        if hazy.shape != shape:
            raise DatasetError(
                f"cannot stack {image_id!r} ({hazy.shape[1]}x{hazy.shape[0]}) with "
                f"{ids[0]!r} ({shape[1]}x{shape[0]}): sizes differ, load them one by one "
                "with load_pair"
            )
    hazy = np.stack([p[0] for p in pairs])
    clear = np.stack([p[1] for p in pairs])
    return hazy, clear


class PairedDataset(abc.ABC):
    """A set of (hazy, clear) image pairs with ids, splits, scene groups and a fingerprint."""

    name: str = "dataset"
    kind: str = "abstract"

    @property
    @abc.abstractmethod
    def fingerprint(self) -> str:
        """sha256 hex digest that changes whenever the images could change."""

    @abc.abstractmethod
    def ids(self, split: str = "test") -> list[str]:
        """Image ids of `split` ("train", "test" or "all") in a deterministic order."""

    @abc.abstractmethod
    def load_pair(self, image_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (hazy, clear) as uint8 HxWx3 RGB arrays."""

    @abc.abstractmethod
    def group(self, image_id: str) -> str:
        """Scene or case that `image_id` belongs to (frames of one group stay in one split)."""

    @abc.abstractmethod
    def info(self) -> dict[str, Any]:
        """JSON-able description: name, kind, parameters, split sizes and notes."""

    def load_many(self, ids: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Stack many pairs as (N,H,W,3) uint8 arrays; DatasetError if their sizes differ."""
        id_list = list(ids)
        return stack_pairs([self.load_pair(i) for i in id_list], id_list)

    def __repr__(self) -> str:
        """Short description for logs."""
        return f"{type(self).__name__}(name={self.name!r})"
