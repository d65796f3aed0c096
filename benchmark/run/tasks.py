"""What a Dask worker runs: survey itself, profile one method, score one chunk of images.

Every input is plain, picklable data (spec text, weights path, data-set spec and options, image
ids); the worker opens the data set and builds each method once, then keeps them in a
per-process cache. Nothing here writes into the run folder: rows and sample images go back to
the driver, the only writer.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

import methods
from methods import Method

from ..data import PairedDataset, load_split, open_dataset
from ..environment import device_name
from ..errors import failure_text, one_line
from ..metrics import Metric, get_metric
from ..metrics.flicker import FrameChanges
from ..weights.resolver import WeightsChoice, build_method
from .cost import cost_profile
from .scoring import ImageScorer


@dataclass(frozen=True)
class WorkContext:
    """The run options every task needs, the same for all tasks of one run."""

    data: str | None
    data_options: tuple[tuple[str, Any], ...]
    device: str
    batch_size: int
    max_consecutive_failures: int
    trust_weights: bool = False
    tf32: bool = False
    metrics: tuple[str, ...] = ()  # the run's metric set (per_image.csv columns)
    #: parameterised metrics bound on the driver: their loaded models travel with the context
    bound_metrics: tuple[Metric, ...] = ()
    video: bool = False  # frames of a video: record frame changes (flicker) within each chunk
    profile_sizes: tuple[tuple[int, int], ...] = ()  # --profile-size: deployment resolutions


@dataclass(frozen=True)
class MethodRef:
    """One method spec as text, the weights the driver resolved for it, its registering module."""

    spec: str
    weights: WeightsChoice
    module: str


@dataclass
class ChunkResult:
    """A scored chunk: rows, enhanced sample images, the chunk's status and the worker's device."""

    rows: list[dict]
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    status: str = "done"
    reason: str = ""
    device_name: str = ""
    final: bool = False  # the scheduler's last result for this method


_LOCK = threading.Lock()
_DATASETS: dict[tuple, PairedDataset] = {}
_METHODS: dict[tuple, Method] = {}


def worker_device(context: WorkContext) -> torch.device:
    """The device this worker scores on (`auto`: its GPU when it has one), TF32 as asked."""
    device = methods.resolve_device(context.device)
    if device.type == "cuda":
        torch.backends.cudnn.allow_tf32 = context.tf32
        torch.backends.cuda.matmul.allow_tf32 = context.tf32
    return device


def cached_dataset(context: WorkContext) -> PairedDataset:
    """The run's data set, opened once per worker process."""
    key = (context.data, context.data_options)
    with _LOCK:
        if key not in _DATASETS:
            _DATASETS[key] = open_dataset(context.data, **dict(context.data_options))
        return _DATASETS[key]


def cached_method(context: WorkContext, ref: MethodRef) -> Method:
    """The method of `ref`, built once per worker process (plugins imported as on the driver)."""
    device = worker_device(context)
    key = (ref.spec, ref.weights.path, ref.weights.sha256, str(device), context.trust_weights)
    with _LOCK:
        if key not in _METHODS:
            if ref.module and ref.module != "__main__":
                importlib.import_module(ref.module)  # registers a plugin or test method
            # exactly the driver's choice, its sha256 verified; no weights: raises, never scores
            _METHODS[key] = build_method(ref.weights, device, context.trust_weights)
        return _METHODS[key]


def survey_worker(context: WorkContext, weights: list[str]) -> dict[str, Any]:
    """This worker's device, the data set's fingerprint as it sees it, and what it cannot see."""
    problems: list[str] = []
    try:
        device = worker_device(context)
    except Exception as exc:  # e.g. --device cuda on a worker without a GPU
        device = torch.device("cpu")
        problems.append(one_line(exc))
    if context.data not in (None, "synthetic") and not Path(context.data).exists():
        problems.append(f"data {context.data} is not visible (a folder or a video file)")
    problems += [
        f"weights file {path} is not visible" for path in weights if not Path(path).exists()
    ]
    fingerprint = None
    if not problems:
        try:
            fingerprint = cached_dataset(context).fingerprint
        except Exception as exc:
            problems.append(f"cannot open the data set: {one_line(exc)}")
    return {
        "device": str(device),
        "device_name": device_name(device),
        "fingerprint": fingerprint,
        "problems": problems,
    }


def profile_task(
    context: WorkContext, ref: MethodRef, height: int, width: int, budget_s: float
) -> dict[str, Any]:
    """Profile one method on this worker: the profile's fields, or `error` if it failed."""
    device = worker_device(context)
    method = cached_method(context, ref)
    fields = cost_profile(method, height, width, budget_s, context.profile_sizes)
    return {"device_name": device_name(device), **fields}


def score_task(
    context: WorkContext, ref: MethodRef, ids: list[str], sample_ids: list[str]
) -> ChunkResult:
    """Score one chunk of images with one method; a failure becomes error rows, never raises."""
    device = worker_device(context)
    try:
        split = load_split(cached_dataset(context), ids)
        method = cached_method(context, ref)
    except Exception as exc:  # data or method unusable here: every image of the chunk fails
        text, label = failure_text(exc), device_name(device)
        spec, name = ref.spec, methods.parse_spec(ref.spec).name
        rows = [
            {"spec": spec, "method": name, "image_id": i, "status": "error", "error": text}
            | {"device": label}
            for i in ids
        ]
        return ChunkResult(rows, status="failed", reason=text, device_name=label)
    scorer = ImageScorer(
        method,
        split,
        range(len(ids)),
        device,
        context.batch_size,
        context.max_consecutive_failures,
        sample_ids,
    )
    # a chunk starts its own frame-change tracking: its first frame has no predecessor here
    if context.metrics:
        frames = FrameChanges() if context.video else None
        bound = {m.name: m for m in context.bound_metrics}
        scorer.use([bound.get(n) or get_metric(n) for n in context.metrics], frames)
    result = ChunkResult([], device_name=scorer.device_label)
    for scored in scorer.batches():
        result.rows.extend(scored.rows)
        result.samples.update(scored.samples)
    result.status, result.reason = scorer.status, scorer.reason
    return result
