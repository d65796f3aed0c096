"""The driver's side of a distributed run: profile, then score chunks on Dask, write every row.

Profiling comes first, one method at a time on one worker of each device class, so latency is
never measured while anything else runs on the cluster. Scoring is one task per (method, batch of
images); rows and sample images come back to the driver, which appends them as futures complete
(the run folder's only writer), so resume, dedup and the lock work exactly as in a serial run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from ..data import Split
from ..errors import failure_text
from ..images import save_png
from .config import RunConfig
from .distributed import DaskCluster
from .plan import PlannedMethod
from .rows import method_row
from .store import CsvAppender, RunStore
from .tasks import ChunkResult, MethodRef, profile_task, score_task


@dataclass
class MethodProgress:
    """One method's scoring on the cluster: its profile, open chunks and failures so far."""

    planned: PlannedMethod
    profile: dict[str, Any]
    profile_error: str
    open: int = 0
    errors: int = 0
    last_error: str = ""
    skipped: str = ""
    futures: list[Any] = field(default_factory=list)
    cancelled: set[Any] = field(default_factory=set)


class DistributedScoring:
    """Profiles and scores the pending methods of a run on a Dask cluster."""

    def __init__(
        self,
        cluster: DaskCluster,
        config: RunConfig,
        store: RunStore,
        split: Split,
        samples: Sequence[str],
        log: Callable[[str], None],
    ) -> None:
        self.cluster = cluster
        self.config = config
        self.store = store
        self.split = split
        self.samples = list(samples)
        self.log = log
        self.other_profiles: dict[str, dict[str, Any]] = {}

    def run(self, pending: Sequence[PlannedMethod], rows: CsvAppender, table: CsvAppender) -> None:
        """Profile every pending method, then score the ready ones; rows as futures complete."""
        progress = [self._profile(planned, table) for planned in pending]
        ready = [p for p in progress if p is not None]
        futures = {}
        for item in ready:
            for chunk in self._chunks(item.planned):
                future = self.cluster.client.submit(
                    score_task,
                    self.cluster.context,
                    method_ref(item.planned, self.config),
                    chunk,
                    [i for i in chunk if i in self.samples],
                    pure=False,
                )
                futures[future] = (item, chunk)
                item.futures.append(future)
                item.open += 1
        for item in ready:
            if not item.open:  # nothing left to score (a resumed run)
                self._finish(item, table)
        if futures:
            self._collect(futures, rows, table)

    def _profile(self, planned: PlannedMethod, table: CsvAppender) -> MethodProgress | None:
        """Profile on one worker per device class, one after another; the primary class's row."""
        method = planned.method
        height, width = self.split.common_size()
        results = {}
        for device_label, workers in self.cluster.device_classes().items():
            future = self.cluster.client.submit(
                profile_task,
                self.cluster.context,
                method_ref(planned, self.config),
                height,
                width,
                self.config.latency_budget_s,
                workers=workers[:1],
                allow_other_workers=True,  # that worker may die: never wait for it forever
                pure=False,
            )
            try:
                results[device_label] = future.result()
            except Exception as exc:  # e.g. the worker died: score anyway, like a serial run
                results[device_label] = {
                    "device_name": device_label,
                    "error": f"profiling failed: {failure_text(exc)}",
                    "params": method.num_params,
                    "file_size_bytes": method.file_size_bytes,
                }
        primary, *others = results
        if others:
            self.other_profiles[method.spec] = {label: results[label] for label in others}
        profile = dict(results[primary])
        error = str(profile.pop("error", ""))
        device_label = str(profile.pop("device_name"))
        if error:
            self.log(f"{method.spec}: {error}")
        if not method.is_ready:
            reason = method.not_ready_reason()
            table.write([method_row(method, "not scored", reason, device_label, **profile)])
            self.log(f"{method.spec}: profiled; not scored ({reason})")
            return None
        table.write([method_row(method, "profiled", error, device_label, **profile)])
        return MethodProgress(planned, profile | {"device_name": device_label}, error)

    def _chunks(self, planned: PlannedMethod) -> list[list[str]]:
        """The images still to score, in the serial run's batches (so batches, and scores, match)."""
        done = self.store.done_images(planned.method.spec)
        ids = self.split.ids
        chunks = []  # pairs that failed to load are the data report's, not a method's
        for batch in self.split.batches(self.config.batch_size):
            chunk = [ids[i] for i in batch if ids[i] not in done]
            if chunk:
                chunks.append(chunk)
        return chunks

    def _collect(self, futures: dict, rows: CsvAppender, table: CsvAppender) -> None:
        """Write each chunk's rows as it completes; a progress bar over all tasks."""
        from distributed import as_completed

        groups = dict(zip(self.split.ids, self.split.groups, strict=True))
        bar = tqdm(
            total=len(futures),
            desc="tasks",
            unit="task",
            disable=not self.config.progress,
            file=sys.stderr,
        )
        for future in as_completed(list(futures)):
            item, chunk = futures[future]
            if future in item.cancelled:
                continue
            result = self._result(future, item, chunk)
            for row in result.rows:
                row.setdefault("group", groups.get(row["image_id"], ""))
            self._save_samples(item.planned.method.spec, result.samples)
            rows.write(result.rows)
            bar.update(1)
            item.open -= 1
            item.errors += sum(row["status"] != "ok" for row in result.rows)
            if result.status != "done":
                item.last_error = next(
                    (r["error"] for r in reversed(result.rows) if r["status"] != "ok"), ""
                )
            if result.status == "skipped" and not item.skipped:
                item.skipped = result.reason
                open_futures = [f for f in item.futures if not f.done()]
                item.cancelled.update(open_futures)  # their results, if any come, are dropped
                self.cluster.client.cancel(open_futures)
                bar.update(len(open_futures))
                item.open -= len(open_futures)
            if item.open == 0:
                self._finish(item, table)
        bar.close()

    def _result(self, future: Any, item: MethodProgress, chunk: list[str]) -> ChunkResult:
        """The chunk's result; a task Dask gave up on (workers kept dying) is error rows."""
        try:
            return future.result()
        except Exception as exc:
            text = f"task failed on the cluster: {failure_text(exc)}"
            method = item.planned.method
            rows = [
                {"spec": method.spec, "method": method.name, "image_id": image_id}
                | {"status": "error", "error": text}
                for image_id in chunk
            ]
            return ChunkResult(rows, status="failed", reason=text)

    def _finish(self, item: MethodProgress, table: CsvAppender) -> None:
        """The method's final methods.csv row, once all its chunks are in."""
        method = item.planned.method
        profile = dict(item.profile)
        device_label = str(profile.pop("device_name"))
        if item.skipped:
            status, reason = "skipped", item.skipped
        elif item.errors:
            status, reason = "failed", f"{item.errors} image(s) failed, e.g. {item.last_error}"
        elif item.profile_error:
            status, reason = "failed", item.profile_error
        else:
            status, reason = "done", ""
        table.write([method_row(method, status, reason, device_label, **profile)])

    def _save_samples(self, spec: str, images: dict[str, np.ndarray]) -> None:
        for image_id, image in images.items():
            save_png(image, self.store.sample_path(spec, image_id))


def method_ref(planned: PlannedMethod, config: RunConfig) -> MethodRef:
    """What a worker needs to build the same method: spec text, weights path, its module."""
    method = planned.method
    weights = config.weights.get(method.spec, config.weights.get(method.name))
    path = str(Path(weights).expanduser().resolve()) if weights else None
    return MethodRef(method.spec, path, type(method).__module__)
