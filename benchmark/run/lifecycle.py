"""One method lifecycle for every scheduler: profiling order, statuses, error rows, the metric set.

Every pending method is profiled first, one at a time on one worker of each device class, so
latency is never measured while anything else runs; then the ready ones are scored, the
scheduler handing results back as they complete. The driver writes every row (the run
folder's only writer), so resume, dedup and the lock work the same on every scheduler.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from ..data import Split
from ..images import save_png
from .plan import PlannedMethod
from .rows import method_row
from .scheduler import MethodWork, Scheduler
from .store import CsvAppender, RunStore
from .tasks import ChunkResult


@dataclass
class MethodProgress:
    """One method's scoring so far: its profile, failures and whether it was skipped."""

    planned: PlannedMethod
    profile: dict[str, Any]
    device_label: str
    profile_error: str
    errors: int = 0
    last_error: str = ""
    skipped: str = ""
    finished: bool = False

    def status(self) -> tuple[str, str]:
        """The method's final status and reason (methods.csv)."""
        if self.skipped:
            return "skipped", self.skipped
        if self.errors:
            return "failed", f"{self.errors} image(s) failed, e.g. {self.last_error}"
        if self.profile_error:
            return "failed", self.profile_error
        return "done", ""


class MethodLifecycle:
    """Profiles and scores the pending methods of a run on one scheduler, writing every row."""

    def __init__(
        self,
        scheduler: Scheduler,
        store: RunStore,
        split: Split,
        samples: Sequence[str],
        batch_size: int,
        log: Callable[[str], None],
        progress: bool = True,
    ) -> None:
        self.scheduler = scheduler
        self.store = store
        self.split = split
        self.samples = list(samples)
        self.batch_size = batch_size
        self.log = log
        self.progress = progress
        #: profiles on the cluster's other device classes (the manifest records them)
        self.other_profiles: dict[str, dict[str, Any]] = {}

    def run(self, pending: Sequence[PlannedMethod], rows: CsvAppender, table: CsvAppender) -> None:
        """Profile every pending method, then score the ready ones; rows as results come in."""
        ready = [p for p in (self._profile(planned, table) for planned in pending) if p]
        work = []
        for item in ready:
            chunks = self._chunks(item.planned)
            self._estimate(item, sum(map(len, chunks)))
            if chunks:
                work.append(MethodWork(item.planned, chunks, self.samples))
            else:  # nothing left to score (a resumed run)
                self._finish(item, table)
        if work:
            self._collect(work, {item.planned.method.spec: item for item in ready}, rows, table)

    def _profile(self, planned: PlannedMethod, table: CsvAppender) -> MethodProgress | None:
        """Profile on every device class; the primary class's row; None if it cannot be scored."""
        method = planned.method
        results = self.scheduler.profile(planned, *self.split.common_size())
        primary, *others = results
        if others:
            self.other_profiles[method.spec] = {label: results[label] for label in others}
        profile = dict(results[primary])
        error = str(profile.pop("error", ""))
        if error:
            self.log(f"{method.spec}: {error}")
        if not method.is_ready:
            reason = method.not_ready_reason()
            table.write([method_row(method, "not scored", reason, primary, **profile)])
            self.log(f"{method.spec}: profiled; not scored ({reason})")
            return None
        table.write([method_row(method, "profiled", error, primary, **profile)])
        return MethodProgress(planned, profile, primary, error)

    def _chunks(self, planned: PlannedMethod) -> list[list[str]]:
        """The images still to score in the run's batches (so batches, and scores, match)."""
        done = self.store.done_images(planned.method.spec)
        ids = self.split.ids
        chunks = []  # pairs that failed to load are the data report's, not a method's
        for batch in self.split.batches(self.batch_size):
            chunk = [ids[i] for i in batch if ids[i] not in done]
            if chunk:
                chunks.append(chunk)
        return chunks

    def _estimate(self, item: MethodProgress, n_images: int) -> None:
        """How long the scoring will take, from the profiled latency."""
        latency = item.profile.get("latency_median_ms")
        if latency is not None and latency == latency:
            self.log(
                f"{item.planned.method.spec}: {n_images} images to score, about "
                f"{_duration(latency / 1000 * n_images)} at {latency:.1f} ms/image (batch 1)"
            )

    def _collect(
        self,
        work: list[MethodWork],
        items: dict[str, MethodProgress],
        rows: CsvAppender,
        table: CsvAppender,
    ) -> None:
        """Write each result as it comes; a method's final row once the scheduler is done with it."""
        groups = dict(zip(self.split.ids, self.split.groups, strict=True))
        total = sum(len(chunk) for w in work for chunk in w.chunks)
        bar = tqdm(
            total=total, desc="scoring", unit="img", disable=not self.progress, file=sys.stderr
        )
        for spec, result in self.scheduler.score(work):
            item = items[spec]
            if item.finished:
                continue
            self._take(item, result, groups, rows)
            bar.update(len(result.rows))
            if result.status == "skipped" and not item.skipped:
                item.skipped = result.reason
                self.scheduler.cancel(spec)
            if result.final or item.skipped:
                self._finish(item, table)
        bar.close()

    def _take(
        self, item: MethodProgress, result: ChunkResult, groups: dict[str, str], rows: CsvAppender
    ) -> None:
        """Write a result's rows and sample images; count its failures."""
        for row in result.rows:
            row.setdefault("group", groups.get(row["image_id"], ""))
            if row["status"] != "ok":
                item.errors, item.last_error = item.errors + 1, str(row["error"])
        for image_id, image in result.samples.items():
            save_png(image, self.store.sample_path(item.planned.method.spec, image_id))
        rows.write(result.rows)

    def _finish(self, item: MethodProgress, table: CsvAppender) -> None:
        """The method's final methods.csv row."""
        item.finished = True
        status, reason = item.status()
        method = item.planned.method
        table.write([method_row(method, status, reason, item.device_label, **item.profile)])


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
