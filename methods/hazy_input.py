"""The hazy input itself, unprocessed: the floor every method should beat, scored like one."""

from __future__ import annotations

import torch

from .core.base import ClassicalMethod
from .core.registry import register_method


@register_method
class HazyInput(ClassicalMethod):
    """Returns its input unchanged, so Table 1 shows what doing nothing scores."""

    name = "hazy-input"
    display_name = "Hazy input (no processing)"
    citation = "reference row: the unprocessed input"
    kind = "reference"

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        return x.clone()
