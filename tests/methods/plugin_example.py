"""A third-party-style method used to test entry-point discovery (not registered by import)."""

from __future__ import annotations

import torch

from methods.core.base import ClassicalMethod


class GammaPlugin(ClassicalMethod):
    """Applies a fixed gamma: stands in for a user's own package."""

    name = "test-gamma-plugin"
    display_name = "Gamma (plugin)"

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        return x.pow(0.8)
