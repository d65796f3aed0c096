"""Writing a data set out as hazy/ and clear/ PNG folders that FolderDataset reads back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import DatasetError
from ..files import atomic_write_text, check_writable
from ..images import save_png
from .base import PairedDataset, check_split

EXPORT_CHUNK = 64  # pairs loaded (and batched) at a time


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
    _check_target(out, overwrite)
    check_writable(out)
    chosen = dataset.ids(check_split(split))
    if limit is not None:
        if limit < 0:
            raise DatasetError(f"export limit must be >= 0, got {limit}")
        chosen = chosen[:limit]
    for start in range(0, len(chosen), EXPORT_CHUNK):
        _export_chunk(dataset, chosen[start : start + EXPORT_CHUNK], out)
    _write_json(out / "split.json", _split_manifest(dataset, chosen))
    source = {"source": dataset.info(), "split": split, "count": len(chosen)}
    source["fingerprint"] = dataset.fingerprint
    _write_json(out / "export.json", source)
    return len(chosen)


def _check_target(out_dir: Path, overwrite: bool) -> None:
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


def _write_json(path: Path, content: dict[str, Any]) -> None:
    """One of the export's small JSON files: one space of indent and a final newline."""
    atomic_write_text(path, json.dumps(content, indent=1) + "\n")


def _export_chunk(dataset: PairedDataset, chunk: list[str], out: Path) -> None:
    """Load a chunk of pairs (batched when sizes agree) and write them as PNG."""
    try:
        hazy, clear = dataset.load_many(chunk)
    except DatasetError:
        pairs = [dataset.load_pair(i) for i in chunk]
        hazy_list, clear_list = [p[0] for p in pairs], [p[1] for p in pairs]
    else:
        hazy_list = list(hazy)
        clear_list = list(clear) if clear is not None else [None] * len(chunk)
    for image_id, h, c in zip(chunk, hazy_list, clear_list, strict=True):
        save_png(h, out / "hazy" / f"{image_id}.png")
        if c is not None:  # data without ground truth exports hazy/ only
            save_png(c, out / "clear" / f"{image_id}.png")
