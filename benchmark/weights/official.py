"""Official releases in the cache: look one up, fetch it, file a hand-downloaded copy, list all."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from methods import (
    NeuralMethod,
    Release,
    available_methods,
    find_release,
    get_method,
    method_class,
    parse_spec,
    release_path,
    sha256_file,
)

from ..errors import FetchError
from ..files import atomic_target
from .fetch import MIRROR_ENV, download, source_url


def release_for(text: str) -> tuple[str, Release]:
    """`NAME[:TAG]` -> (method name, its release); a FetchError names what exists."""
    name, _, tag = text.partition(":")
    name = parse_spec(name).name
    cls = method_class(name)
    if not issubclass(cls, NeuralMethod) or not cls.releases:
        raise FetchError(f"{name} has no released weights (see: python -m benchmark weights)")
    return name, find_release(name, cls.releases, tag or None)


def is_cached(name: str, release: Release) -> bool:
    """True when the release's file is in the cache (with the catalogue's size when pinned)."""
    path = release_path(name, release)
    return path.is_file() and (release.size is None or path.stat().st_size == release.size)


def fetch_release(
    text: str, allow_unpinned: bool = False, progress: bool = True
) -> tuple[Path, str]:
    """Download `NAME[:TAG]` into the cache unless it is there; return (path, sha256)."""
    name, release = release_for(text)
    dest = release_path(name, release)
    if is_cached(name, release):
        return dest, sha256_file(dest)
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
    return dest, download(url, dest, release.size, release.sha256, progress=progress)


def official_weights(text: str, progress: bool = True) -> tuple[Path, Release]:
    """The cached file of `NAME[:TAG]`, fetched when missing (pinned, direct releases only)."""
    name, release = release_for(text)
    dest = release_path(name, release)
    if is_cached(name, release):
        return dest, release
    where = source_url(name, release) or release.url
    try:
        path, _ = fetch_release(text, progress=progress)
    except FetchError as exc:
        raise FetchError(
            f"{name}:{release.tag} is not in the cache and could not be fetched ({exc}); "
            f"download {where} and place it at {dest}"
        ) from None
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
    with atomic_target(dest) as tmp:
        shutil.copyfile(file, tmp)
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
