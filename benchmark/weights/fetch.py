"""Verified, resumable HTTP download of one release into the cache (nothing unverified is kept).

Bytes go to '<file>.partial'; an interrupted or truncated transfer keeps them and the next call
asks the server for the rest (HTTP Range), or starts over when the server ignores the range.
The finished file is renamed into place only after its size and sha256 match the catalogue.
A pinned size bounds the transfer: a larger Content-Length is refused before any byte is
written, and reading stops at size + 1 bytes whatever the server sends.
"""

from __future__ import annotations

import errno
import http.client
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

from methods import Release

from ..errors import FetchError
from .cache_files import hash_fd, open_no_follow, refuse_links, remember

#: environment variable: BASE_URL replacing the upstream host (BASE_URL/<method>/<file name>)
MIRROR_ENV = "DEHAZE_BENCH_MIRROR"
#: environment variable: seconds without a byte before a download gives up (default 60)
TIMEOUT_ENV = "DEHAZE_BENCH_FETCH_TIMEOUT"
DEFAULT_TIMEOUT = 60.0
CHUNK = 1 << 16
FULL_DISK = (errno.ENOSPC, errno.EDQUOT)


class UnreachableError(FetchError):
    """The server could not be reached at all (offline, refused, unknown host)."""


def fetch_timeout() -> float:
    """Seconds a download waits for the next byte: $DEHAZE_BENCH_FETCH_TIMEOUT, else 60."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise FetchError(f"${TIMEOUT_ENV}={text!r} is not a number of seconds above 0")
    return value


def mirror_base() -> str | None:
    """$DEHAZE_BENCH_MIRROR checked to be an http(s) URL, or None when unset."""
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    if not mirror:
        return None
    try:
        parts = urllib.parse.urlsplit(mirror)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        parts, problem = None, str(exc)
    else:
        problem = "" if parts.scheme in ("http", "https") and parts.netloc else "no http(s) host"
    if parts is None or problem:
        raise FetchError(
            f"${MIRROR_ENV}={mirror!r} is not a URL ({problem}): set it to a base URL such "
            "as http://host:8000/weights, or unset it to download from the authors"
        )
    return mirror.rstrip("/")


def source_url(method_name: str, release: Release) -> str | None:
    """Where to download from: the mirror when set, else the direct URL, else None (a page)."""
    mirror = mirror_base()
    if mirror:
        return f"{mirror}/{method_name}/{release.file_name}"
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
    timeout: float | None = None,
) -> str:
    """Download `url` to `dest`, resuming a partial file; verify size/sha256; return the sha256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(dest)
    refuse_links(partial)
    have = partial.stat().st_size if partial.exists() else 0
    if size is not None and have > size:  # not a prefix of the right file
        partial.unlink()
        have = 0
    resumed = have > 0
    if size is None or have < size:
        resumed = _transfer(url, partial, have, size, progress, timeout or fetch_timeout())
    return _verify_and_keep(url, dest, partial, size, sha256, resumed)


def _open(url: str, have: int, timeout: float) -> http.client.HTTPResponse | None:
    """The server's response for the bytes from `have` on (None: nothing left to send)."""
    headers = {"User-Agent": "dehaze-bench"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to send: the partial file may be complete
            return None
        raise FetchError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise FetchError(
                f"timeout: {url} did not answer within {timeout:g} s (raise it with "
                f"--timeout SECONDS or ${TIMEOUT_ENV})"
            ) from None
        raise UnreachableError(f"cannot reach {url} ({reason})") from None


def _transfer(
    url: str, partial: Path, have: int, size: int | None, progress: bool, timeout: float
) -> bool:
    """Append the missing bytes to `partial` (or rewrite it); True when an old prefix was kept."""
    response = _open(url, have, timeout)
    if response is None:
        return True
    with response:
        if have and response.status != 206:
            have = 0  # the server sent the whole file
        length = response.headers.get("Content-Length")
        announced = have + int(length) if length and length.isdigit() else None
        if size is not None and announced is not None and announced != size:
            raise FetchError(
                f"{url} announces {announced:,} bytes, the release has {size:,}: refused before "
                "downloading, nothing kept (a changed upstream file or a broken mirror)"
            )
        total = announced if announced is not None else size
        limit = size + 1 if size is not None else None  # one byte more proves a wrong size
        if have:
            fd = open_no_follow(partial, os.O_WRONLY | os.O_APPEND, writing=True)
        else:
            partial.unlink(missing_ok=True)  # removes a planted link itself, never its target
            fd = open_no_follow(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, writing=True)
        bar = tqdm(
            total=total,
            initial=have,
            unit="B",
            unit_scale=True,
            desc=partial.name,
            disable=not progress,
            file=sys.stderr,
        )
        try:
            with bar:
                got = _copy(response, fd, have, limit, bar, url, total, partial, timeout)
        finally:
            os.close(fd)
    if total is not None and got < total:
        raise FetchError(
            f"download of {url} ended early after {got:,} of {total:,} bytes: run the same "
            f"command again to resume (kept at {partial})"
        )
    return have > 0


def _copy(
    response: http.client.HTTPResponse,
    fd: int,
    got: int,
    limit: int | None,
    bar: tqdm,
    url: str,
    total: int | None,
    partial: Path,
    timeout: float,
) -> int:
    """Copy the body into `fd` until it ends or `limit` bytes are held; return the bytes held."""
    of = f" of {total:,}" if total is not None else ""
    while limit is None or got < limit:
        want = CHUNK if limit is None else min(CHUNK, limit - got)
        try:
            chunk = response.read(want)
        except TimeoutError:
            raise FetchError(
                f"timeout: {url} sent nothing for {timeout:g} s after {got:,}{of} bytes: run "
                f"the same command again to resume (kept at {partial}), or raise --timeout "
                f"SECONDS / ${TIMEOUT_ENV}"
            ) from None
        except (http.client.IncompleteRead, OSError):
            break  # reported by the caller, with what arrived
        if not chunk:
            break
        try:
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]
        except OSError as exc:
            if exc.errno in FULL_DISK:
                raise FetchError(
                    f"disk full: could not write {partial} after {got:,}{of} bytes: free "
                    "some space (or set $DEHAZE_BENCH_CACHE to another disk) and run the same "
                    "command again to resume"
                ) from None
            raise
        got += len(chunk)
        bar.update(len(chunk))
    return got


def _verify_and_keep(
    url: str,
    dest: Path,
    partial: Path,
    size: int | None,
    sha256: str | None,
    resumed: bool,
) -> str:
    """Rename `partial` to `dest` when size and sha256 match; delete it (and say why) when not."""
    source = (
        f"the bytes kept at {partial} by an earlier download, completed from {url},"
        if resumed
        else url
    )
    fd = open_no_follow(partial, os.O_RDONLY, writing=True)
    try:
        got = os.fstat(fd).st_size
        text = hash_fd(fd) if size is None or got == size else ""
    finally:
        os.close(fd)
    why = "run the same command again to download it whole" if resumed else ""
    if size is not None and got != size:
        partial.unlink(missing_ok=True)
        sent = f"more than {size:,}" if got > size else f"{got:,}"
        raise FetchError(
            f"{source} {'came to' if resumed else 'sent'} {sent} bytes, the release has "
            f"{size:,}: refused, nothing kept ({why or 'a changed upstream file or a broken mirror'})"
        )
    if sha256 is not None and text != sha256:
        partial.unlink(missing_ok=True)
        raise FetchError(
            f"{source} {'have' if resumed else 'has'} sha256 {text[:16]}..., the release has "
            f"{sha256[:16]}...: refused, nothing kept ({why or 'a corrupted or different file'})"
        )
    os.replace(partial, dest)
    remember(dest, text)
    return text
