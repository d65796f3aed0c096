"""Which scheduler a run uses: `--scheduler` text -> a `Scheduler` subclass (none: serial).

Adding a scheduler (e.g. Ray) is one module with a `Scheduler` subclass and one line here.
"""

from __future__ import annotations

import re

import torch

import methods

from ..errors import UsageError
from .config import RunConfig
from .distributed import DaskCluster
from .scheduler import Scheduler
from .serial import SerialScheduler

#: --scheduler patterns and the scheduler that runs them (no --scheduler: SerialScheduler)
SCHEDULERS: tuple[tuple[re.Pattern[str], type[Scheduler]], ...] = (
    (re.compile(r"^local:\d+$|^(tcp|tls|ucx|inproc)://\S+$"), DaskCluster),
)


def scheduler_class(text: str | None) -> type[Scheduler]:
    """The Scheduler subclass for a --scheduler value (None: serial, in this process)."""
    if not text:
        return SerialScheduler
    for pattern, cls in SCHEDULERS:
        if pattern.match(text.strip()):
            return cls
    raise UsageError(
        f"--scheduler {text!r}: use local:N (N worker processes here) or tcp://HOST:PORT"
    )


def driver_device(config: RunConfig) -> torch.device:
    """The device the driver plans on: the run's own, or `auto` when workers score elsewhere."""
    plans_here = scheduler_class(config.scheduler).plans_on_run_device
    return methods.resolve_device(config.device if plans_here else "auto")
