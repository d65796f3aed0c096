"""Official releases in the cache: look one up, fetch it, file a hand-downloaded copy, list all."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from methods import (
    NeuralMethod,
    Release,
    available_methods,
    cache_dir,
    find_release,
    get_method,
    method_class,
    parse_spec,
    release_path,
    sha256_file,
)

from ..errors import FetchError
from ..holder_lock import HolderLock
from .cache_files import file_sha256, mismatch, remember, write_exclusive
from .fetch import MIRROR_ENV, UnreachableError, download, source_url

LOCK_SUFFIX = ".lock"


def release_for(text: str) -> tuple[str, Release]:
    """`NAME[:TAG]` -> (method name, its release); a FetchError names what exists."""
    name, _, tag = text.partition(":")
    name = parse_spec(name).name
    cls = method_class(name)
    if not issubclass(cls, NeuralMethod) or not cls.releases:
        raise FetchError(f"{name} has no released weights (see: python -m benchmark weights)")
    return name, find_release(name, cls.releases, tag or None)


class FetchLock(HolderLock):
    """One download per release at a time: a second `weights fetch` waits for the first."""

    def waiting(self, holder: str) -> str:
        """Whom the second download waits for."""
        return f"{self.path.name[: -len(LOCK_SUFFIX)]} is being downloaded by {holder}: waiting"


def lock_path(name: str, release: Release) -> Path:
    """The lock file of one release's download: <cache>/locks/<method>/<file>.lock."""
    return cache_dir() / "locks" / name / (release.file_name + LOCK_SUFFIX)


def is_cached(name: str, release: Release) -> bool:
    """True when the release's file is in the cache and verified (size and sha256 when pinned)."""
    try:
        return mismatch(release_path(name, release), release) is None
    except FetchError:  # a link planted in the cache: not a usable copy
        return False


def fetch_release(
    text: str, allow_unpinned: bool = False, progress: bool = True, timeout: float | None = None
) -> tuple[Path, str]:
    """Download `NAME[:TAG]` into the cache unless a verified copy is there; (path, sha256)."""
    name, release = release_for(text)
    dest = release_path(name, release)
    if mismatch(dest, release) is None:
        return dest, file_sha256(dest)
    url = source_url(name, release)
    if url is None:
        raise FetchError(
            f"{name}:{release.tag} is behind a download page: get {release.file_name} from "
            f"{release.url}, then run: python -m benchmark weights add {name}:{release.tag} FILE "
            f"(or set ${MIRROR_ENV})"
        )
    if not release.pinned and not allow_unpinned:
        raise FetchError(
            f"{name}:{release.tag} is unpinned (no verified sha256 in the catalogue): pass "
            "--allow-unpinned to download it anyway; the sha256 it gets is printed"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_path(name, release)
    log = lambda line: print(line, file=sys.stderr)  # noqa: E731
    with FetchLock(lock, wait=True, log=log):
        if mismatch(dest, release) is None:  # the download we waited for brought it
            return dest, file_sha256(dest)
        try:
            digest = download(url, dest, release.size, release.sha256, progress, timeout)
        except UnreachableError as exc:
            raise FetchError(
                f"{exc}: download {release.url} by hand and place it at {dest}, or file it "
                f"with: python -m benchmark weights add {name}:{release.tag} FILE"
            ) from None
    return dest, digest


def official_weights(text: str, progress: bool = True) -> tuple[Path, Release]:
    """The verified cached file of `NAME[:TAG]`, fetched when missing or not the release."""
    name, release = release_for(text)
    dest = release_path(name, release)
    problem = mismatch(dest, release)
    if problem is None:
        return dest, release
    try:
        path, _ = fetch_release(text, progress=progress)
    except FetchError as exc:
        held = "is not in the cache" if problem == "missing" else f"at {dest} {problem}"
        raise FetchError(f"{name}:{release.tag} {held}, and could not be fetched: {exc}") from None
    return path, release


def add_release(text: str, file: str | Path, trust: bool = False) -> tuple[Path, str]:
    """Check `file` loads strictly into the architecture, then copy it into the cache."""
    name, release = release_for(text)
    file = Path(file)
    get_method(name, use_shipped=False).load_weights(file, trust=trust)  # WeightsError if wrong
    digest = sha256_file(file)
    if release.sha256 is not None and digest != release.sha256:
        raise FetchError(
            f"{file} has sha256 {digest[:16]}..., {name}:{release.tag} has "
            f"{release.sha256[:16]}...: not the released file; nothing filed"
        )
    dest = release_path(name, release)
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_exclusive(dest, file)
    if sha256_file(dest) != digest:  # the source changed while it was copied
        dest.unlink()
        raise FetchError(f"{file} changed while it was copied: nothing filed, run it again")
    remember(dest, digest)
    return dest, digest


def catalogue_rows() -> list[dict[str, Any]]:
    """One row per release of every registered method (no network)."""
    rows = []
    for name in available_methods():
        cls = method_class(name)
        for release in getattr(cls, "releases", ()):
            rows.append(
                {
                    "method": name,
                    "tag": f"{name}:{release.tag}",
                    "file": release.file_name,
                    "training_set": release.training_set,
                    "size": release.size,
                    "sha256": release.sha256 or "unpinned",
                    "published": "; ".join(f"{s.text()} ({s.source})" for s in release.published),
                    "cached": is_cached(name, release),
                    "path": str(release_path(name, release)),
                    "url": release.url,
                    "direct": release.direct,
                    "terms": release.terms,
                    "note": release.note,
                }
            )
    return rows
