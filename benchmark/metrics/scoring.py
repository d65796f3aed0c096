"""Which metrics a run computes, and computing them on one batch of 8-bit outputs.

Full-reference metrics compare the output with the ground truth; no-reference ones look at the
output and, where they need it (contrast_e, contrast_r, saturated), the method's input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch import Tensor

from ..errors import MetricError
from ..files import sha256_file
from .registry import Metric, default_metrics, get_metric

#: what each kind of metric needs, for the message when the data cannot give it
NEEDS = {
    "frame-pair": "compares consecutive frames: it needs video data (a video file or a folder "
    "of videos)",
    "aligned": "is scored against a smoke-free reference frame: give --reference-frame REF "
    "(an index into each video, or an image id of the folder)",
}


def default_kind(paired: bool) -> str:
    """The metric kind scored by default on paired or unpaired data."""
    return "full-reference" if paired else "no-reference"


def choose_metrics(
    names: Sequence[str] | None,
    paired: bool,
    data_name: str = "",
    params: Mapping[str, str] | None = None,
    video: bool = False,
    reference: bool = False,
) -> list[Metric]:
    """The metrics asked for (default: the data's kind), parameterised ones bound to `params`.

    A metric given parameters (`--metric-params niqe=MODEL`) joins the default set; named in
    --metrics without them it is one clear MetricError, as are parameters for a metric not run.
    """
    params = dict(params or {})
    for name in params:
        if get_metric(name).loader is None:
            raise MetricError(f"--metric-params {name}=...: {name} takes no parameters")
    if not names:
        chosen = default_metrics(default_kind(paired))  # type: ignore[arg-type]
        chosen += [get_metric(name) for name in params if get_metric(name) not in chosen]
    else:
        chosen = [get_metric(name.strip()) for name in dict.fromkeys(names) if name.strip()]
    if not chosen:
        raise MetricError("--metrics is empty: name at least one metric (see `benchmark list`)")
    unused = sorted(set(params) - {m.name for m in chosen})
    if unused:
        raise MetricError(
            f"--metric-params given for {', '.join(unused)}, which --metrics does not include"
        )
    for metric in chosen:
        if not metric.available and metric.name not in params:
            raise MetricError(f"{metric.name} {metric.needs}")
    chosen = [m.bind(params[m.name]) if m.name in params else m for m in chosen]
    given = {"frame-pair": video, "aligned": reference}
    for metric in chosen:
        if metric.kind in given and not given[metric.kind]:
            raise MetricError(f"{metric.name} {NEEDS[metric.kind]}")
    if not paired:
        needs_truth = [m.name for m in chosen if m.kind == "full-reference"]
        if needs_truth:
            raise MetricError(
                f"{', '.join(needs_truth)} need(s) ground truth, and {data_name or 'this data'} "
                "has none: choose no-reference metrics, e.g. --metrics "
                + ",".join(m.name for m in default_metrics("no-reference"))
            )
    return chosen


def metrics_for_dataset(
    names: Sequence[str] | None, dataset: Any, params: Mapping[str, str] | None = None
) -> list[Metric]:
    """choose_metrics for this data set: paired or not, video or not, a reference frame or not
    (the driver and the Dask context choose alike)."""
    return choose_metrics(
        names,
        bool(getattr(dataset, "paired", True)),
        str(getattr(dataset, "name", "")),
        params,
        video=getattr(dataset, "kind", "") == "video",
        reference=getattr(dataset, "reference_frame", None) is not None,
    )


def metric_params_record(params: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Each parameter file's absolute path and sha256, for the run's manifest."""
    return {
        name: {"path": str(Path(path).expanduser().resolve()), "sha256": sha256_file(Path(path))}
        for name, path in sorted(params.items())
    }


def score_batch(
    metrics: Sequence[Metric],
    output: Tensor,
    hazy: Tensor,
    clear: Tensor | None,
    reference: Tensor | None = None,
) -> dict[str, np.ndarray]:
    """Each metric's value per image of the batch, as float64 numpy arrays on the CPU.

    Frame-pair metrics are left to the scorer's FramePairs (they need the previous frame);
    aligned ones compare each output with its reference frame (`reference`, same shape).
    """
    scores: dict[str, np.ndarray] = {}
    for metric in metrics:
        if metric.kind == "frame-pair":
            continue
        if metric.kind == "aligned":
            if reference is None:
                raise MetricError(f"{metric.name} {NEEDS['aligned']}")
            scores[metric.name] = metric.fn(output, reference).double().cpu().numpy()
            continue
        second = hazy if metric.kind == "no-reference" else clear
        if second is None:
            raise MetricError(f"{metric.name} needs ground truth, which this data set lacks")
        scores[metric.name] = metric.fn(output, second).double().cpu().numpy()
    return scores
