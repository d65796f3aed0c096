"""What `enhance` may write: each output checked against each input and each other, by identity.

Paths are compared by file identity (device and inode, `os.path.samefile`), so a hard link, a
symlink or another spelling of the input is recognised; paths that do not exist yet are compared
resolved. An existing output is replaced only with --overwrite. Mistakes between folders and
files, and extensions OpenCV cannot write, are refused in one line before anything is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2

from ..data.pairing import IMAGE_EXTS
from ..data.video import VIDEO_EXTS, WRITE_CODECS, is_video
from ..errors import UsageError
from .sources import FrameSource

#: image extensions OpenCV's pip wheels encode (checked with cv2.haveImageWriter at use)
IMAGE_WRITE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


@dataclass(frozen=True)
class Written:
    """One path `enhance` will write, and what it is called in messages."""

    path: Path
    what: str  # "OUTPUT", "--side-by-side", "--stats"


def check_destination(path: Path, kind: str, what: str) -> None:
    """Refuse an output the source kind cannot be written to, or a folder that cannot be written."""
    if kind in ("video", "live"):
        if path.suffix.lower() not in WRITE_CODECS:
            known = ", ".join(sorted(WRITE_CODECS))
            raise UsageError(f"{what} {path}: a video is written as one of {known}")
    elif kind == "folder":
        if path.exists() and not path.is_dir():
            raise UsageError(f"{what} {path}: a folder of images is written to a folder")
        suffix = path.suffix.lower()
        if not path.exists() and (suffix in IMAGE_EXTS or suffix in VIDEO_EXTS):
            raise UsageError(
                f"{what} {path}: the input is a folder, so this is a folder of images, but "
                f"{path.name!r} looks like a file name: give a folder name (e.g. {path.stem}/)"
            )
    else:
        if path.is_dir():
            raise UsageError(f"{what} {path} is a folder: give a file name")
        if is_video(path):
            raise UsageError(f"{what} {path}: images are written as images, not a video")
        if path.suffix.lower() not in IMAGE_WRITE_EXTS or not cv2.haveImageWriter(str(path)):
            raise UsageError(
                f"{what} {path}: OpenCV cannot write an image as {path.suffix or 'no extension'!r}"
                f": use one of {', '.join(IMAGE_WRITE_EXTS)}"
            )
    parent = path if kind == "folder" and path.is_dir() else path.parent
    parent = parent if str(parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{what} {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{what} {path}: folder {parent} is not writable")


def targets(base: Path, source: FrameSource) -> list[Path]:
    """The files written under `base`: itself, or one PNG per input image of a folder."""
    if source.kind != "folder":
        return [base]
    return [base / (p.stem + ".png") for p in source.reads[1:]]


def _identity(path: Path) -> tuple[object, ...]:
    """A file's identity: (device, inode) where it exists, else its resolved path."""
    try:
        info = path.stat()
        return ("inode", info.st_dev, info.st_ino)
    except OSError:
        return ("path", str(path.resolve()))


def check_writes(
    written: Iterable[Written], reads: Iterable[Path], source: FrameSource, overwrite: bool
) -> None:
    """Refuse any write onto an input or onto another write; refuse existing files unless asked."""
    read_ids = {_identity(p): p for p in reads if p.exists()}
    files: list[Written] = []
    for item in written:
        if source.kind == "folder" and item.what != "--stats":
            read = read_ids.get(_identity(item.path))
            if read is not None:
                raise UsageError(
                    f"{item.what} {item.path} is the input folder {read}: give another folder"
                )
            files += [Written(p, item.what) for p in targets(item.path, source)]
        else:
            files.append(item)
    seen: dict[tuple[object, ...], Written] = {}
    for item in files:
        key = _identity(item.path)
        read = read_ids.get(key)
        if read is not None:
            raise UsageError(
                f"{item.what} {item.path} is the input {read} (the same file, also when "
                "linked or spelt differently): give another path"
            )
        other = seen.get(key)
        if other is not None:
            raise UsageError(
                f"{item.what} {item.path} is also {other.what} {other.path}: "
                "give each output its own path"
            )
        seen[key] = item
    if not overwrite:
        existing = [item for item in files if item.path.exists()]
        if existing:
            first = existing[0]
            more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
            raise UsageError(
                f"{first.what} {first.path} exists{more}: pass --overwrite to replace it"
            )
