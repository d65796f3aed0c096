"""Metrics a run could not compute for some images (NaN scores), and why, per metric.

NIQE has no score for a frame without two whole 96x96 patches, for instance: Table 1 then
shows "–" or a mean over fewer images, and this says why. A metric that no image could be
scored with is a problem of the run (its exit status says so), not a blank column.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MetricError
from ..metrics import get_metric
from ..run.store import RunStore

#: why a metric is undefined for an image (the generic reason covers the others)
WHY = {
    "niqe": "needs at least two whole 96x96 patches: smaller (or flat) frames have no score",
    "contrast_e": "a rate over the input's visible edges: an input without any (flat) has none",
    "contrast_r": "a mean over the output's visible edges: an output without any has none",
}
GENERIC = "undefined for these images"
#: why, by the metric's kind, when the metric itself has no reason of its own
KIND_WHY = {
    "frame-pair": "the first frame of each video (or one whose previous frame was not scored) "
    "has no frame pair",
    "aligned": "the reference frame itself is not scored against itself",
}


def _kind(name: str) -> str:
    """The registered kind of metric `name` ('' for one this version does not know)."""
    try:
        return get_metric(name).kind
    except MetricError:
        return ""


@dataclass(frozen=True)
class MetricGap:
    """One metric's NaN scores among the run's scored rows."""

    metric: str
    missing: int
    scored: int
    example: str  # an image id without a score

    @property
    def none(self) -> bool:
        """True when not a single image has a score."""
        return self.missing == self.scored

    def text(self) -> str:
        """'niqe: no score for 3 of 4 image(s) (e.g. x): why'."""
        why = WHY.get(self.metric) or KIND_WHY.get(_kind(self.metric), GENERIC)
        return (
            f"{self.metric}: no score for {self.missing} of {self.scored} image row(s) "
            f"(e.g. {self.example}): {why}"
        )


def metric_gaps(store: RunStore) -> list[MetricGap]:
    """Each metric with NaN scores among the ok rows (every spec together)."""
    frame = store.per_image()
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    gaps = []
    for name in store.metric_names():
        if name not in ok.columns or ok.empty:
            continue
        values = pd.to_numeric(ok[name], errors="coerce").to_numpy(dtype=float)
        missing = np.isnan(values)  # inf (a perfect PSNR) is a score
        if missing.any():
            example = str(ok["image_id"].to_numpy()[missing.argmax()])
            gaps.append(MetricGap(name, int(missing.sum()), len(values), example))
    return gaps


def gap_problems(gaps: list[MetricGap], asked: Collection[str] | None = None) -> list[str]:
    """The run's problems: metrics asked for (`asked`; None: every one) that no image could be
    scored with. A metric only in the data's default set is a note instead (`default_gap_notes`):
    NIQE, on by default, cannot score frames under 96x96, which the user did not ask it to."""
    return [
        f"{gap.text()} (not computed for any image)"
        for gap in gaps
        if gap.none and (asked is None or gap.metric in asked)
    ]


def default_gap_notes(gaps: list[MetricGap], asked: Collection[str]) -> list[str]:
    """Console notes for default metrics that no image could be scored with (not problems)."""
    return [
        f"{gap.text()} (not computed for any image; a default metric, so not a problem: "
        f"--metrics chooses the set)"
        for gap in gaps
        if gap.none and gap.metric not in asked
    ]


def gap_notes(gaps: list[MetricGap]) -> list[str]:
    """Table 1's notes: why some cells are '–' or means over fewer images."""
    return [f"{gap.text()}; means are over the scored images." for gap in gaps]
