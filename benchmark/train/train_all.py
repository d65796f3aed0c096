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
from .budget import budget_changes
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
    retrained: dict[str, str] = field(default_factory=dict)  # trained again: another budget


def methods_to_train(
    budget: TrainConfig | None = None,
) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """Neural methods to train, why the others are skipped, and why some are trained again.

    Suite-trained weights count as done only when their sidecar records the asked budget
    (epochs, images, data, recipe): a 2-epoch smoke model is no 30-epoch model.
    """
    todo, skipped, again = [], {}, {}
    for name in available_methods():
        if not issubclass(method_class(name), NeuralMethod):
            continue
        choice = resolve_weights(name, trained_folder=None)  # the run's own resolver
        if choice.source == "shipped":
            skipped[name] = "shipped weights"
            continue
        changes = []
        if choice.source.startswith("suite-trained") and budget is not None:
            changes = budget_changes(choice.sidecar or {}, config_for(name, budget))
        if choice.source.startswith("suite-trained") and not changes:
            skipped[name] = "already suite-trained with this budget"
            continue
        if changes:
            again[name] = "trained with another budget: " + ", ".join(changes[:3])
        todo.append(name)
    return todo, skipped, again


def config_for(name: str, budget: TrainConfig, overwrite: bool = False) -> TrainConfig:
    """The shared budget with `name`'s own recipe, writing into the cache's trained/ folder."""
    recipe = recipe_overrides(method_class(name).training_recipe())  # type: ignore[attr-defined]
    out = trained_dir() / f"{safe_name(name)}.pth"
    return replace_config(budget, spec=name, out=out, overwrite=overwrite, **recipe)


def train_all(budget: TrainConfig, only: Callable[[str], bool] | None = None) -> TrainAllResult:
    """Train every method that has no weights yet under `budget` (its spec field is ignored)."""
    todo, skipped, again = methods_to_train(budget)
    todo = [n for n in todo if only is None or only(n)]
    result = TrainAllResult(skipped=skipped, retrained=again)
    if not todo:
        return result
    budget.validate()
    data = load_train_data(
        open_training_data(budget), budget.limit, budget.val_every, budget.progress
    )
    for name in todo:
        say(budget.progress, f"train all: {name} ({todo.index(name) + 1}/{len(todo)})")
        try:
            config = config_for(name, budget, overwrite=name in again)
            result.trained[name] = train(config, data=data).weights
        except (*USER_ERRORS, RuntimeError) as exc:  # one method must not sink the others
            result.failed[name] = failure_text(exc)
    return result
