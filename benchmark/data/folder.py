"""Paired image folders (ROOT/hazy + ROOT/clear, aliases, or train/ and test/ copies of that).

Construction only scans names (see pairing) and assigns splits (see split_files). Images are
decoded when loaded; every conversion (16-bit, greyscale, alpha, palette) is recorded as a
note, and an unreadable or size-mismatched pair raises DatasetError naming the file(s).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DatasetError
from .base import SPLITS, PairedDataset, check_split, natural_key
from .image_io import read_image
from .notes import examples
from .pairing import LAYOUT_HELP, Pair, ScanResult, find_dir, find_layout, scan_pairs
from .split_files import (
    HASH_SOURCE,
    SPLIT_NAMES,
    find_split_file,
    hash_split,
    labels_from_lists,
    splits_from_labels,
)

#: part of every folder fingerprint; "folder-2": EXIF orientation applied, 16-bit colour as round(v/257)
LOADER_VERSION = "folder-2"
FOLDER_SPLITS = "train/test folders"


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
        for split in SPLIT_NAMES:
            folder = find_dir(self.root, (split,))
            found = find_layout(folder) if folder is not None else None
            if folder is not None and found is not None:
                scans.append(scan_pairs(found[0], found[1], f"{folder.name}/", split))
            else:
                self._notes.append(f"no {split}/ folder holding hazy and clear images")
        top = find_layout(self.root)
        if scans:
            self.layout = FOLDER_SPLITS
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
        if self.layout == FOLDER_SPLITS:
            self.split_source = "train/ and test/ folders"
            for stray in ("split.json", "train.txt", "test.txt"):
                if (self.root / stray).is_file():
                    self._notes.append(f"{stray} ignored: the train/ and test/ folders decide")
            labels = {i: p.split for i, p in self._pairs.items()}
            return splits_from_labels(labels, self._order)
        listed = find_split_file(self.root)
        if listed is None:
            self.split_source = HASH_SOURCE
            hashed, notes = hash_split(self._groups)
            self._notes.extend(notes)
            return splits_from_labels(hashed, self._order)
        self._split_file = listed.path
        self.split_source = listed.source
        for entry, group in listed.groups.items():  # split.json's groups (export round trip)
            image_id = self._lookup(str(entry))
            if image_id is not None:
                self._groups[image_id] = str(group)
        name = listed.path.name
        labels, notes = labels_from_lists(listed.lists, self._lookup, self._order, name)
        self._notes.extend(notes)
        return splits_from_labels(labels, self._order)

    def _lookup(self, entry: str) -> str | None:
        """The id a split-file entry names (an id, or its file name with extension)."""
        if entry in self._pairs:
            return entry
        if not self._by_file:
            for image_id, pair in self._pairs.items():
                self._by_file[pair.file_name] = image_id
                self._by_file[self._rel(pair.hazy)] = image_id
        return self._by_file.get(entry)

    def _note_leftovers(self) -> None:
        """Record unpaired and ambiguous files as notes (they are left out, not fatal)."""
        for side in ("hazy", "clear"):
            files = self._unpaired[side]
            if files:
                other = "clear" if side == "hazy" else "hazy"
                self._notes.append(
                    f"warning: {len(files)} {side} files have no {other} partner and are left "
                    f"out: {examples(files)} (see info()['unpaired'])"
                )
        if self._ambiguous:
            self._notes.append(
                f"several clear files share a stem; used: {examples(self._ambiguous)}"
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
        notes = [f"converted {note}: {examples(files)}" for note, files in by_kind.items()]
        total = len({p for pair in self._pairs.values() for p in (pair.hazy, pair.clear)})
        if not self._checked and len(self._loaded) < total:
            notes.append(
                f"conversions are recorded as images load ({len(self._loaded)} of {total} "
                "files so far); check() loads them all"
            )
        return notes


def _hash_file(digest: Any, path: Path) -> None:
    """Feed a file's bytes into `digest` in chunks."""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
