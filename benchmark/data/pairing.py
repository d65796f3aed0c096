"""Finding the hazy and clear folders of a data set and pairing their files by name.

A hazy file pairs with the clear file of the same relative stem, or RESIDE-style with the part
of its stem before the first underscore (1400_3.png -> 1400.png). Only names are read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .base import natural_key

HAZY_DIRS = ("hazy", "input", "smoky", "haze")
CLEAR_DIRS = ("clear", "gt", "GT", "target", "clean")
IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"})
LAYOUT_HELP = (
    "expected hazy/ (or input/, smoky/, haze/) next to clear/ (or gt/, GT/, target/, clean/), "
    "or train/ and test/ folders that each hold such a pair"
)


@dataclass(frozen=True)
class Pair:
    """One hazy file, the clear file it pairs with, its scene group and folder split (if any)."""

    image_id: str
    hazy: Path
    clear: Path
    group: str
    split: str | None
    file_name: str  # hazy path relative to its hazy folder (with split prefix), e.g. "1400_3.png"


@dataclass
class ScanResult:
    """Pairs and leftovers found in one hazy/clear folder pair."""

    pairs: list[Pair]
    unpaired_hazy: list[Path]
    unpaired_clear: list[Path]
    ambiguous: list[str]


def find_dir(folder: Path, aliases: Iterable[str]) -> Path | None:
    """First sub-folder named like one of `aliases` (exact spelling first, then any case)."""
    aliases = list(aliases)
    subdirs = {p.name: p for p in folder.iterdir() if p.is_dir()}
    for alias in aliases:
        if alias in subdirs:
            return subdirs[alias]
    lowered = {name.lower(): path for name, path in sorted(subdirs.items())}
    for alias in aliases:
        if alias.lower() in lowered:
            return lowered[alias.lower()]
    return None


def find_layout(folder: Path) -> tuple[Path, Path] | None:
    """(hazy_dir, clear_dir) of a folder, or None if it lacks one of them."""
    hazy, clear = find_dir(folder, HAZY_DIRS), find_dir(folder, CLEAR_DIRS)
    return (hazy, clear) if hazy is not None and clear is not None else None


def image_files(folder: Path) -> list[Path]:
    """Image files under `folder` (recursive, hidden names skipped), in natural order."""
    found = [
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in IMAGE_EXTS
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found, key=lambda p: natural_key(p.relative_to(folder).as_posix()))


def _stem(path: Path, base: Path) -> str:
    """Relative path of `path` under `base`, without extension, with '/' separators."""
    return path.relative_to(base).with_suffix("").as_posix()


def reside_stem(stem: str) -> str | None:
    """Clear stem a RESIDE-style hazy stem points to ("dir/1400_3" -> "dir/1400"), or None."""
    head, _, name = stem.rpartition("/")
    if "_" not in name or name.startswith("_"):
        return None
    prefix = name.split("_", 1)[0]
    return f"{head}/{prefix}" if head else prefix


def _pick_clear(candidates: list[Path], hazy: Path) -> Path:
    """Among clear files sharing a stem, prefer the hazy file's extension, else the first."""
    same = [c for c in candidates if c.suffix.lower() == hazy.suffix.lower()]
    return (same or candidates)[0]


def scan_pairs(hazy_dir: Path, clear_dir: Path, prefix: str, split: str | None) -> ScanResult:
    """Pair files by identical relative stem, else by RESIDE prefix; ids get `prefix`."""
    hazy_files, clear_files = image_files(hazy_dir), image_files(clear_dir)
    clear_index: dict[str, list[Path]] = defaultdict(list)
    for path in clear_files:
        clear_index[_stem(path, clear_dir)].append(path)
    stem_counts: dict[str, int] = defaultdict(int)
    for path in hazy_files:
        stem_counts[_stem(path, hazy_dir)] += 1
    pairs, unpaired, ambiguous, used = [], [], [], set()
    for path in hazy_files:
        stem = _stem(path, hazy_dir)
        key = stem if stem in clear_index else reside_stem(stem)
        if key is None or key not in clear_index:
            unpaired.append(path)
            continue
        candidates = clear_index[key]
        clear = _pick_clear(candidates, path)
        if len(candidates) > 1:
            ambiguous.append(f"{clear.relative_to(clear_dir).as_posix()} (of {len(candidates)})")
        used.add(clear)
        rel = path.relative_to(hazy_dir).as_posix()
        image_id = prefix + (rel if stem_counts[stem] > 1 else stem)
        pairs.append(Pair(image_id, path, clear, prefix + key, split, prefix + rel))
    leftover = [c for c in clear_files if c not in used]
    return ScanResult(pairs, unpaired, leftover, ambiguous)
