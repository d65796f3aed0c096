"""`train all`: every neural method without weights, its authors' recipe, one shared budget.

Weights go to the cache's trained/ folder (where `run` finds them: Table 1 "suite-trained").
Each method resumes from its own checkpoint; finished ones are skipped, so rerunning the same
command continues where it stopped. A method that fails is reported and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from methods import NeuralMethod, available_methods, method_class, trained_dir

from ..errors import USER_ERRORS, failure_text
from ..files import safe_name
from ..weights.resolver import resolve_weights
from .config import TrainConfig, recipe_overrides, replace_config
from .data import load_train_data, open_training_data
from .progress import say
from .trainer import train


@dataclass
class TrainAllResult:
    """What `train all` did per method: trained (path), skipped (why), failed (error line)."""

    trained: dict[str, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def methods_to_train() -> tuple[list[str], dict[str, str]]:
    """Neural methods without shipped or suite-trained weights, and why the others are skipped."""
    todo, skipped = [], {}
    for name in available_methods():
        if not issubclass(method_class(name), NeuralMethod):
            continue
        source = resolve_weights(name, trained_folder=None).source  # the run's own resolver
        if source == "shipped":
            skipped[name] = "shipped weights"
        elif source.startswith("suite-trained"):
            skipped[name] = "already suite-trained"
        else:
            todo.append(name)
    return todo, skipped


def config_for(name: str, budget: TrainConfig) -> TrainConfig:
    """The shared budget with `name`'s own recipe, writing into the cache's trained/ folder."""
    recipe = recipe_overrides(method_class(name).training_recipe())  # type: ignore[attr-defined]
    out = trained_dir() / f"{safe_name(name)}.pth"
    return replace_config(budget, spec=name, out=out, **recipe)


def train_all(budget: TrainConfig, only: Callable[[str], bool] | None = None) -> TrainAllResult:
    """Train every method that has no weights yet under `budget` (its spec field is ignored)."""
    todo, skipped = methods_to_train()
    todo = [n for n in todo if only is None or only(n)]
    result = TrainAllResult(skipped=skipped)
    if not todo:
        return result
    budget.validate()
    data = load_train_data(
        open_training_data(budget), budget.limit, budget.val_every, budget.progress
    )
    for name in todo:
        say(budget.progress, f"train all: {name} ({todo.index(name) + 1}/{len(todo)})")
        try:
            result.trained[name] = train(config_for(name, budget), data=data).weights
        except (*USER_ERRORS, RuntimeError) as exc:  # one method must not sink the others
            result.failed[name] = failure_text(exc)
    return result
