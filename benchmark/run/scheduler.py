"""Where a run's work executes: the small `Scheduler` seam under the one method lifecycle.

The lifecycle (`lifecycle.py`) decides everything a run records - profiling order, status
changes, error rows, the metric set; a scheduler only executes: profile one method per device
class, and score chunks of images, handing results back as they complete. A new scheduler
(e.g. Ray) is one module with a `Scheduler` subclass plus one line in `schedulers.SCHEDULERS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar

import torch

from ..data import PairedDataset, Split
from ..metrics import Metric
from .config import RunConfig
from .plan import PlannedMethod
from .tasks import ChunkResult


@dataclass
class RunContext:
    """What a scheduler needs to know about the run: options, data, metric set, methods."""

    config: RunConfig
    dataset: PairedDataset
    device: torch.device  # the driver's device
    metrics: Sequence[Metric]  # chosen once, by the runner
    video: bool
    planned: Sequence[PlannedMethod]
    log: Callable[[str], None]
    #: the driver's split once loaded (the serial scheduler scores it; Dask workers load theirs)
    split: Split | None = None


@dataclass
class MethodWork:
    """One method's scoring: its planned method, the image ids still to do in chunks, samples."""

    planned: PlannedMethod
    chunks: list[list[str]]
    samples: list[str]

    @property
    def spec(self) -> str:
        return self.planned.method.spec


class Scheduler(ABC):
    """Executes a run's profiling and scoring; opened and closed around the run."""

    #: what the driver plans on: the run's device when work runs here, else "auto"
    plans_on_run_device: ClassVar[bool] = True

    def __init__(self, context: RunContext) -> None:
        self.context = context

    def __enter__(self) -> Scheduler:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release what the scheduler holds (nothing for the serial one)."""
        return None

    @abstractmethod
    def profile(self, planned: PlannedMethod, height: int, width: int) -> dict[str, dict]:
        """Per device class (primary first): the cost profile fields, `error` if it failed."""

    @abstractmethod
    def score(self, work: Sequence[MethodWork]) -> Iterator[tuple[str, ChunkResult]]:
        """(spec, result) for every chunk (or part of one) as it completes."""

    def cancel(self, spec: str) -> None:
        """Drop the chunks of `spec` not started yet (it was skipped); later results are dropped."""
        return None

    def manifest(self) -> dict[str, Any] | None:
        """What the manifest records about where the run ran (None: here, serially)."""
        return None
