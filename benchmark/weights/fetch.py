"""Verified, resumable HTTP download of one release into the cache (nothing unverified is kept).

Bytes go to '<file>.partial'; an interrupted or truncated transfer keeps them and the next call
asks the server for the rest (HTTP Range), or starts over when the server ignores the range.
The finished file is renamed into place only after its size and sha256 match the catalogue.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from methods import Release

from ..errors import FetchError

#: environment variable: BASE_URL replacing the upstream host (BASE_URL/<method>/<file name>)
MIRROR_ENV = "DEHAZE_BENCH_MIRROR"
CHUNK = 1 << 16


def source_url(method_name: str, release: Release) -> str | None:
    """Where to download from: the mirror when set, else the direct URL, else None (a page)."""
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    if mirror:
        return f"{mirror.rstrip('/')}/{method_name}/{release.file_name}"
    return release.url if release.direct else None


def partial_path(dest: Path) -> Path:
    """Where the bytes of an unfinished download of `dest` are kept."""
    return dest.with_name(dest.name + ".partial")


def download(
    url: str,
    dest: Path,
    size: int | None = None,
    sha256: str | None = None,
    progress: bool = True,
    timeout: float = 60.0,
) -> str:
    """Download `url` to `dest`, resuming a partial file; verify size/sha256; return the sha256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(dest)
    have = partial.stat().st_size if partial.exists() else 0
    if size is not None and have > size:  # not a prefix of the right file
        partial.unlink()
        have = 0
    if size is None or have < size:
        _transfer(url, dest, partial, have, size, progress, timeout)
    return _verify_and_keep(url, dest, partial, size, sha256)


def _transfer(
    url: str,
    dest: Path,
    partial: Path,
    have: int,
    size: int | None,
    progress: bool,
    timeout: float,
) -> None:
    """Append the missing bytes to `partial` (or rewrite it when the server ignores Range)."""
    headers = {"User-Agent": "dehaze-bench"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        response = urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=timeout
        )
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to send: the partial file may be complete
            return
        raise FetchError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(
            f"cannot reach {url} ({reason}): download it by hand and place it at {dest}"
        ) from None
    with response:
        if have and response.status != 206:
            have = 0  # the server sent the whole file
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else size
        got = have
        bar = tqdm(
            total=total,
            initial=have,
            unit="B",
            unit_scale=True,
            desc=dest.name,
            disable=not progress,
            file=sys.stderr,
        )
        try:
            with open(partial, "ab" if have else "wb") as out, bar:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
        except (http.client.IncompleteRead, OSError):
            pass  # reported below, with what arrived
    if total is not None and got < total:
        raise FetchError(
            f"download of {url} ended early after {got:,} of {total:,} bytes: run the same "
            f"command again to resume (kept at {partial})"
        )


def _verify_and_keep(
    url: str, dest: Path, partial: Path, size: int | None, sha256: str | None
) -> str:
    """Rename `partial` to `dest` when size and sha256 match; delete it (and say why) when not."""
    got = partial.stat().st_size if partial.exists() else 0
    if size is not None and got != size:
        partial.unlink(missing_ok=True)
        raise FetchError(
            f"{url} sent {got:,} bytes, the release has {size:,}: refused, nothing kept "
            "(a changed upstream file or a broken mirror)"
        )
    digest = hashlib.sha256()
    with open(partial, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    text = digest.hexdigest()
    if sha256 is not None and text != sha256:
        partial.unlink(missing_ok=True)
        raise FetchError(
            f"{url} has sha256 {text[:16]}..., the release has {sha256[:16]}...: refused, "
            "nothing kept (a corrupted or different file)"
        )
    os.replace(partial, dest)
    return text
