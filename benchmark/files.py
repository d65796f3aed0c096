"""File helpers shared by every writer: safe file names, atomic writes, content hashes."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from methods import sha256_file

__all__ = ["atomic_write_bytes", "atomic_write_json", "atomic_write_text", "safe_name"]
__all__ += ["sha256_file", "sha256_text", "temp_path"]

MAX_NAME = 100  # characters of readable slug
HASH_CHARS = 8  # hex digits of the sha256 suffix (collisions: ~1 in 4e9 per pair)


def safe_name(text: str) -> str:
    """File-name form of a spec or image id that no other text shares.

    A readable slug ('lnet-gie:rm=1.0' -> 'lnet-gie_rm-1.0'), plus '~' and a short hash of the
    text whenever the slug is not the text itself, so '画像' and '写真' (both '_' as slugs), or
    'Img' and 'img' on a case-insensitive file system, never name the same file.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", text.replace("=", "-")).strip("_.")[:MAX_NAME]
    if slug == text and text == text.lower():
        return slug
    return f"{slug or 'x'}~{sha256_text(text)[:HASH_CHARS]}"


def check_writable(folder: Path) -> None:
    """Create `folder` and prove a file can be written there (raises the OSError if not)."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"ok")
    finally:
        probe.unlink(missing_ok=True)


def temp_path(path: Path) -> Path:
    """The temporary sibling a file is written to before it replaces `path`."""
    return path.with_name(path.name + ".tmp")


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary sibling to write; it replaces `path` if the block succeeds, else is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # a full disk or a failed rename leaves nothing behind


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a temporary sibling, then rename it over `path` (never half a file)."""
    with atomic_target(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    """`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    """Indented JSON, written atomically."""
    atomic_write_text(path, json.dumps(obj, indent=2, default=str) + "\n")


def sha256_text(text: str) -> str:
    """Hex sha256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
