"""Data sets: the built-in synthetic set, paired image folders, and unpaired images or videos.

`open_dataset(None)` gives the synthetic set; `open_dataset("path/to/folder")` reads a paired
folder (hazy/ + clear/), else a folder of images or videos without ground truth; a video file
is a data set of its frames.
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
from .pairing import find_dir, find_layout
from .reference import reference_tensors
from .split_files import SPLIT_NAMES
from .streamed import Split, StreamedSplit, open_split
from .synthetic import SyntheticEndoscopyDataset
from .unpaired import ImageFolderDataset, UnpairedDataset, VideoDataset
from .video import VIDEO_EXTS, is_video

SYNTHETIC_NAMES = ("synthetic", "synthetic-endoscopy")

__all__ = [
    "SPLITS",
    "DatasetError",
    "FolderDataset",
    "ImageFolderDataset",
    "LoadedSplit",
    "PairedDataset",
    "Split",
    "StreamedSplit",
    "SyntheticEndoscopyDataset",
    "UnpairedDataset",
    "VideoDataset",
    "check_split",
    "export",
    "is_paired",
    "load_split",
    "open_dataset",
    "open_split",
    "reference_tensors",
]

#: options that only a video data set takes (ignored when None)
VIDEO_OPTIONS = ("stride", "max_frames")
#: options given only when set: the video ones and data without ground truth's reference frame
OPTIONAL = (*VIDEO_OPTIONS, "reference_frame")


#: the command-line flag of each data-set option, for messages
OPTION_FLAGS = {
    "size": "--size",
    "seed": "--data-seed",
    "stride": "--stride",
    "max_frames": "--max-frames",
    "reference_frame": "--reference-frame",
}


def _construct(cls: type[PairedDataset], *args: Any, **options: Any) -> PairedDataset:
    """Instantiate `cls`, turning unknown option names into a one-line DatasetError."""
    try:
        inspect.signature(cls).bind(*args, **options)
    except TypeError:
        allowed = [p for p in inspect.signature(cls).parameters if p not in ("root",)]
        bad = sorted(set(options) - set(allowed))
        flags = ", ".join(OPTION_FLAGS.get(name, name) for name in bad) or "?"
        where = f"the folder {args[0]}" if args else f"the {cls.__name__} data set"
        verb = "does" if len(bad) == 1 else "do"
        raise DatasetError(
            f"{flags} {verb} not apply to {where} (--size/--data-seed are for the built-in synthetic "
            "set, --stride/--max-frames for videos, --reference-frame for data without ground "
            "truth): drop them"
        ) from None
    return cls(*args, **options)


def is_paired(dataset: PairedDataset) -> bool:
    """True when the data set has ground truth (clear images) for full-reference metrics."""
    return bool(getattr(dataset, "paired", True))


def _paired_layout(folder: Path) -> bool:
    """A hazy/ + clear/ pair at the top, or train/ or test/ folders that hold one."""
    if find_layout(folder) is not None:
        return True
    for name in SPLIT_NAMES:
        sub = find_dir(folder, (name,))
        if sub is not None and find_layout(sub) is not None:
            return True
    return False


def open_dataset(spec: str | Path | None, **options: Any) -> PairedDataset:
    """None/"synthetic" -> synthetic set; a folder -> paired or unpaired set; a video -> frames."""
    video_options = {k: options.pop(k) for k in OPTIONAL if k in options}
    given = {k: v for k, v in video_options.items() if v is not None}
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in SYNTHETIC_NAMES):
        return _construct(SyntheticEndoscopyDataset, **options, **given)
    path = Path(spec).expanduser()
    if path.is_file() and is_video(path):
        return _construct(VideoDataset, path, **options, **given)
    if path.is_dir():
        if _paired_layout(path):
            return _construct(FolderDataset, path, **options, **given)
        if any(is_video(p) for p in path.iterdir() if p.is_file()):
            return _construct(VideoDataset, path, **options, **given)
        return _construct(ImageFolderDataset, path, **options, **given)
    if path.exists():
        raise DatasetError(
            f"data set {str(spec)!r} is a file but not a video ({', '.join(sorted(VIDEO_EXTS))}): "
            "give a folder of images, a paired folder with hazy/ and clear/, or a video"
        )
    raise DatasetError(
        f"unknown data set {str(spec)!r}: use 'synthetic', an existing folder (paired hazy/ and "
        "clear/, or images without ground truth), or a video file"
    )
