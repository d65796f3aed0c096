"""Files under the cache's release folders: never through a link, verified by sha256 on every use.

A symbolic link anywhere under `<cache>/official/` is refused (a planted link would make a
download append to, or a rename replace, whatever it points at), and files are opened with
O_NOFOLLOW. Hashing a 100 MB release on every run would cost seconds, so a verification is
remembered in `<file>.verified`, keyed on the file's size, mtime, ctime, inode and device: any
rewrite, copy or replacement of the file changes one of them (ctime cannot be set by a user),
and the file is hashed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

from methods import Release, cache_dir

from ..errors import FetchError

STAMP_SUFFIX = ".verified"


def releases_root() -> Path:
    """The folder holding every release: <cache>/official."""
    return cache_dir() / "official"


def refuse_links(path: Path) -> None:
    """FetchError when `path`, or a folder between it and <cache>/official, is a symbolic link."""
    root = releases_root()
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (path.name,)
        root = path.parent
    here = root
    for part in ("", *parts):
        here = here / part if part else here
        if here.is_symlink():
            raise FetchError(
                f"{here} is a symbolic link: refused (files under the weights cache are never "
                "written or read through a link); remove it and run the command again"
            )


def open_no_follow(path: Path, flags: int, mode: int = 0o644, writing: bool = False) -> int:
    """os.open without following a link at `path`: a plain file (singly linked when `writing`)."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW, mode)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the last component is a symbolic link
            refuse_links(path)
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or (writing and info.st_nlink != 1):
        os.close(fd)
        what = "not a plain file" if not stat.S_ISREG(info.st_mode) else "a hard link"
        raise FetchError(
            f"{path} is {what} ({info.st_nlink} names): refused (writing it would change "
            "another file); remove it and run the command again"
        )
    return fd


def hash_fd(fd: int) -> str:
    """Hex sha256 of an open file's bytes, from the start."""
    digest = hashlib.sha256()
    os.lseek(fd, 0, os.SEEK_SET)
    while block := os.read(fd, 1 << 20):
        digest.update(block)
    return digest.hexdigest()


def _key(info: os.stat_result) -> dict[str, int]:
    return {
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
        "ctime_ns": info.st_ctime_ns,
        "inode": info.st_ino,
        "device": info.st_dev,
    }


def stamp_path(path: Path) -> Path:
    """Where the remembered verification of `path` is kept."""
    return path.with_name(path.name + STAMP_SUFFIX)


def _read_stamp(path: Path) -> dict | None:
    stamp = stamp_path(path)
    try:
        fd = open_no_follow(stamp, os.O_RDONLY)
    except (OSError, FetchError):
        return None
    try:
        return json.loads(os.read(fd, 4096).decode("utf-8"))
    except ValueError:
        return None
    finally:
        os.close(fd)


def write_exclusive(path: Path, data: bytes | Path) -> None:
    """Write `data` (bytes, or a file's bytes) to a new, exclusive sibling, then rename it in."""
    refuse_links(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, Path):
                with open(data, "rb") as source:
                    shutil.copyfileobj(source, handle, 1 << 20)
            else:
                handle.write(data)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def remember(path: Path, digest: str) -> None:
    """Record that `path`, as it is now, has sha256 `digest` (best effort: a read-only cache)."""
    info = os.stat(path, follow_symlinks=False)
    with contextlib.suppress(OSError):  # verified anyway; it is simply hashed again next time
        write_exclusive(stamp_path(path), json.dumps({**_key(info), "sha256": digest}).encode())


def file_sha256(path: Path) -> str:
    """sha256 of a cache file, from the remembered verification when the file is unchanged."""
    refuse_links(path)
    fd = open_no_follow(path, os.O_RDONLY)
    try:
        info = os.fstat(fd)
        stamp = _read_stamp(path)
        if stamp is not None and {k: stamp.get(k) for k in _key(info)} == _key(info):
            return str(stamp["sha256"])
        digest = hash_fd(fd)
    finally:
        os.close(fd)
    remember(path, digest)
    return digest


def mismatch(path: Path, release: Release) -> str | None:
    """Why the file at `path` is not `release` ('holds N bytes...'), or None when it is."""
    refuse_links(path)
    if not path.exists():
        return "missing"
    if not path.is_file():
        return "not a file"
    size = path.stat().st_size
    if release.size is not None and size != release.size:
        return f"holds {size:,} bytes, the release has {release.size:,}"
    if release.sha256 is not None:
        digest = file_sha256(path)
        if digest != release.sha256:
            return f"has sha256 {digest[:16]}..., the release has {release.sha256[:16]}..."
    return None
