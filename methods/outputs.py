"""Published outputs as a method: images or videos produced elsewhere, read from a folder.

`outputs:path=DIR` (optionally `,name=LABEL`, `,map=FILE`) scores outputs that cannot be run
here (a paper's released results, a method run on another machine) under the suite's protocol.
Each input id is matched to a file of DIR: by a mapping file (lines `INPUT OUTPUT`), by name
(`img_3.png` for `img_3`), or by name with the prefix/suffix that every output shares stripped
(`cyclegan_2.avi` for `input_2.avi`); a video frame id `STEM_NNNNNN` takes frame NNNNNN of the
video matched to STEM (frame k to frame k, decoded with OpenCV). A missing or wrongly sized
output is an error for that image, never another image's output; `audit` names them up front.
The folder's fingerprint (names and bytes) stands where a network's weights would, so a
changed folder is a different method in a run's identity and manifest.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np
import torch

from .core.base import Method
from .core.errors import MethodError
from .core.params import Param
from .core.registry import register_method
from .core.weights import WeightsInfo

IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
VIDEO_EXTS = frozenset({".avi", ".mp4", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg", ".wmv", ".webm"})
#: a video frame's id: the video's stem and the frame index (as the suite's video data names it)
FRAME_ID = re.compile(r"^(?P<stem>.+)_(?P<frame>\d{6})$")
SEPARATORS = "_-. "
#: fingerprint format version (bump when matching changes what a folder means)
FORMAT = "outputs-1"


@dataclass(frozen=True)
class Match:
    """The output file of one input id, and the frame of it (None: an image file)."""

    path: Path
    frame: int | None


def _common_affix(stems: Sequence[str], suffix: bool) -> str:
    """The prefix (or suffix) every stem shares, cut back to end (start) at a separator."""
    if len(stems) < 2:
        return ""
    texts = [s[::-1] for s in stems] if suffix else list(stems)
    common = texts[0]
    for text in texts[1:]:
        while not text.startswith(common):
            common = common[:-1]
    cut = max(common.rfind(sep) for sep in SEPARATORS)
    common = common[: cut + 1] if cut >= 0 else ""
    if any(len(t) <= len(common) for t in texts):  # a whole name is not an affix
        return ""
    return common[::-1] if suffix else common


def _key(stem: str, prefix: str, suffix: str) -> str:
    """A stem with the folder's common prefix and suffix removed."""
    return stem[len(prefix) : len(stem) - len(suffix)]


def read_mapping(path: Path) -> dict[str, str]:
    """A mapping file: `INPUT OUTPUT` per line (whitespace, comma or tab); '#' starts a comment."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        parts = [p for p in re.split(r"[,\t ]+", text) if p]
        if len(parts) != 2:
            raise MethodError(
                f"{path} line {number}: expected 'INPUT OUTPUT' (an input id or file name and "
                f"an output file name), got {line.strip()!r}"
            )
        mapping[Path(parts[0]).stem if Path(parts[0]).suffix else parts[0]] = parts[1]
    return mapping


class _VideoReader:
    """Frames of one output video read forward; going back re-opens it (outputs come in order)."""

    def __init__(self, path: Path) -> None:
        self.path, self.capture, self.next = path, None, 0

    def frame(self, index: int) -> np.ndarray:
        if self.capture is None or index < self.next:
            self.close()
            self.capture, self.next = cv2.VideoCapture(str(self.path)), 0
            if not self.capture.isOpened():
                raise MethodError(f"cannot read the output video {self.path} (OpenCV opens none)")
        while self.next < index:
            if not self.capture.grab():
                break
            self.next += 1
        ok, frame = self.capture.read() if self.next == index else (False, None)
        if not ok or frame is None:
            self.close()
            raise MethodError(f"{self.path.name} has no frame {index}: the output is missing")
        self.next += 1
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        if self.capture is not None:
            self.capture.release()
        self.capture = None


def _read_image(path: Path) -> np.ndarray:
    """An output image as RGB uint8 (grey expanded, alpha dropped)."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise MethodError(f"cannot read the output image {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def video_size(path: Path) -> tuple[int, int, int]:
    """(frames, height, width) of an output video: frames counted by grabbing (no decoding)."""
    capture = cv2.VideoCapture(str(path))
    try:
        ok, first = capture.read()
        if not ok or first is None:
            return 0, 0, 0
        frames = 1
        while capture.grab():
            frames += 1
        return frames, int(first.shape[0]), int(first.shape[1])
    finally:
        capture.release()


@register_method
class PublishedOutputs(Method):
    """Outputs produced elsewhere, matched to the inputs by name and scored as they are."""

    name = "outputs"
    display_name = "Published outputs"
    kind = "outputs"
    citation = "outputs produced elsewhere (a folder), scored under this suite's protocol"
    needs_ids = True
    measured = False
    in_all = False
    params: ClassVar[dict[str, Param]] = {
        "path": Param("", str, help="the folder of outputs"),
        "name": Param("", str, help="the label in tables (default: the folder's name)"),
        "map": Param("", str, help="a mapping file of 'INPUT OUTPUT' lines"),
    }

    def __init__(self, device: str | torch.device = "cpu", **values: object) -> None:
        super().__init__(device, **values)
        self.folder = Path(str(self.values["path"])).expanduser() if self.values["path"] else None
        self.files: dict[str, Path] = {}
        self.mapping: dict[str, str] = {}
        self._fingerprint = ""
        self._readers: dict[Path, _VideoReader] = {}
        self.prefix = self.suffix = ""
        self.keys: dict[str, list[Path]] = {}
        self.by_stem: dict[str, Path] = {}
        if self.folder is None:
            return
        if not self.folder.is_dir():
            raise MethodError(f"outputs:path={self.values['path']}: no such folder")
        map_file = Path(str(self.values["map"])).expanduser() if self.values["map"] else None
        if map_file is not None:
            if not map_file.is_file():
                raise MethodError(f"outputs:map={self.values['map']}: no such file")
            self.mapping = read_mapping(map_file)
        found = sorted(
            p
            for p in self.folder.iterdir()
            if p.is_file() and p.suffix.lower() in IMAGE_EXTS | VIDEO_EXTS
        )
        if not found:
            raise MethodError(f"outputs:path={self.folder}: the folder holds no images or videos")
        self.files = {p.name: p for p in found}
        stems = [p.stem for p in found]
        self.prefix = _common_affix(stems, suffix=False)
        self.suffix = _common_affix(stems, suffix=True)
        for path in found:
            self.keys.setdefault(_key(path.stem, self.prefix, self.suffix), []).append(path)
        self.by_stem = {p.stem: p for p in found}
        self._fingerprint = self._hash(found, map_file)
        self.display_name = str(self.values["name"]) or self.folder.resolve().name  # type: ignore[misc]

    def _hash(self, files: Sequence[Path], map_file: Path | None) -> str:
        """sha256 of the format version, every output's name and bytes, and the mapping file."""
        digest = hashlib.sha256(FORMAT.encode())
        for path in [*files, *([map_file] if map_file else [])]:
            digest.update(f"\0{path.name}\0".encode())
            with open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        return digest.hexdigest()

    @property
    def weights(self) -> WeightsInfo | None:
        """The folder's fingerprint in place of weights: a changed folder is another method."""
        if self.folder is None:
            return None
        return WeightsInfo(str(self.folder.resolve()), self._fingerprint, "outputs")

    @property
    def is_ready(self) -> bool:
        return self.folder is not None

    def not_ready_reason(self) -> str:
        return "" if self.is_ready else "no folder given: use outputs:path=DIR"

    # --- matching ------------------------------------------------------------------------
    def _by_name(self, name: str) -> Path | None:
        """The output for an input name: mapped, same stem, or same key with affixes stripped."""
        if name in self.mapping:
            target = self.mapping[name]
            path = self.files.get(target) or self.by_stem.get(target)
            if path is None:
                raise MethodError(f"the mapping names {target} for {name}, which is not in DIR")
            return path
        if self.mapping:
            return None  # a mapping file is the whole matching
        if name in self.by_stem:
            return self.by_stem[name]
        found = {
            p
            for key, paths in self.keys.items()
            if key
            and (
                name == key
                or any(name.endswith(s + key) or name.startswith(key + s) for s in SEPARATORS)
            )
            for p in paths
        }
        if len(found) > 1:
            names = ", ".join(sorted(p.name for p in found))
            raise MethodError(f"{name} matches several outputs ({names}): give a mapping file")
        return next(iter(found), None)

    def match(self, image_id: str) -> Match | None:
        """The output file (and frame) for one input id; None when the folder has none."""
        frame_id = FRAME_ID.match(image_id)
        if frame_id is not None:
            path = self._by_name(frame_id["stem"])
            if path is not None and path.suffix.lower() in VIDEO_EXTS:
                return Match(path, int(frame_id["frame"]))
        path = self._by_name(image_id)
        if path is not None and path.suffix.lower() in IMAGE_EXTS:
            return Match(path, None)
        return None

    def _output(self, image_id: str) -> np.ndarray:
        found = self.match(image_id)
        if found is None:
            raise MethodError(f"no output for {image_id} in {self.folder}: not scored")
        if found.frame is None:
            return _read_image(found.path)
        reader = self._readers.setdefault(found.path, _VideoReader(found.path))
        return reader.frame(found.frame)

    def _enhance_ids(self, x: torch.Tensor, ids: list[str]) -> torch.Tensor:
        images = []
        for image_id, hazy in zip(ids, x, strict=True):
            image = self._output(image_id)
            if image.shape[:2] != tuple(hazy.shape[1:]):
                raise MethodError(
                    f"the output for {image_id} is {image.shape[1]}x{image.shape[0]}, the input "
                    f"{hazy.shape[2]}x{hazy.shape[1]}: not scored (outputs must keep the size)"
                )
            images.append(torch.from_numpy(np.ascontiguousarray(image)))
        out = torch.stack(images).permute(0, 3, 1, 2).to(self.device, torch.float32) / 255.0
        return out

    def audit(self, ids: Sequence[str], sizes: Sequence[tuple[int, int] | None]) -> list[str]:
        """One line per problem with these inputs' outputs: missing, wrongly sized, extra."""
        problems: list[str] = []
        used: set[Path] = set()
        missing: list[str] = []
        videos: dict[Path, tuple[int, int, int]] = {}
        for image_id, size in zip(ids, sizes, strict=True):
            try:
                found = self.match(image_id)
            except MethodError as exc:
                problems.append(str(exc))
                continue
            if found is None:
                missing.append(image_id)
                continue
            used.add(found.path)
            if found.frame is None:
                image = cv2.imread(str(found.path), cv2.IMREAD_UNCHANGED)
                shape = None if image is None else (int(image.shape[0]), int(image.shape[1]))
                if shape is None:
                    problems.append(f"{found.path.name} does not decode (for {image_id})")
                elif size is not None and shape != tuple(size):
                    problems.append(
                        f"{found.path.name} is {shape[1]}x{shape[0]}, its input {image_id} "
                        f"{size[1]}x{size[0]}: not scored"
                    )
                continue
            if found.path not in videos:
                videos[found.path] = video_size(found.path)
            frames, height, width = videos[found.path]
            if found.frame >= frames:
                missing.append(image_id)
            elif size is not None and (height, width) != tuple(size):
                problems.append(
                    f"{found.path.name} is {width}x{height}, its input {image_id} "
                    f"{size[1]}x{size[0]}: not scored"
                )
        if missing:
            shown = ", ".join(missing[:3]) + (
                f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            )
            problems.insert(0, f"no output for {len(missing)} input(s): {shown}")
        extra = sorted(set(self.files.values()) - used)
        if extra:
            shown = ", ".join(p.name for p in extra[:3]) + (
                f" and {len(extra) - 3} more" if len(extra) > 3 else ""
            )
            problems.append(f"{len(extra)} output file(s) match no input: {shown} (left out)")
        return problems
