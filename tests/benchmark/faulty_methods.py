"""Deliberately broken and slow methods for failure-isolation and resume tests."""

from __future__ import annotations

import os
import time
from typing import ClassVar

import torch

from methods import ClassicalMethod, Param, register_method


@register_method
class RaisesOnBright(ClassicalMethod):
    """Raises on images brighter than a threshold, works on the others."""

    name = "test-raises-on-bright"
    display_name = "Raises on bright"
    params: ClassVar[dict[str, Param]] = {"threshold": Param(0.5, float)}

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        if bool((x.flatten(1).mean(1) > self.values["threshold"]).any()):
            raise RuntimeError("deliberate failure on a bright image")
        return x


@register_method
class AlwaysNaN(ClassicalMethod):
    """Returns NaN everywhere: must become error rows, then be skipped."""

    name = "test-nan"
    display_name = "Always NaN"

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        return torch.full_like(x, float("nan"))


@register_method
class WrongShape(ClassicalMethod):
    """Returns a cropped image: a shape error on every image."""

    name = "test-wrong-shape"
    display_name = "Wrong shape"

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        return x[..., 1:, :]


@register_method
class Slow(ClassicalMethod):
    """Sleeps per call ($DEHAZE_TEST_SLEEP s), and while $DEHAZE_TEST_HOLD names a file that exists."""

    name = "test-slow"
    display_name = "Slow"

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        time.sleep(float(os.environ.get("DEHAZE_TEST_SLEEP", "0")))
        hold = os.environ.get("DEHAZE_TEST_HOLD", "")
        while hold and os.path.exists(hold):
            time.sleep(0.05)
        return x.pow(0.9)


@register_method
class FailsWhileMarked(ClassicalMethod):
    """Raises while the file named by $DEHAZE_TEST_FAIL_MARKER exists (a transient fault)."""

    name = "test-fails-while-marked"
    display_name = "Fails while marked"

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        marker = os.environ.get("DEHAZE_TEST_FAIL_MARKER", "")
        if marker and os.path.exists(marker):
            raise OSError(28, "No space left on device (simulated)")
        return x.pow(0.9)
