"""Paired image folders (ROOT/hazy + ROOT/clear, aliases, or train/ and test/ copies of that).

Construction only scans names: hazy files pair with the clear file of the same relative stem,
or RESIDE-style with the part of the stem before the first underscore (1400_3.png -> 1400.png).
Images are decoded when loaded; every conversion (16-bit, greyscale, alpha, palette) is recorded
as a note, and an unreadable or size-mismatched pair raises DatasetError naming the file(s).
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from .base import SPLITS, DatasetError, PairedDataset, check_split, natural_key

LOADER_VERSION = "folder-1"
HAZY_DIRS = ("hazy", "input", "smoky", "haze")
CLEAR_DIRS = ("clear", "gt", "GT", "target", "clean")
SPLIT_DIRS = ("train", "test")
IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"})
TEST_BUCKETS = 5  # a group goes to test when sha256(group) % TEST_BUCKETS == 0 (about 20 %)
NOTE_EXAMPLES = 5  # file names listed per note before "... and N more"
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


# ----------------------------------------------------------------------------- scanning


def _find_dir(folder: Path, aliases: Iterable[str]) -> Path | None:
    """First sub-folder named like one of `aliases` (exact spelling first, then any case)."""
    subdirs = {p.name: p for p in folder.iterdir() if p.is_dir()}
    for alias in aliases:
        if alias in subdirs:
            return subdirs[alias]
    lowered = {name.lower(): path for name, path in sorted(subdirs.items())}
    for alias in aliases:
        if alias.lower() in lowered:
            return lowered[alias.lower()]
    return None


def _layout(folder: Path) -> tuple[Path, Path] | None:
    """(hazy_dir, clear_dir) of a folder, or None if it lacks one of them."""
    hazy, clear = _find_dir(folder, HAZY_DIRS), _find_dir(folder, CLEAR_DIRS)
    return (hazy, clear) if hazy is not None and clear is not None else None


def _image_files(folder: Path) -> list[Path]:
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


def _reside_stem(stem: str) -> str | None:
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


@dataclass
class ScanResult:
    """Pairs and leftovers found in one hazy/clear folder pair."""

    pairs: list[Pair]
    unpaired_hazy: list[Path]
    unpaired_clear: list[Path]
    ambiguous: list[str]


def scan_pairs(hazy_dir: Path, clear_dir: Path, prefix: str, split: str | None) -> ScanResult:
    """Pair files by identical relative stem, else by RESIDE prefix; ids get `prefix`."""
    hazy_files, clear_files = _image_files(hazy_dir), _image_files(clear_dir)
    clear_index: dict[str, list[Path]] = defaultdict(list)
    for path in clear_files:
        clear_index[_stem(path, clear_dir)].append(path)
    stem_counts: dict[str, int] = defaultdict(int)
    for path in hazy_files:
        stem_counts[_stem(path, hazy_dir)] += 1
    pairs, unpaired, ambiguous, used = [], [], [], set()
    for path in hazy_files:
        stem = _stem(path, hazy_dir)
        key = stem if stem in clear_index else _reside_stem(stem)
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


# ----------------------------------------------------------------------------- reading


def read_image(path: Path, label: str) -> tuple[np.ndarray, str | None]:
    """Decode an image as uint8 HxWx3 RGB; return it with a note of any conversion done.

    `label` names the file in messages. Raises DatasetError if it cannot be read.
    """
    try:
        with Image.open(path) as im:
            rawmode = _rawmode(im)
            if im.mode in ("RGB", "RGBA", "LA") and ";16" in rawmode:
                return _read_wide(path, im, label)
            im.load()
            return _to_rgb8(im, label)
    except DatasetError:
        raise
    except (
        OSError,
        UnidentifiedImageError,
        Image.DecompressionBombError,
        ValueError,
        SyntaxError,
        struct.error,
    ) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(
            f"cannot read image {label}: {reason}; replace or remove the file"
        ) from None


def _rawmode(im: Image.Image) -> str:
    """The decoder's raw pixel layout (e.g. 'RGB;16B'), or '' when unknown."""
    if not im.tile:
        return ""
    args = im.tile[0].args if hasattr(im.tile[0], "args") else im.tile[0][3]
    first = args[0] if isinstance(args, tuple) and args else args
    return first if isinstance(first, str) else ""


def to_8bit(values: np.ndarray) -> np.ndarray:
    """Scale 16-bit values to 8 bits as round(v / 257), exactly, in integer arithmetic."""
    v = values.astype(np.uint32)
    return ((2 * v + 257) // 514).astype(np.uint8)


def _to_rgb8(im: Image.Image, label: str) -> tuple[np.ndarray, str | None]:
    """Convert any Pillow mode to uint8 RGB, describing what was done (None: nothing)."""
    mode = im.mode
    if mode == "RGB":
        return np.asarray(im, dtype=np.uint8).copy(), None
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        grey = np.asarray(im)
        if grey.min() < 0 or grey.max() > 65535:
            raise DatasetError(
                f"cannot read image {label}: 32-bit integer values outside 0..65535; "
                "save it as 8- or 16-bit"
            )
        return _grey3(to_8bit(grey)), "16-bit greyscale -> 8-bit RGB (round(v/257), replicated)"
    if mode == "F":
        return _float_grey(im, label)
    if mode in ("L", "1"):
        return _grey3(np.asarray(im.convert("L"), dtype=np.uint8)), "greyscale -> RGB (replicated)"
    if mode in ("RGBA", "LA", "P", "PA"):
        rgba = np.asarray(im.convert("RGBA"), dtype=np.uint8)
        rgb, note = _drop_alpha(rgba[..., :3], rgba[..., 3], 255)
        if mode == "P" and not note.startswith("composited"):
            return rgb, "palette -> RGB"
        origin = {"RGBA": "RGBA", "LA": "greyscale+alpha", "P": "palette", "PA": "palette+alpha"}
        return rgb, f"{origin[mode]} -> RGB, {note}"
    if mode in ("RGBX", "CMYK", "YCbCr", "LAB", "HSV"):
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy(), f"{mode} -> RGB"
    raise DatasetError(
        f"cannot read image {label}: unsupported pixel mode {mode}; save it as 8-bit RGB"
    )


def _grey3(grey: np.ndarray) -> np.ndarray:
    """Replicate an HxW grey image into HxWx3."""
    return np.repeat(grey[..., None], 3, axis=2)


def _float_grey(im: Image.Image, label: str) -> tuple[np.ndarray, str]:
    """Floating-point greyscale in [0, 1] -> uint8 RGB; other ranges are refused."""
    values = np.asarray(im, dtype=np.float64)
    if not np.isfinite(values).all() or values.min() < 0 or values.max() > 1:
        raise DatasetError(
            f"cannot read image {label}: float values outside [0, 1]; save it as 8-bit RGB"
        )
    grey = np.floor(values * 255 + 0.5).astype(np.uint8)
    return _grey3(grey), "float greyscale -> 8-bit RGB (round(v*255), replicated)"


def _drop_alpha(rgb: np.ndarray, alpha: np.ndarray, full: int) -> tuple[np.ndarray, str]:
    """Drop an opaque alpha channel, or composite on black if any pixel is transparent."""
    if (alpha == full).all():
        return np.ascontiguousarray(rgb), "alpha dropped (fully opaque)"
    a = alpha.astype(np.uint64)[..., None]
    mixed = (rgb.astype(np.uint64) * a + full // 2) // full
    return mixed.astype(rgb.dtype), "composited on black (alpha not opaque)"


def _read_wide(path: Path, im: Image.Image, label: str) -> tuple[np.ndarray, str]:
    """16-bit-per-channel colour (Pillow would keep only the high byte): decode properly."""
    wide = read_png16(path.read_bytes(), label) if im.format == "PNG" else None
    if wide is None:  # not a PNG, or an interlaced one: Pillow's 8-bit decoding, noted
        im.load()
        rgb, note = _to_rgb8(im, label)
        return rgb, f"16-bit {im.format} colour: {note or 'RGB'}, high byte kept (v >> 8)"
    channels = wide.shape[2]
    rgb16 = wide if channels >= 3 else np.repeat(wide[..., :1], 3, axis=2)
    if channels in (2, 4):
        rgb, alpha_note = _drop_alpha(rgb16[..., :3], wide[..., -1], 65535)
    else:
        rgb, alpha_note = rgb16[..., :3], ""
    note = "16-bit -> 8-bit (round(v/257))" + (", greyscale replicated" if channels < 3 else "")
    return to_8bit(rgb), note + (f", {alpha_note}" if alpha_note else "")


def read_png16(data: bytes, label: str) -> np.ndarray | None:
    """Decode a 16-bit PNG into an HxWxC uint16 array (C = 1..4); None if interlaced."""
    chunks = _png_chunks(data, label)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 16 or channels is None:
        raise DatasetError(f"cannot read image {label}: not a 16-bit PNG; re-save it")
    if interlace != 0:
        return None
    stride = width * channels * 2
    try:
        raw = zlib.decompress(chunks[b"IDAT"])
    except zlib.error as exc:
        raise DatasetError(f"cannot read image {label}: corrupt PNG data ({exc})") from None
    if len(raw) < height * (stride + 1):
        raise DatasetError(f"cannot read image {label}: PNG data is truncated")
    rows = _unfilter(raw, height, stride, channels * 2)
    return rows.view(">u2").reshape(height, width, channels).astype(np.uint16)


def _png_chunks(data: bytes, label: str) -> dict[bytes, bytes]:
    """IHDR and concatenated IDAT payloads of a PNG byte string."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise DatasetError(f"cannot read image {label}: not a PNG file")
    chunks: dict[bytes, bytes] = {b"IDAT": b""}
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        chunks[kind] = chunks.get(kind, b"") + body if kind == b"IDAT" else body
        pos += 12 + length
        if kind == b"IEND":
            break
    if b"IHDR" not in chunks or not chunks[b"IDAT"]:
        raise DatasetError(f"cannot read image {label}: PNG lacks IHDR or IDAT")
    return chunks


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> np.ndarray:
    """Undo PNG scanline filters (None, Sub, Up, Average, Paeth); returns height x stride."""
    lines = np.frombuffer(raw, dtype=np.uint8, count=height * (stride + 1))
    lines = lines.reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, line = int(lines[y, 0]), lines[y, 1:]
        if kind == 0:
            cur = line.copy()
        elif kind == 1:
            cur = np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
        elif kind == 2:
            cur = line + prev
        elif kind in (3, 4):
            cur = _unfilter_sequential(line.tolist(), prev.tolist(), bpp, kind)
        else:
            raise DatasetError(f"bad PNG filter type {kind} in row {y}")
        out[y] = cur
        prev = out[y]
    return out


def _unfilter_sequential(line: list[int], prev: list[int], bpp: int, kind: int) -> np.ndarray:
    """Average (3) or Paeth (4) filter of one row, which depends on already-decoded bytes."""
    cur = [0] * len(line)
    for i, value in enumerate(line):
        left = cur[i - bpp] if i >= bpp else 0
        up = prev[i]
        if kind == 3:
            cur[i] = (value + ((left + up) >> 1)) & 0xFF
            continue
        upleft = prev[i - bpp] if i >= bpp else 0
        p = left + up - upleft
        pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
        pred = left if pa <= pb and pa <= pc else (up if pb <= pc else upleft)
        cur[i] = (value + pred) & 0xFF
    return np.array(cur, dtype=np.uint8)


# ----------------------------------------------------------------------------- data set


class FolderDataset(PairedDataset):
    """Hazy/clear image pairs read from folders, with a split file or a stable 80/20 split."""

    kind = "folder"

    def __init__(self, root: str | Path, name: str | None = None) -> None:
        """Find the layout and pair files by name (no image is decoded here)."""
        self.root = Path(root).expanduser().absolute()
        if not self.root.is_dir():
            raise DatasetError(f"dataset folder {self.root} does not exist: {LAYOUT_HELP}")
        self.name = name or self.root.name
        self._notes: list[str] = []
        self._conversions: dict[str, str] = {}
        self._fingerprint: str | None = None
        self._by_file: dict[str, str] = {}
        self._loaded: set[str] = set()
        self._checked = False
        scans = self._scan_layout()
        self._pairs = {p.image_id: p for scan in scans for p in scan.pairs}
        self._unpaired = {
            "hazy": [self._rel(p) for scan in scans for p in scan.unpaired_hazy],
            "clear": [self._rel(p) for scan in scans for p in scan.unpaired_clear],
        }
        self._ambiguous = [a for scan in scans for a in scan.ambiguous]
        self._check_paired()
        self._order = sorted(self._pairs, key=natural_key)
        self._groups = {i: p.group for i, p in self._pairs.items()}
        self._split_file: Path | None = None
        self._splits = self._assign_splits()
        self._note_leftovers()

    # ------------------------------------------------------------------ construction

    def _scan_layout(self) -> list[ScanResult]:
        """Scan train/ and test/ copies of the layout if present, else ROOT's own layout."""
        scans = []
        for split in SPLIT_DIRS:
            folder = _find_dir(self.root, (split,))
            found = _layout(folder) if folder is not None else None
            if folder is not None and found is not None:
                scans.append(scan_pairs(found[0], found[1], f"{folder.name}/", split))
            else:
                self._notes.append(f"no {split}/ folder holding hazy and clear images")
        top = _layout(self.root)
        if scans:
            self.layout = "train/test folders"
            if top is not None:
                self._notes.append("top-level hazy/ and clear/ ignored: train/ and test/ decide")
            return scans
        self._notes.clear()
        if top is None:
            raise DatasetError(f"no paired-image layout in {self.root}: {LAYOUT_HELP}")
        self.layout = "hazy/clear folders"
        return [scan_pairs(top[0], top[1], "", None)]

    def _check_paired(self) -> None:
        """Raise if nothing pairs at all, saying what was found and what names must match."""
        if self._pairs:
            return
        n_hazy = len(self._unpaired["hazy"])
        n_clear = len(self._unpaired["clear"])
        if n_hazy == 0:
            raise DatasetError(
                f"no hazy images (png/jpg/jpeg/bmp/tif/tiff) under {self.root}: {LAYOUT_HELP}"
            )
        example = self._unpaired["hazy"][0]
        raise DatasetError(
            f"no hazy/clear pairs in {self.root}: {n_hazy} hazy and {n_clear} clear images but "
            f"no names match (hazy {example!r} needs a clear file with the same stem, or with "
            "the part of its stem before the first '_')"
        )

    def _rel(self, path: Path) -> str:
        """Path relative to the data set root, with '/' separators."""
        return path.relative_to(self.root).as_posix()

    def _assign_splits(self) -> dict[str, list[str]]:
        """Split from folders, split.json, train.txt/test.txt, or a stable hash of the group."""
        if self.layout == "train/test folders":
            self.split_source = "train/ and test/ folders"
            for stray in ("split.json", "train.txt", "test.txt"):
                if (self.root / stray).is_file():
                    self._notes.append(f"{stray} ignored: the train/ and test/ folders decide")
            return self._from_labels({i: p.split for i, p in self._pairs.items()})
        listed = self._read_split_file()
        if listed is not None:
            return self._from_labels(listed)
        self.split_source = f"sha256(group) % {TEST_BUCKETS} == 0 -> test (about 20 %)"
        return self._hash_split()

    def _from_labels(self, labels: dict[str, str | None]) -> dict[str, list[str]]:
        """Split lists (in id order) from an id -> split mapping."""
        return {
            "train": [i for i in self._order if labels.get(i) == "train"],
            "test": [i for i in self._order if labels.get(i) == "test"],
            "all": list(self._order),
        }

    def _hash_split(self) -> dict[str, list[str]]:
        """Put whole groups into test when sha256(group) % 5 == 0, so scenes never straddle."""
        groups = sorted(set(self._groups.values()), key=natural_key)
        test = {g for g in groups if _group_hash(g) % TEST_BUCKETS == 0}
        if len(groups) == 1:
            self._notes.append(
                "only one scene group: train and test cannot both have images; "
                "add split.json to choose"
            )
        elif not test:
            chosen = min(groups, key=_group_hash)
            test = {chosen}
            self._notes.append(
                f"no group hashed into test; moved group {chosen!r} (lowest hash) to test"
            )
        labels = {i: "test" if g in test else "train" for i, g in self._groups.items()}
        return self._from_labels(labels)

    def _read_split_file(self) -> dict[str, str | None] | None:
        """id -> split from ROOT/split.json or ROOT/train.txt + test.txt, or None if absent."""
        json_file = self.root / "split.json"
        if json_file.is_file():
            self._split_file = json_file
            self.split_source = "split.json"
            lists = _load_split_json(json_file)
            self._apply_groups(lists.pop("groups", {}), json_file)
        else:
            txt = {s: self.root / f"{s}.txt" for s in SPLIT_DIRS}
            present = {s: f for s, f in txt.items() if f.is_file()}
            if not present:
                return None
            self._split_file = next(iter(present.values()))
            self.split_source = " + ".join(f.name for f in present.values())
            lists = {s: _load_id_lines(f) for s, f in present.items()}
        return self._labels_from_lists(lists, self._split_file)

    def _apply_groups(self, groups: Any, source: Path) -> None:
        """Use an optional {"groups": {id: group}} mapping from split.json (export round trip)."""
        if not isinstance(groups, dict):
            raise DatasetError(f"{source}: 'groups' must map image ids to group names")
        for entry, group in groups.items():
            image_id = self._lookup(str(entry))
            if image_id is not None:
                self._groups[image_id] = str(group)

    def _lookup(self, entry: str) -> str | None:
        """The id a split-file entry names (an id, or its file name with extension)."""
        if entry in self._pairs:
            return entry
        if not self._by_file:
            for image_id, pair in self._pairs.items():
                self._by_file[pair.file_name] = image_id
                self._by_file[self._rel(pair.hazy)] = image_id
        return self._by_file.get(entry)

    def _labels_from_lists(self, lists: dict[str, list[str]], source: Path) -> dict[str, Any]:
        """Map listed entries to ids; a split the file leaves out takes all unlisted ids."""
        labels: dict[str, str | None] = {}
        unknown: list[str] = []
        for split in SPLIT_DIRS:
            for entry in lists.get(split, []):
                image_id = self._lookup(entry)
                if image_id is None:
                    unknown.append(entry)
                elif labels.get(image_id, split) != split:
                    raise DatasetError(
                        f"{source.name} puts {image_id!r} in both train and test: "
                        "list every image in one split only"
                    )
                else:
                    labels[image_id] = split
        missing = [s for s in SPLIT_DIRS if s not in lists]
        if len(missing) == 1:
            for image_id in self._order:
                labels.setdefault(image_id, missing[0])
            self._notes.append(f"{source.name} lists no {missing[0]} split: it takes the rest")
        if unknown:
            self._notes.append(
                f"{source.name} names {len(unknown)} unknown ids, ignored: {_examples(unknown)}"
            )
        unlisted = [i for i in self._order if i not in labels]
        if unlisted:
            self._notes.append(
                f"{len(unlisted)} ids are in no split of {source.name} (only in 'all'): "
                f"{_examples(unlisted)}"
            )
        return labels

    def _note_leftovers(self) -> None:
        """Record unpaired and ambiguous files as notes (they are left out, not fatal)."""
        for side in ("hazy", "clear"):
            files = self._unpaired[side]
            if files:
                other = "clear" if side == "hazy" else "hazy"
                self._notes.append(
                    f"warning: {len(files)} {side} files have no {other} partner and are left "
                    f"out: {_examples(files)} (see info()['unpaired'])"
                )
        if self._ambiguous:
            self._notes.append(
                f"several clear files share a stem; used: {_examples(self._ambiguous)}"
            )

    # ------------------------------------------------------------------ interface

    @property
    def fingerprint(self) -> str:
        """sha256 of the loader version, split file, and every pair's names and file bytes."""
        if self._fingerprint is None:
            digest = hashlib.sha256(LOADER_VERSION.encode())
            for image_id in self._order:
                pair = self._pairs[image_id]
                line = [
                    image_id,
                    self._rel(pair.hazy),
                    self._rel(pair.clear),
                    self._groups[image_id],
                ]
                digest.update(("\0".join(line) + "\n").encode())
            files = {p for pair in self._pairs.values() for p in (pair.hazy, pair.clear)}
            if self._split_file is not None:
                files.add(self._split_file)
            for path in sorted(files, key=self._rel):
                digest.update(f"{self._rel(path)}\0".encode())
                _hash_file(digest, path)
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def ids(self, split: str = "test") -> list[str]:
        """Ids of a split in natural name order (train/test: no group is in both)."""
        return list(self._splits[check_split(split)])

    def _pair(self, image_id: str) -> Pair:
        """The pair of an id, or DatasetError naming the data set."""
        try:
            return self._pairs[image_id]
        except (KeyError, TypeError):
            raise DatasetError(
                f"unknown image id {image_id!r} in {self.name}: pick one from ids()"
            ) from None

    def group(self, image_id: str) -> str:
        """Scene of an image: its clear file's stem (RESIDE prefix), or split.json's group."""
        self._pair(image_id)
        return self._groups[image_id]

    def load_pair(self, image_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Decode (hazy, clear) as uint8 HxWx3; DatasetError names unreadable/mismatched files."""
        pair = self._pair(image_id)
        hazy = self._read(pair.hazy)
        clear = self._read(pair.clear)
        if hazy.shape != clear.shape:
            raise DatasetError(
                f"size mismatch for {image_id!r}: {self._rel(pair.hazy)} is "
                f"{hazy.shape[1]}x{hazy.shape[0]} but {self._rel(pair.clear)} is "
                f"{clear.shape[1]}x{clear.shape[0]}; resize or remove the pair"
            )
        return hazy, clear

    def _read(self, path: Path) -> np.ndarray:
        """Read one file, remembering any conversion for info()['notes']."""
        rel = self._rel(path)
        image, note = read_image(path, rel)
        self._loaded.add(rel)
        if note is not None:
            self._conversions[rel] = note
        return image

    def check(self) -> list[str]:
        """Load every pair; return one line per problem (unpaired, unreadable, mismatched)."""
        problems = [
            f"unpaired {side} file: {name}"
            for side in ("hazy", "clear")
            for name in self._unpaired[side]
        ]
        for image_id in self._order:
            try:
                self.load_pair(image_id)
            except DatasetError as exc:
                problems.append(str(exc))
        self._checked = True
        return problems

    def info(self) -> dict[str, Any]:
        """JSON-able description: layout, split source and sizes, unpaired files, conversions."""
        return {
            "name": self.name,
            "kind": self.kind,
            "root": str(self.root),
            "parameters": {"root": str(self.root), "layout": self.layout},
            "layout": self.layout,
            "split_source": self.split_source,
            "splits": {s: len(self._splits[s]) for s in SPLITS},
            "groups": len(set(self._groups.values())),
            "unpaired": {k: list(v) for k, v in self._unpaired.items()},
            "conversions": dict(sorted(self._conversions.items())),
            "notes": [*self._notes, *self._conversion_notes()],
        }

    def _conversion_notes(self) -> list[str]:
        """One note per kind of conversion done so far, naming the files."""
        by_kind: dict[str, list[str]] = defaultdict(list)
        for rel, note in sorted(self._conversions.items()):
            by_kind[note].append(rel)
        notes = [f"converted {note}: {_examples(files)}" for note, files in by_kind.items()]
        total = len({p for pair in self._pairs.values() for p in (pair.hazy, pair.clear)})
        if not self._checked and len(self._loaded) < total:
            notes.append(
                f"conversions are recorded as images load ({len(self._loaded)} of {total} "
                "files so far); check() loads them all"
            )
        return notes


# ----------------------------------------------------------------------------- helpers


def _group_hash(group: str) -> int:
    """Stable integer hash of a group name (independent of other files and of Python)."""
    return int.from_bytes(hashlib.sha256(group.encode()).digest()[:8], "big")


def _examples(names: list[str]) -> str:
    """A short, comma-separated list of names with '... and N more'."""
    shown = ", ".join(names[:NOTE_EXAMPLES])
    more = len(names) - NOTE_EXAMPLES
    return shown + (f", ... and {more} more" if more > 0 else "")


def _hash_file(digest: Any, path: Path) -> None:
    """Feed a file's bytes into `digest` in chunks."""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)


def _load_split_json(path: Path) -> dict[str, Any]:
    """Parse split.json as {"train": [...], "test": [...], optional "groups": {...}}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}; fix or remove the file") from None
    valid = isinstance(data, dict) and any(k in data for k in SPLIT_DIRS)
    lists_ok = valid and all(
        isinstance(data[k], list) and all(isinstance(x, str) for x in data[k])
        for k in SPLIT_DIRS
        if k in data
    )
    if not lists_ok:
        raise DatasetError(
            f'{path} must look like {{"train": ["id", ...], "test": ["id", ...]}}: fix it'
        )
    return {k: v for k, v in data.items() if k in (*SPLIT_DIRS, "groups")}


def _load_id_lines(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a train.txt / test.txt file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}; fix or remove the file") from None
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]
