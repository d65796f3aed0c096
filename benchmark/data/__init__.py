"""Paired hazy/clear data sets: the built-in synthetic endoscopy set and paired image folders.

`open_dataset(None)` gives the synthetic set; `open_dataset("path/to/folder")` reads a folder.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from ..errors import DatasetError
from .base import SPLITS, PairedDataset, check_split
from .export import export
from .folder import FolderDataset
from .loaded import LoadedSplit, load_split
from .synthetic import SyntheticEndoscopyDataset

SYNTHETIC_NAMES = ("synthetic", "synthetic-endoscopy")

__all__ = [
    "SPLITS",
    "DatasetError",
    "FolderDataset",
    "LoadedSplit",
    "PairedDataset",
    "SyntheticEndoscopyDataset",
    "check_split",
    "export",
    "load_split",
    "open_dataset",
]


#: the command-line flag of each data-set option, for messages
OPTION_FLAGS = {"size": "--size", "seed": "--data-seed"}


def _construct(cls: type[PairedDataset], *args: Any, **options: Any) -> PairedDataset:
    """Instantiate `cls`, turning unknown option names into a one-line DatasetError."""
    try:
        inspect.signature(cls).bind(*args, **options)
    except TypeError:
        allowed = [p for p in inspect.signature(cls).parameters if p not in ("root",)]
        bad = sorted(set(options) - set(allowed))
        flags = ", ".join(OPTION_FLAGS.get(name, name) for name in bad) or "?"
        where = f"the folder {args[0]}" if args else f"the {cls.__name__} data set"
        raise DatasetError(
            f"{flags} work only with the built-in synthetic data set, not with {where}: drop it"
        ) from None
    return cls(*args, **options)


def open_dataset(spec: str | Path | None, **options: Any) -> PairedDataset:
    """None or "synthetic" -> the built-in synthetic set; an existing folder -> FolderDataset."""
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in SYNTHETIC_NAMES):
        return _construct(SyntheticEndoscopyDataset, **options)
    path = Path(spec).expanduser()
    if path.is_dir():
        return _construct(FolderDataset, path, **options)
    if path.exists():
        raise DatasetError(f"data set {str(spec)!r} is a file: give a folder with hazy/ and clear/")
    raise DatasetError(
        f"unknown data set {str(spec)!r}: use 'synthetic' or an existing folder with "
        "hazy/ and clear/ subfolders"
    )
