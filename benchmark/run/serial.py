"""The serial scheduler: profile and score in this process, one method after another."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..environment import device_name
from ..metrics.flicker import FrameChanges
from .cost import cost_profile
from .plan import PlannedMethod
from .scheduler import MethodWork, Scheduler
from .scoring import ImageScorer
from .tasks import ChunkResult


class SerialScheduler(Scheduler):
    """Runs everything here, on the run's device, over the split the runner loaded."""

    def profile(self, planned: PlannedMethod, height: int, width: int) -> dict[str, dict]:
        config = self.context.config
        fields = cost_profile(
            planned.method, height, width, config.latency_budget_s, config.profile_sizes
        )
        return {device_name(self.context.device): fields}

    def score(self, work: Sequence[MethodWork]) -> Iterator[tuple[str, ChunkResult]]:
        """Each method's chunks through one scorer (failures counted across its batches)."""
        config, split = self.context.config, self.context.split
        assert split is not None, "the runner sets the split before scoring"
        where = {image_id: k for k, image_id in enumerate(split.ids)}
        for item in work:
            todo = [where[i] for chunk in item.chunks for i in chunk]
            scorer = ImageScorer(
                item.planned.method,
                split,
                todo,
                self.context.device,
                config.batch_size,
                config.max_consecutive_failures,
                item.samples,
            )
            scorer.use(self.context.metrics, FrameChanges() if self.context.video else None)
            for scored in scorer.batches():
                yield item.spec, ChunkResult(scored.rows, scored.samples)
            yield item.spec, ChunkResult([], status=scorer.status, reason=scorer.reason, final=True)
