"""Score these images of this method: the quality pass shared by the serial run and Dask tasks.

The scorer yields result rows batch by batch (plus the enhanced sample images, as arrays, so
that only the caller - the driver - writes into the run folder) and ends with the method's
status over these images: done, failed, or skipped after too many consecutive failures.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from methods import Method

from ..data import Split, reference_tensors
from ..environment import device_name
from ..errors import failure_text
from ..images import quantize_8bit, to_uint8
from ..metrics import Metric, default_metrics
from ..metrics.flicker import FrameChanges
from ..metrics.frame_structure import FramePairs
from ..metrics.scoring import score_batch


@dataclass
class ScoredBatch:
    """Rows of one batch and the enhanced sample images among them (image id -> HxWx3 uint8)."""

    rows: list[dict]
    samples: dict[str, np.ndarray] = field(default_factory=dict)


class ImageScorer:
    """Scores `indices` of `split` with `method`; `status`/`reason` are final after `batches()`."""

    def __init__(
        self,
        method: Method,
        split: Split,
        indices: Sequence[int],
        device: torch.device,
        batch_size: int,
        max_consecutive_failures: int,
        sample_ids: Sequence[str] = (),
    ) -> None:
        self.method = method
        self.split = split
        self.todo = set(indices)
        self.device = device
        self.device_label = device_name(device)
        self.batch_size = batch_size
        self.limit = max_consecutive_failures
        self.sample_ids = set(sample_ids)
        self.status, self.reason = "done", ""
        self.errors = 0
        self.metrics: list[Metric] = default_metrics()
        self.frames: FrameChanges | None = None
        self.pairs: FramePairs | None = None

    def use(self, metric_set: Sequence[Metric], frames: FrameChanges | None = None) -> None:
        """Score these metrics; on video, also track frame-to-frame changes (flicker) and the
        frame-pair metrics (structure across frames), each against the previous frame."""
        self.metrics, self.frames = list(metric_set), frames
        paired_frames = [m for m in self.metrics if m.kind == "frame-pair"]
        self.pairs = FramePairs(paired_frames) if frames is not None and paired_frames else None

    def batches(self) -> Iterator[ScoredBatch]:
        """Load errors first, then every batch; stops early once the failure limit is hit."""
        consecutive, last_error = 0, ""
        for scored in self._units():
            for k, row in enumerate(scored.rows):
                if row["status"] == "ok":
                    consecutive = 0
                    continue
                self.errors, consecutive, last_error = (
                    self.errors + 1,
                    consecutive + 1,
                    row["error"],
                )
                if consecutive >= self.limit:  # rows after the limit are not kept: retried later
                    self.status = "skipped"
                    self.reason = f"skipped after {self.limit} consecutive failures: {last_error}"
                    yield ScoredBatch(scored.rows[: k + 1], scored.samples)
                    return
            yield scored
        if self.errors:
            self.status, self.reason = "failed", f"{self.errors} image(s) failed, e.g. {last_error}"

    def _units(self) -> Iterator[ScoredBatch]:
        """Each scored batch of the images to do, lazily."""
        for batch in self.split.batches(self.batch_size):
            batch = [i for i in batch if i in self.todo]
            if batch:
                yield self._score_batch(batch)

    def _score_batch(self, batch: list[int]) -> ScoredBatch:
        try:
            return self.evaluate(batch)
        except Exception as exc:
            if len(batch) == 1:
                return ScoredBatch([self.row(batch[0], "error", failure_text(exc))])
            out = ScoredBatch([])
            for index in batch:  # isolate the failing image(s)
                try:
                    one = self.evaluate([index])
                except Exception as exc:
                    one = ScoredBatch([self.row(index, "error", failure_text(exc))])
                out.rows.extend(one.rows)
                out.samples.update(one.samples)
            return out

    def evaluate(self, batch: list[int]) -> ScoredBatch:
        """Enhance one batch, quantise to 8 bits, and compute the run's metrics per image."""
        hazy, clear = self.split.tensors(batch, self.device)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        start = time.perf_counter()
        if self.method.needs_ids:  # e.g. published outputs, looked up by image id
            out = self.method.enhance(hazy, ids=[self.split.ids[i] for i in batch])
        else:
            out = self.method.enhance(hazy)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        seconds = (time.perf_counter() - start) / len(batch)
        out = quantize_8bit(out)  # what is saved and seen: 8-bit
        reference, own = None, None
        if any(m.kind == "aligned" for m in self.metrics):  # the --reference-frame of each image
            size = (int(hazy.shape[2]), int(hazy.shape[3]))
            reference, own = reference_tensors(self.split, batch, self.device, size)
        scores = score_batch(self.metrics, out, hazy, clear, reference)
        for metric in self.metrics:
            if own is not None and metric.kind == "aligned":
                scores[metric.name][own] = np.nan  # the reference frame is not its own score
        if self.frames is not None:
            groups = [self.split.groups[i] for i in batch]
            scores.update(self.frames.update(batch, groups, out, hazy))
            if self.pairs is not None:
                scores.update(self.pairs.update(batch, groups, out))
        result = ScoredBatch([])
        for k, index in enumerate(batch):
            image_id = self.split.ids[index]
            if image_id in self.sample_ids:
                result.samples[image_id] = to_uint8(out[k])
            values = {name: float(v[k]) for name, v in scores.items()}
            result.rows.append(self.row(index, "ok", "", seconds=seconds, **values))
        return result

    def row(self, index: int, status: str, error: str = "", **values: float) -> dict:
        """One per_image.csv row of this method for image `index`."""
        return {
            "spec": self.method.spec,
            "method": self.method.name,
            "image_id": self.split.ids[index],
            "group": self.split.groups[index],
            "status": status,
            "error": error,
            "device": self.device_label,
            **values,
        }
