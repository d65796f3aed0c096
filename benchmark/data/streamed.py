"""Frames of a video split decoded on demand, in order: a run never holds the whole video.

A first pass decodes every frame once to learn what needs them all (which frames fail, each
frame's size, and an optional per-frame measure such as the input's dark channel) and keeps
none of them. After that, `tensors` decodes forward from where the last request stopped and
keeps only the frames of the latest request (one batch); asking for an earlier frame (the next
method's pass) re-opens the video. The interface is LoadedSplit's, so the scorer, the sample
choice, the data report and profiling take either.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence

import numpy as np
import torch

from ..errors import DatasetError
from .base import PairedDataset
from .loaded import LoadedSplit, load_split, most_common_size, size_batches, to_float
from .unpaired import UnpairedDataset, VideoDataset

#: a measure of one RGB uint8 frame, taken during the first pass (e.g. minus its dark channel)
FrameMeasure = Callable[[np.ndarray], float]
#: (position in the split, RGB uint8 frame or why it failed), in decoding order
Frames = Generator[tuple[int, np.ndarray | DatasetError], None, None]


class StreamedSplit:
    """The ids of a video split with groups and load errors; frames decoded when asked for."""

    paired = False  # video frames have no ground truth

    def __init__(
        self, dataset: UnpairedDataset, ids: Sequence[str], measure: FrameMeasure | None = None
    ) -> None:
        self.dataset = dataset
        self.ids = list(ids)
        self.groups = [dataset.group(i) for i in self.ids]
        self.errors: dict[int, str] = {}
        self.sizes: list[tuple[int, int] | None] = [None] * len(self.ids)
        #: the measure of each frame from the first pass (NaN where it failed or none was given)
        self.measured = np.full(len(self.ids), np.nan)
        self.passes = 0  # how many times decoding started (the scan is the first)
        self._where = {image_id: k for k, image_id in enumerate(self.ids)}
        self._held: dict[int, np.ndarray] = {}
        self._stream: Frames | None = None
        self._next = 0  # the stream has passed every position before this one
        self._scan(measure)

    def _scan(self, measure: FrameMeasure | None) -> None:
        """Decode each frame once: errors, sizes and the measure; no frame is kept."""
        for position, image in self._decode_from(0):
            if isinstance(image, DatasetError):
                self.errors[position] = str(image)
                continue
            self.sizes[position] = (int(image.shape[0]), int(image.shape[1]))
            if measure is not None:
                self.measured[position] = measure(image)

    def _decode_from(self, start: int) -> Frames:
        """(position, frame or its error) for the ids from `start` on, decoded in order."""
        self.passes += 1
        for image_id, image in self.dataset.iter_inputs(self.ids[start:]):
            yield self._where[image_id], image

    @property
    def held(self) -> int:
        """Frames this split holds right now (those of the latest request)."""
        return len(self._held)

    def batches(self, batch_size: int) -> list[list[int]]:
        """Consecutive indices of decodable frames with equal sizes, at most batch_size each."""
        return size_batches(self.sizes, batch_size)

    def frames(self, indices: Sequence[int]) -> list[np.ndarray]:
        """The RGB uint8 frames at `indices`, decoding forward (or from their start) as needed."""
        for index in indices:
            if index in self.errors:
                raise DatasetError(self.errors[index])
        missing = sorted({i for i in indices if i not in self._held})
        if missing:
            wanted = set(indices)
            self._held = {i: f for i, f in self._held.items() if i in wanted}
            if self._stream is None or missing[0] < self._next:
                self._restart(missing[0])
            self._decode(set(missing))
        return [self._held[i] for i in indices]

    def _restart(self, start: int) -> None:
        """Re-open the decoding at position `start` (a new pass over the video)."""
        if self._stream is not None:
            self._stream.close()
        self._stream, self._next = self._decode_from(start), start

    def _decode(self, todo: set[int]) -> None:
        """Advance the stream until every position of `todo` is held."""
        assert self._stream is not None
        for position, image in self._stream:
            self._next = position + 1
            if position not in todo:
                continue
            if isinstance(image, DatasetError):
                raise image
            self._held[position] = image
            todo.discard(position)
            if not todo:
                return
        self._stream = None
        first = self.ids[min(todo)]
        raise DatasetError(
            f"frame {first} of {self.dataset.name} decoded in the first pass but not now "
            "(the video changed or decodes unreliably): re-encode it and run again"
        )

    def tensors(
        self, indices: Sequence[int], device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Float32 (N,3,H,W) frames in [0,1] on `device`, and None (there is no ground truth)."""
        return to_float(np.stack(self.frames(indices)), device), None

    def common_size(self) -> tuple[int, int]:
        """The most frequent (H, W) among decodable frames (the profiling resolution)."""
        return most_common_size(self.sizes, "no frame of the split could be decoded")

    def close(self) -> None:
        """Release the decoder and the held frames."""
        if self._stream is not None:
            self._stream.close()
        self._stream, self._held = None, {}


#: what the run, the scorer and the sample choice accept
Split = LoadedSplit | StreamedSplit


def open_split(
    dataset: PairedDataset, ids: Sequence[str], measure: FrameMeasure | None = None
) -> Split:
    """Video frames streamed (one batch held at a time); every other data set loaded once."""
    if isinstance(dataset, VideoDataset):
        return StreamedSplit(dataset, ids, measure)
    return load_split(dataset, ids)
