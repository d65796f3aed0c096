"""A method's own training recipe (loss, Adam learning rate, schedule), run under a shared budget.

The budget (epochs, data, size, batch, seed, augmentations) is the suite's and the same for every
method; the recipe carries what the authors chose for their network, with its source.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

LOSSES = ("mse", "l1", "smooth_l1")
SCHEDULES = ("constant", "cosine", "step")


@dataclass(frozen=True)
class TrainingRecipe:
    """The authors' loss, optimiser settings and learning-rate schedule, with their source."""

    loss: str  # one of LOSSES
    lr: float  # Adam's initial learning rate
    schedule: str = "constant"  # one of SCHEDULES
    decay_every: float = 0.0  # "step": fraction of the epoch budget between decays
    decay_gamma: float = 1.0  # "step": factor applied at each decay
    clip_grad: float = 0.0  # gradient-norm clipping, 0 = off
    weight_decay: float = 0.0
    source: str = ""  # where the authors state it (file and line, or paper section)
    omitted: str = ""  # what of the authors' recipe the suite leaves out, and why

    def __post_init__(self) -> None:
        if self.loss not in LOSSES or self.schedule not in SCHEDULES:
            raise ValueError(f"recipe: loss in {LOSSES}, schedule in {SCHEDULES}")
        if self.schedule == "step" and not 0 < self.decay_every <= 1:
            raise ValueError("recipe: a step schedule needs 0 < decay_every <= 1")

    def lr_at(self, step: int, total_steps: int, epoch: int, epochs: int) -> float:
        """The learning rate at global `step` (0-based) of `total_steps`, in `epoch` (1-based)."""
        if self.schedule == "cosine":
            return 0.5 * (1 + math.cos(math.pi * step / max(total_steps, 1))) * self.lr
        if self.schedule == "step":
            every = max(1, round(self.decay_every * epochs))
            return self.lr * self.decay_gamma ** ((epoch - 1) // every)
        return self.lr

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for sidecars."""
        return asdict(self)
