"""Flicker on video: how much a method's output changes between consecutive frames.

Per frame, the mean absolute difference (over pixels and channels, 8-bit values in [0, 1]) from
the previous frame of the same video is kept for the output and for the input; a method's
flicker is the mean of the first over the mean of the second, so 1 = it adds no flicker and
2 = its frames jump twice as much as the camera's. Consecutive means consecutive in the scored
sequence (every `--stride`-th frame); a frame whose predecessor was not scored has no value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from torch import Tensor

#: per_image.csv columns of a video run: the frame's change from the previous one
FRAME_CHANGE_COLUMNS = ("frame_change_out", "frame_change_in")


class FrameChanges:
    """Carries the last scored frame of each video across batches, for one method."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[int, Tensor, Tensor]] = {}

    def update(
        self, positions: Sequence[int], groups: Sequence[str], output: Tensor, hazy: Tensor
    ) -> dict[str, np.ndarray]:
        """Each frame's mean absolute change from its predecessor (NaN without one)."""
        out_change = np.full(len(positions), np.nan)
        in_change = np.full(len(positions), np.nan)
        for k, (position, group) in enumerate(zip(positions, groups, strict=True)):
            last = self._last.get(group)
            if last is not None and last[0] == position - 1 and last[1].shape == output[k].shape:
                out_change[k] = float((output[k] - last[1]).abs().double().mean())
                in_change[k] = float((hazy[k] - last[2]).abs().double().mean())
            self._last[group] = (position, output[k].detach(), hazy[k].detach())
        return dict(zip(FRAME_CHANGE_COLUMNS, (out_change, in_change), strict=True))


def flicker(out_change: np.ndarray, in_change: np.ndarray) -> float:
    """Mean output change over mean input change, over frames that have both (NaN if none)."""
    valid = np.isfinite(out_change) & np.isfinite(in_change)
    if not valid.any() or in_change[valid].mean() == 0:
        return float("nan")
    return float(out_change[valid].mean() / in_change[valid].mean())
