"""The training budget as part of suite-trained weights' identity: what was asked, what a sidecar
records, and the few words Table 1 shows when it is not the recipe's full budget."""

from __future__ import annotations

import json
from typing import Any

from .config import TrainConfig

#: the paper's protocol: 30 epochs over every training image (the recipe's full budget)
FULL_EPOCHS = TrainConfig.__dataclass_fields__["epochs"].default


def asked_budget(config: TrainConfig) -> dict[str, Any]:
    """What a training run with `config` records about its budget and data (JSON-normalised)."""
    return _normal(
        {
            "hyperparameters": config.hyperparameters(),
            "data_options": {"data": config.data, **config.data_options},
        }
    )


def recorded_budget(sidecar: dict[str, Any]) -> dict[str, Any]:
    """The same fields as a sidecar of finished weights records them."""
    return _normal(
        {
            "hyperparameters": sidecar.get("hyperparameters") or {},
            "data_options": sidecar.get("data_options") or {},
        }
    )


def _normal(value: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(value, default=str))


def budget_changes(sidecar: dict[str, Any], config: TrainConfig) -> list[str]:
    """'epochs 2 -> 30', ... for each recorded setting that is not the asked one (empty: same)."""
    old, new = recorded_budget(sidecar), asked_budget(config)
    changes = []
    for group in ("hyperparameters", "data_options"):
        before, after = old[group], new[group]
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                changes.append(f"{name} {before.get(name)} -> {after.get(name)}")
    return changes


def budget_text(sidecar: dict[str, Any] | None) -> str:
    """'2 epochs x 4 images' when the weights had less than the full budget, else ''."""
    hyper = (sidecar or {}).get("hyperparameters") or {}
    epochs, limit = hyper.get("epochs"), hyper.get("limit")
    if epochs is None or (epochs == FULL_EPOCHS and limit is None):
        return ""
    images = f"{limit} images" if limit is not None else "all images"
    return f"{epochs} epoch{'' if epochs == 1 else 's'} x {images}"
