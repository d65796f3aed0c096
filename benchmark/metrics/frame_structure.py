"""Structure across frames: can a feature tracker still register consecutive frames?

A downstream proxy that needs no weights. Per consecutive frame pair of one video, keypoints
are detected in both frames (ORB or SIFT, OpenCV's defaults: 500 ORB features, SIFT unlimited),
matched with a brute-force k=2 nearest-neighbour search and Lowe's ratio test (0.75), and a
homography is fitted with RANSAC (3 px reprojection threshold). `matches` is the number of
ratio-test matches, `inlier_ratio` the share of them RANSAC keeps; a pair with fewer than 4
matches cannot be registered and counts as 0 inliers. The reference row (the unprocessed input)
holds the input's values, so each method's change against the input is paired per frame pair.

Scoring a frame needs its predecessor: `FramePairs` carries the last scored frame's keypoints of
each video across batches (as flicker carries the last frame), so every frame is detected once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import Tensor

from .registry import Metric

RATIO = 0.75  # Lowe's ratio test
RANSAC_PX = 3.0  # reprojection threshold of cv2.findHomography's RANSAC
MIN_MATCHES = 4  # a homography needs 4 correspondences
STATS = ("matches", "inlier_ratio")
#: keypoints (K, 2) float32 and their descriptors (None when there are none)
Features = tuple[np.ndarray, np.ndarray | None]


def _detector(name: str) -> cv2.Feature2D:
    """A fresh OpenCV detector (not thread-safe to share across Dask worker threads)."""
    if name == "orb":
        return cv2.ORB_create()
    if name == "sift":
        return cv2.SIFT_create()
    raise ValueError(f"unknown detector {name!r} (orb or sift)")


def _norm(name: str) -> int:
    return cv2.NORM_HAMMING if name == "orb" else cv2.NORM_L2


def grey_uint8(image: Tensor) -> np.ndarray:
    """One (3, H, W) image in [0, 1] as 8-bit grey (OpenCV's BT.601 weights)."""
    rgb = (image.detach().float().clamp(0, 1) * 255.0).round().to(torch.uint8)
    return cv2.cvtColor(
        np.ascontiguousarray(rgb.permute(1, 2, 0).cpu().numpy()), cv2.COLOR_RGB2GRAY
    )


def features(name: str, image: Tensor) -> Features:
    """The keypoints and descriptors of one image."""
    keypoints, descriptors = _detector(name).detectAndCompute(grey_uint8(image), None)
    points = np.asarray([k.pt for k in keypoints], dtype=np.float32).reshape(-1, 2)
    return points, descriptors


def match_stats(name: str, first: Features, second: Features) -> tuple[float, float]:
    """(ratio-test matches, RANSAC inlier share) between two frames' features."""
    (p1, d1), (p2, d2) = first, second
    if d1 is None or d2 is None or len(d1) < 2 or len(d2) < 2:
        return 0.0, 0.0
    pairs = cv2.BFMatcher(_norm(name)).knnMatch(d1, d2, k=2)
    good = [m for m, n in (p for p in pairs if len(p) == 2) if m.distance < RATIO * n.distance]
    if len(good) < MIN_MATCHES:
        return float(len(good)), 0.0
    src = p1[[m.queryIdx for m in good]]
    dst = p2[[m.trainIdx for m in good]]
    _, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PX)
    inliers = 0 if mask is None else int(mask.sum())
    return float(len(good)), inliers / len(good)


@dataclass(frozen=True)
class PairStat:
    """A frame-pair metric's function: `stat` of `detector` between previous and current frames."""

    detector: str
    stat: str

    def __call__(self, previous: Tensor, current: Tensor) -> Tensor:
        """Per image pair of two (N, 3, H, W) batches, the statistic as float64 (N,)."""
        index = STATS.index(self.stat)
        values = [
            match_stats(self.detector, features(self.detector, a), features(self.detector, b))[
                index
            ]
            for a, b in zip(previous, current, strict=True)
        ]
        return torch.tensor(values, dtype=torch.float64)


class FramePairs:
    """Each frame-pair metric per frame, against the previous scored frame of the same video."""

    def __init__(self, metrics: Sequence[Metric]) -> None:
        self.metrics = list(metrics)
        #: ORB/SIFT statistics share one detection per frame; any other frame-pair function is
        #: called on (previous frame, frame)
        self.detectors = sorted({m.fn.detector for m in metrics if isinstance(m.fn, PairStat)})
        self._last: dict[str, tuple[int, Tensor, dict[str, Features]]] = {}

    def update(
        self, positions: Sequence[int], groups: Sequence[str], output: Tensor
    ) -> dict[str, np.ndarray]:
        """Each metric's value per frame (NaN for a frame whose predecessor was not scored)."""
        values = {m.name: np.full(len(positions), np.nan) for m in self.metrics}
        for k, (position, group) in enumerate(zip(positions, groups, strict=True)):
            found = {name: features(name, output[k]) for name in self.detectors}
            last = self._last.get(group)
            frame = output[k].detach()
            if last is not None and last[0] == position - 1 and last[1].shape == frame.shape:
                stats = {name: match_stats(name, last[2][name], found[name]) for name in found}
                for metric in self.metrics:
                    fn = metric.fn
                    if isinstance(fn, PairStat):
                        values[metric.name][k] = stats[fn.detector][STATS.index(fn.stat)]
                    else:
                        values[metric.name][k] = float(fn(last[1][None], frame[None])[0])
            self._last[group] = (position, frame, found)
        return values
