"""What `benchmark run` was asked to do: one dataclass, filled by the CLI or by code."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RunConfig:
    """Everything `benchmark run` was asked to do."""

    methods: Sequence[str] = ("all",)
    data: str | None = None
    split: str = "test"
    device: str = "auto"
    limit: int | None = None
    run_id: str | None = None
    out: Path = Path("reports")
    batch_size: int = 8
    weights: dict[str, str] = field(default_factory=dict)
    trust_weights: bool = False
    max_consecutive_failures: int = 3
    latency_budget_s: float = 2.0
    profile_sizes: Sequence[tuple[int, int]] = ()  # --profile-size HxW: deployment resolutions
    progress: bool = True
    data_options: dict[str, Any] = field(default_factory=dict)
    metrics: Sequence[str] | None = None  # None: the data's default set (by paired or not)
    #: --metric-params NAME=PATH: a parameterised metric's file (NIQE's fitted model)
    metric_params: dict[str, str] = field(default_factory=dict)
    tf32: bool = False
    #: where `train` writes by default: weights there whose sidecar names a spec are used for it
    trained_weights_dir: Path = Path("weights")
    scheduler: str | None = None  # local:N or tcp://HOST:PORT: score on a Dask cluster
    wait: bool = False  # wait for another process using the run folder instead of refusing
    command: list[str] = field(default_factory=lambda: list(sys.argv))
