"""Data without ground truth: a flat or hazy-only image folder, a video, a folder of videos.

Every image is a test image unless a split file (split.json, train.txt/test.txt, as for paired
folders; for a folder of videos it may name whole videos) says otherwise. An unpaired set yields inputs only (`load_pair` gives
(input, None)) and `iter_inputs`, which decodes in order, one image or frame at a time, and
turns a bad file or frame into an error for that id instead of stopping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DatasetError
from .base import PairedDataset, check_split, natural_key, stack_pairs
from .image_io import read_image
from .notes import examples
from .pairing import HAZY_DIRS, IMAGE_EXTS, find_dir, image_files
from .split_files import SPLIT_NAMES, find_split_file, labels_from_lists, splits_from_labels
from .video import is_video, iter_frames, probe_video

#: part of every unpaired fingerprint (bump when decoding changes)
LOADER_VERSION = "unpaired-1"
CHUNK = 1 << 20


#: why the images of a folder that also holds videos are not scored
LEFT_OUT_WHY = (
    "a folder holding videos is scored as videos only (frames and images differ in size and "
    "kind); put the images in a folder of their own and run it separately"
)


def _hash_file(digest: Any, path: Path) -> None:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)


class UnpairedDataset(PairedDataset):
    """Inputs without clear twins: every id is a test image; load_pair gives (input, None)."""

    paired = False
    split_source = "no ground truth: every image is a test image"
    _splits: dict[str, list[str]] | None = None  # from a split file, when there is one
    _split_file: Path | None = None
    _notes: tuple[str, ...] = ()
    #: --reference-frame: a frame index into each video, or an image id (None: not given)
    reference_frame: str | int | None = None

    def _hash_reference(self, digest: Any) -> None:
        """Feed the reference frame (if any) into a fingerprint: other references, other scores."""
        if self.reference_frame is not None:
            digest.update(f"\0reference\0{self.reference_frame}".encode())

    def ids(self, split: str = "test") -> list[str]:
        """A split file's lists if there is one; else all ids for "test"/"all", none for "train"."""
        split = check_split(split)
        if self._splits is not None:
            return list(self._splits[split])
        return [] if split == "train" else list(self._order)

    def _read_split_file(self, folder: Path, expand: Callable[[str], list[str] | None]) -> None:
        """Follow FOLDER's split file; `expand` maps an entry to its ids (None: unknown entry)."""
        listed = find_split_file(folder)
        if listed is None:
            return
        lists: dict[str, list[str]] = {}
        unknown: list[str] = []
        for split in SPLIT_NAMES:
            if split in listed.lists:
                lists[split] = []
                for entry in listed.lists[split]:
                    found = expand(entry)
                    if found is None:
                        unknown.append(entry)
                    else:
                        lists[split].extend(found)
        if unknown:
            raise DatasetError(
                f"{listed.path} lists {len(unknown)} id(s) that {self.name} does not hold: "
                f"{examples(unknown)}; list image ids (file names without extension) or fix the file"
            )
        known = set(self._order)
        labels, notes = labels_from_lists(
            lists, lambda i: i if i in known else None, self._order, listed.path.name
        )
        self._splits = splits_from_labels(labels, self._order)
        self._split_file, self.split_source, self._notes = listed.path, listed.source, tuple(notes)

    def _hash_split_file(self, digest: Any) -> None:
        """Feed the split file's name and bytes (if any) into a fingerprint."""
        if self._split_file is not None:
            digest.update(f"\0split\0{self._split_file.name}\0".encode())
            _hash_file(digest, self._split_file)

    def split_sizes(self) -> dict[str, int]:
        """How many ids each split holds (info()'s "splits")."""
        return {s: len(self.ids(s)) for s in ("train", "test")}

    def group(self, image_id: str) -> str:
        return self._groups[image_id]

    def load_pair(self, image_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(input, None): there is no ground truth."""
        for _found, image in self.iter_inputs([image_id]):
            if isinstance(image, DatasetError):
                raise image
            return image, None  # type: ignore[return-value]
        raise DatasetError(f"unknown image id {image_id!r} in {self.name}")

    def load_many(self, ids: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(N,H,W,3) uint8 inputs and None; DatasetError if one fails or sizes differ."""
        id_list = list(ids)
        images = []
        for _image_id, image in self.iter_inputs(id_list):
            if isinstance(image, DatasetError):
                raise image
            images.append(image)
        hazy, _ = stack_pairs([(image, image) for image in images], id_list)
        return hazy, None  # type: ignore[return-value]

    def iter_inputs(self, ids: Sequence[str]) -> Iterator[tuple[str, np.ndarray | DatasetError]]:
        """(id, RGB uint8 image or the error that stopped it) for each id, in data-set order."""
        raise NotImplementedError

    _order: list[str]
    _groups: dict[str, str]


class ImageFolderDataset(UnpairedDataset):
    """A flat folder of images, or a folder whose only image folder is hazy/ (input/, smoky/)."""

    kind = "unpaired-folder"

    def __init__(
        self, root: str | Path, name: str | None = None, reference_frame: str | None = None
    ) -> None:
        self.root = Path(root).expanduser().absolute()
        self.name = name or self.root.name
        inputs = find_dir(self.root, HAZY_DIRS)
        self.images_dir = inputs if inputs is not None else self.root
        files = image_files(self.images_dir)
        if not files:
            exts = "/".join(sorted(e.lstrip(".") for e in IMAGE_EXTS))
            raise DatasetError(
                f"no images ({exts}) in {self.images_dir}: give a folder of images, a folder "
                "with hazy/ (and clear/ for ground truth), or a video file"
            )
        self._files = {f.relative_to(self.images_dir).with_suffix("").as_posix(): f for f in files}
        self._order = sorted(self._files, key=natural_key)
        self._groups = {i: i for i in self._order}
        self._fingerprint: str | None = None
        by_name = {f.relative_to(self.images_dir).as_posix(): i for i, f in self._files.items()}
        self._read_split_file(self.root, lambda e: [e] if e in self._files else _one(by_name, e))
        self.reference_frame = parse_reference(reference_frame, video=False)
        if self.reference_frame is not None and self.reference_frame not in self._files:
            raise DatasetError(
                f"--reference-frame {self.reference_frame}: no image with that id in "
                f"{self.images_dir} (ids are file names without extension, e.g. {self._order[0]})"
            )

    @property
    def fingerprint(self) -> str:
        """sha256 of the loader version, every image's name and bytes, and the split file."""
        if self._fingerprint is None:
            digest = hashlib.sha256(LOADER_VERSION.encode())
            for image_id in self._order:
                digest.update(f"\0{image_id}\0".encode())
                _hash_file(digest, self._files[image_id])
            self._hash_split_file(digest)
            self._hash_reference(digest)
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def iter_inputs(self, ids: Sequence[str]) -> Iterator[tuple[str, np.ndarray | DatasetError]]:
        for image_id in ids:
            path = self._files.get(image_id)
            if path is None:
                yield image_id, DatasetError(f"unknown image id {image_id!r} in {self.name}")
                continue
            try:
                yield image_id, read_image(path, str(path))[0]
            except DatasetError as exc:
                yield image_id, exc

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "paired": False,
            "root": str(self.root),
            "images": str(self.images_dir),
            "splits": self.split_sizes(),
            "split_source": self.split_source,
            "notes": list(self._notes),
            **(
                {"reference_frame": self.reference_frame}
                if self.reference_frame is not None
                else {}
            ),
        }


class VideoDataset(UnpairedDataset):
    """Frames of one video, or of every video in a folder (ids like clip_000123), decoded lazily."""

    kind = "video"
    split_source = "no ground truth: every frame is a test image"

    def __init__(
        self,
        root: str | Path,
        name: str | None = None,
        stride: int = 1,
        max_frames: int | None = None,
        reference_frame: str | int | None = None,
    ) -> None:
        self.root = Path(root).expanduser().absolute()
        if stride < 1 or (max_frames is not None and max_frames < 1):
            raise DatasetError("--stride and --max-frames must be at least 1")
        self.stride, self.max_frames = stride, max_frames
        self.name = name or (self.root.stem if self.root.is_file() else self.root.name)
        if self.root.is_file():
            videos = [self.root]
        else:
            videos = sorted(
                (p for p in self.root.iterdir() if p.is_file() and is_video(p)),
                key=lambda p: natural_key(p.name),
            )
        if not videos:
            raise DatasetError(f"no video files in {self.root}")
        self.videos = videos
        self.problems: dict[str, str] = {}
        self._frames: dict[str, tuple[Path, int]] = {}
        self._lengths: dict[Path, int] = {}  # frames per video, as its container says (0: ?)
        self._order, self._groups = [], {}
        for video in videos:
            self._index(video)
        if not self._order:
            raise DatasetError(
                f"no readable frame in {self.root}: {'; '.join(self.problems.values())}"
            )
        self._fingerprint: str | None = None
        self.left_out: list[str] = []
        if self.root.is_dir():
            self._read_split_file(self.root, self._entry_ids)
            self._note_left_out_images()
        self.reference_frame = parse_reference(reference_frame, video=True)
        short = [v.name for v, n in self._lengths.items() if n and n <= (self.reference_frame or 0)]
        if self.reference_frame is not None and short:
            raise DatasetError(
                f"--reference-frame {self.reference_frame}: {examples(short)} "
                f"{'has' if len(short) == 1 else 'have'} fewer frames (it is a frame index into "
                "each video, counted from 0)"
            )

    def _note_left_out_images(self) -> None:
        """Images beside the videos are not scored: name them, and why, in the notes."""
        self.left_out = [p.relative_to(self.root).as_posix() for p in image_files(self.root)]
        if self.left_out:
            self._notes = (
                *self._notes,
                f"{len(self.left_out)} image file(s) left out (e.g. {self.left_out[0]}): "
                f"{LEFT_OUT_WHY}",
            )

    def check(self) -> list[str]:
        """Problems `data info --check` reports: unreadable videos and images left out."""
        out = [f"{name}: {why}" for name, why in self.problems.items()]
        out += [f"{name}: left out ({LEFT_OUT_WHY})" for name in self.left_out]
        return out

    def _entry_ids(self, entry: str) -> list[str] | None:
        """A split-file entry's ids: a frame id, or a video's name (with or without extension)."""
        if entry in self._frames:
            return [entry]
        for video in self.videos:
            if entry in (video.name, video.stem):
                return [] if video.name in self.problems else self._by_video(video)
        return None

    def _by_video(self, video: Path) -> list[str]:
        """The frame ids read from one video, in order."""
        return [i for i in self._order if self._frames[i][0] == video]

    def _index(self, video: Path) -> None:
        """Probe `video` and list its frame ids (frame count from the container, else a scan)."""
        try:
            info = probe_video(video)
        except DatasetError as exc:
            if len(self.videos) == 1:
                raise
            self.problems[video.name] = str(exc)
            return
        self._lengths[video] = info.frames
        if info.frames > 0:
            indices = list(range(0, info.frames, self.stride))
            if self.max_frames is not None:
                indices = indices[: self.max_frames]
        else:  # the container does not say: count by grabbing (cheap, nothing decoded)
            indices = [i for i, _ in iter_frames(video, self.stride, self.max_frames)]
        for index in indices:
            image_id = f"{video.stem}_{index:06d}"
            self._frames[image_id] = (video, index)
            self._order.append(image_id)
            self._groups[image_id] = video.stem

    @property
    def fingerprint(self) -> str:
        """sha256 of loader version, stride, max-frames, each video's name and bytes, split file."""
        if self._fingerprint is None:
            digest = hashlib.sha256(f"{LOADER_VERSION}\0{self.stride}\0{self.max_frames}".encode())
            for video in self.videos:
                digest.update(f"\0{video.name}\0".encode())
                _hash_file(digest, video)
            self._hash_split_file(digest)
            self._hash_reference(digest)
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def frame_of(self, image_id: str) -> tuple[Path, int]:
        """(video file, frame index) of a frame id."""
        return self._frames[image_id]

    def iter_inputs(self, ids: Sequence[str]) -> Iterator[tuple[str, np.ndarray | DatasetError]]:
        """Decode each video once, in order, yielding the wanted frames (wrong sizes are errors)."""
        wanted: dict[Path, dict[int, str]] = {}
        for image_id in ids:
            if image_id not in self._frames:
                yield image_id, DatasetError(f"unknown frame id {image_id!r} in {self.name}")
                continue
            video, index = self._frames[image_id]
            wanted.setdefault(video, {})[index] = image_id
        for video in self.videos:
            todo = wanted.get(video)
            if todo:
                yield from self._decode(video, todo)

    def _decode(self, video: Path, todo: dict[int, str]) -> Iterator[tuple[str, Any]]:
        last = max(todo)
        size: tuple[int, ...] | None = None
        try:
            for index, frame in iter_frames(video, self.stride, last // self.stride + 1):
                image_id = todo.pop(index, None)
                if image_id is None:
                    continue
                if size is None:
                    size = frame.shape
                if frame.shape != size:
                    yield (
                        image_id,
                        DatasetError(
                            f"{video.name} frame {index} is {frame.shape[1]}x{frame.shape[0]}, the "
                            f"video's first frame {size[1]}x{size[0]}: frame skipped"
                        ),
                    )
                    continue
                yield image_id, frame
        except DatasetError as exc:
            for image_id in list(todo.values()):
                yield image_id, exc
            return
        for index, image_id in sorted(todo.items()):
            yield (
                image_id,
                DatasetError(
                    f"{video.name} frame {index} does not decode (truncated or corrupt video)"
                ),
            )

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "paired": False,
            "root": str(self.root),
            "videos": [v.name for v in self.videos],
            "stride": self.stride,
            "max_frames": self.max_frames,
            "splits": self.split_sizes(),
            "unreadable": self.problems,
            "left_out": {"images": self.left_out, "why": LEFT_OUT_WHY} if self.left_out else {},
            "split_source": self.split_source,
            "notes": list(self._notes),
            **(
                {"reference_frame": self.reference_frame}
                if self.reference_frame is not None
                else {}
            ),
        }


def parse_reference(text: object, video: bool) -> str | int | None:
    """REF as the data set takes it: an int index for video, an image id otherwise."""
    if text is None or str(text).strip() == "":
        return None
    if not video:
        return str(text).strip()
    try:
        index = int(str(text).strip())
    except ValueError:
        index = -1
    if index < 0:
        raise DatasetError(
            f"--reference-frame {text}: on video it is a frame index into each video (0, 1, ...)"
        )
    return index


def _one(by_name: dict[str, str], entry: str) -> list[str] | None:
    """[the id of a file name] or None."""
    image_id = by_name.get(entry)
    return None if image_id is None else [image_id]
