"""The authors' released checkpoints: one `Release` per file, and where the local cache keeps them.

Each method file lists its releases (like timm's default_cfgs); nothing here touches the network.
Downloading lives in `benchmark.weights` (the harness owns progress bars, retries and user errors,
and `methods` stays importable without any network code).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import WeightsError

#: environment variable naming the cache folder (default: the platform's user cache folder)
CACHE_ENV = "DEHAZE_BENCH_CACHE"


@dataclass(frozen=True)
class PublishedScore:
    """A score the authors publish for a release, and where they publish it."""

    dataset: str  # e.g. "SOTS indoor (500 pairs)"
    psnr: float
    ssim: float | None
    source: str  # e.g. "GCANet paper (WACV 2019), Table 1"

    def text(self) -> str:
        """'SOTS indoor (500 pairs) 30.23 dB / 0.980'."""
        ssim = f" / {self.ssim:.4f}" if self.ssim is not None else ""
        return f"{self.dataset} {self.psnr:.2f} dB{ssim}"


@dataclass(frozen=True)
class Release:
    """One file the authors released: where it is, what it was trained on, how to verify it."""

    tag: str  # e.g. "its"
    file_name: str  # the name as released
    url: str  # a direct download URL, or the authors' download page
    direct: bool  # True when `url` downloads the file itself
    training_set: str
    terms: str  # the licence or terms of use as the authors state them
    size: int | None = None  # bytes, when verified
    sha256: str | None = None  # when verified
    published: tuple[PublishedScore, ...] = ()
    note: str = ""  # e.g. a format that needs --trust-weights

    @property
    def pinned(self) -> bool:
        """True when size and sha256 were verified (a download is checked against both)."""
        return self.size is not None and self.sha256 is not None


def cache_dir() -> Path:
    """The cache folder: $DEHAZE_BENCH_CACHE, else the platform's user cache folder."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs  # only needed here; keeps `import methods` light

    return Path(platformdirs.user_cache_dir("dehaze-bench", appauthor=False))


def release_path(method_name: str, release: Release) -> Path:
    """Where a release lives in the cache: <cache>/official/<method>/<released file name>."""
    return cache_dir() / "official" / method_name / release.file_name


def trained_dir() -> Path:
    """Where `train all` writes suite-trained weights: <cache>/trained/."""
    return cache_dir() / "trained"


def find_release(method_name: str, releases: tuple[Release, ...], tag: str | None) -> Release:
    """The release with `tag` (the first one listed when None); a WeightsError names the tags."""
    if not releases:
        raise WeightsError(f"{method_name} has no released weights in the catalogue")
    if tag is None:
        return releases[0]
    for release in releases:
        if release.tag == tag:
            return release
    tags = ", ".join(f"{method_name}:{r.tag}" for r in releases)
    raise WeightsError(f"{method_name} has no release tagged {tag!r} (known: {tags})")
