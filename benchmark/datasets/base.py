"""The paired-data interface the harness and training loop use, its error type, and PNG export.

Every data set yields (hazy, clear) pairs as uint8 HxWx3 RGB arrays under string ids, split into
"train" and "test" without sharing a scene, plus a fingerprint so results can name their data.
"""

from __future__ import annotations

import abc
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..errors import DatasetError

SPLITS = ("train", "test", "all")
EXPORT_CHUNK = 64


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


def _save_png(array: np.ndarray, path: Path) -> None:
    """Write one uint8 RGB array as PNG, creating parent folders (ids may contain '/')."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8)).save(path, compress_level=3)


def _check_export_target(out_dir: Path, overwrite: bool) -> None:
    """Refuse to mix an export into folders that already hold images, unless overwriting."""
    if out_dir.exists() and not out_dir.is_dir():
        raise DatasetError(f"export target {out_dir} is a file: give a folder path")
    for sub in ("hazy", "clear"):
        folder = out_dir / sub
        if not overwrite and folder.is_dir() and any(folder.iterdir()):
            raise DatasetError(
                f"export folder {folder} is not empty: choose an empty folder or overwrite"
            )


def _split_manifest(dataset: PairedDataset, exported: list[str]) -> dict[str, Any]:
    """split.json content for exported ids, so reading the export back keeps splits and groups."""
    chosen = set(exported)
    return {
        "train": [i for i in dataset.ids("train") if i in chosen],
        "test": [i for i in dataset.ids("test") if i in chosen],
        "groups": {i: dataset.group(i) for i in exported},
    }


def export(
    dataset: PairedDataset,
    out_dir: str | Path,
    split: str = "test",
    limit: int | None = None,
    overwrite: bool = False,
) -> int:
    """Write out_dir/hazy/<id>.png, out_dir/clear/<id>.png and split.json; return pairs written.

    The result is a folder that FolderDataset reads back with the same ids, splits and groups.
    With `overwrite`, files of the same names are replaced and other files are left alone.
    """
    out = Path(out_dir)
    _check_export_target(out, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    chosen = dataset.ids(check_split(split))
    if limit is not None:
        if limit < 0:
            raise DatasetError(f"export limit must be >= 0, got {limit}")
        chosen = chosen[:limit]
    for start in range(0, len(chosen), EXPORT_CHUNK):
        _export_chunk(dataset, chosen[start : start + EXPORT_CHUNK], out)
    manifest = _split_manifest(dataset, chosen)
    (out / "split.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    source = {"source": dataset.info(), "split": split, "count": len(chosen)}
    source["fingerprint"] = dataset.fingerprint
    (out / "export.json").write_text(json.dumps(source, indent=1) + "\n", encoding="utf-8")
    return len(chosen)


def _export_chunk(dataset: PairedDataset, chunk: list[str], out: Path) -> None:
    """Load a chunk of pairs (batched when sizes agree) and write them as PNG."""
    try:
        hazy, clear = dataset.load_many(chunk)
    except DatasetError:
        pairs = [dataset.load_pair(i) for i in chunk]
        hazy_list, clear_list = [p[0] for p in pairs], [p[1] for p in pairs]
    else:
        hazy_list, clear_list = list(hazy), list(clear)
    for image_id, h, c in zip(chunk, hazy_list, clear_list, strict=True):
        _save_png(h, out / "hazy" / f"{image_id}.png")
        _save_png(c, out / "clear" / f"{image_id}.png")
