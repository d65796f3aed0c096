"""The settings of a training run (`TrainConfig`): checked once, all recorded in the sidecar."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from methods import TrainingRecipe

from ..errors import TrainingError
from ..files import safe_name

LOSS_NAMES = {"mse": "MSE", "l1": "L1", "smooth_l1": "SmoothL1"}


@dataclass
class TrainConfig:
    """Every choice that shapes a training run (all recorded in the sidecar)."""

    spec: str
    data: str | None = None
    data_options: dict[str, Any] = field(default_factory=dict)
    epochs: int = 30
    lr: float = 0.01
    batch_size: int = 8
    weight_decay: float = 0.0
    clip_grad: float = 0.0
    crop: int = 0
    init: str | None = None  # None: the method's default_init() (Procedure 1 for LNet-GIE)
    device: str = "auto"
    out: Path | None = None
    seed: int = 0
    limit: int | None = None
    val_every: int = 10
    trust_weights: bool = False
    overwrite: bool = False
    progress: bool = True
    stop_if_dead: bool = True  # fail fast when no gradient flows at the first step
    loss: str = "mse"  # mse | l1 | smooth_l1 (a method's recipe may choose another)
    schedule: str = "constant"  # constant | cosine | step
    decay_every: float = 0.0  # step schedule: fraction of the epochs between decays
    decay_gamma: float = 1.0  # step schedule: factor at each decay
    recipe_source: str = ""  # where the method's recipe comes from ("" = the paper's protocol)

    def validate(self) -> None:
        """Raise TrainingError for values that cannot work."""
        checks = [
            (self.epochs >= 1, "--epochs must be at least 1"),
            (self.lr > 0 and math.isfinite(self.lr), "--lr must be a positive number"),
            (self.batch_size >= 1, "--batch-size must be at least 1"),
            (self.weight_decay >= 0, "--weight-decay must be >= 0"),
            (self.clip_grad >= 0, "--clip-grad must be >= 0 (0 = off)"),
            (self.crop == 0 or self.crop >= 8, "--crop must be 0 (off) or at least 8 pixels"),
            (self.limit is None or self.limit >= 2, "--limit must be at least 2"),
            (self.val_every == 0 or self.val_every >= 2, "--val-every must be 0 (off) or >= 2"),
            (self.seed >= 0, "--seed must be >= 0"),
        ]
        try:
            self.recipe()
        except ValueError as exc:
            raise TrainingError(str(exc)) from None
        for ok, message in checks:
            if not ok:
                raise TrainingError(message)
        if self.out is not None and Path(self.out).is_dir():
            raise TrainingError(
                f"--out {self.out} is a folder: give a file name, e.g. {Path(self.out) / 'w.pth'}"
            )

    def recipe(self) -> TrainingRecipe:
        """Loss and learning-rate schedule as a recipe (what the loop computes with)."""
        return TrainingRecipe(
            loss=self.loss,
            lr=self.lr,
            schedule=self.schedule,
            decay_every=self.decay_every,
            decay_gamma=self.decay_gamma,
            clip_grad=self.clip_grad,
            weight_decay=self.weight_decay,
            source=self.recipe_source,
        )

    def hyperparameters(self) -> dict[str, Any]:
        """The optimisation settings, as recorded in the sidecar."""
        extra: dict[str, Any] = {}
        if self.schedule != "constant":
            extra["lr_schedule"] = {
                "kind": self.schedule,
                "decay_every": self.decay_every,
                "decay_gamma": self.decay_gamma,
            }
        if self.recipe_source:
            extra["recipe_source"] = self.recipe_source
        return {
            "optimizer": "torch.optim.Adam (weight decay as L2 added to the gradient)",
            "betas": [0.9, 0.999],
            "loss": f"{LOSS_NAMES[self.loss]}(method.forward(hazy), clear)",
            **extra,
            "epochs": self.epochs,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "weight_decay": self.weight_decay,
            "clip_grad_norm": self.clip_grad,
            "crop": self.crop,
            "limit": self.limit,
            "val_every": self.val_every,
            "seed": self.seed,
            "shuffle": "torch.randperm with a generator seeded by seed, every epoch",
            "last_partial_batch": "kept",
        }

    def out_path(self, spec: str) -> Path:
        """Where the weights go: `out`, else weights/<spec-safe-name>.pth."""
        return Path(self.out) if self.out is not None else default_out(spec)


def default_out(spec: str) -> Path:
    """weights/<spec-safe-name>.pth under the current directory."""
    return Path("weights") / f"{safe_name(spec)}.pth"


def replace_config(config: TrainConfig, **changes: Any) -> TrainConfig:
    """A copy of `config` with some fields changed."""
    return TrainConfig(**{**asdict(config), **changes})


def recipe_overrides(recipe: TrainingRecipe | None) -> dict[str, Any]:
    """TrainConfig fields a method's recipe sets (empty: the paper's protocol)."""
    if recipe is None:
        return {}
    return {
        "loss": recipe.loss,
        "lr": recipe.lr,
        "schedule": recipe.schedule,
        "decay_every": recipe.decay_every,
        "decay_gamma": recipe.decay_gamma,
        "clip_grad": recipe.clip_grad,
        "weight_decay": recipe.weight_decay,
        "recipe_source": recipe.source,
    }
