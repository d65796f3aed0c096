"""Training recipes: schedules equal the authors' formulas, and every baseline declares one."""

from __future__ import annotations

import math

import pytest

from methods import method_class
from methods.core.recipe import TrainingRecipe


def test_cosine_is_ffanets_lr_schedule_cosdecay() -> None:
    recipe = TrainingRecipe(loss="l1", lr=1e-4, schedule="cosine")
    for t in (0, 1, 250, 499, 500):
        # FFA-Net net/main.py: lr = 0.5 * (1 + cos(t * pi / T)) * init_lr
        assert recipe.lr_at(t, 500, 1, 30) == pytest.approx(
            0.5 * (1 + math.cos(t * math.pi / 500)) * 1e-4
        )


def test_step_halves_like_griddehazenet_scaled_to_the_budget() -> None:
    recipe = method_class("griddehazenet").recipe
    # authors: x0.5 at epochs 20, 40, 60, 80 of 100 -> at 6, 12, 18, 24 of a 30-epoch budget
    lrs = [recipe.lr_at(0, 1, epoch, 30) for epoch in range(1, 31)]
    assert lrs[:6] == [1e-3] * 6 and lrs[6] == 5e-4 and lrs[-1] == pytest.approx(1e-3 / 16)
    at_authors = [recipe.lr_at(0, 1, epoch, 100) for epoch in (20, 21, 41, 100)]
    assert at_authors == [1e-3, 5e-4, 2.5e-4, pytest.approx(1e-3 / 16)]


def test_every_baseline_has_a_cited_recipe() -> None:
    for name in ("ffanet", "c2pnet", "gcanet", "griddehazenet", "msbdn-dff", "da-dehazing"):
        recipe = method_class(name).recipe
        assert recipe is not None and recipe.source, name
    assert method_class("aodnet").recipe is None and method_class("lnet-gie").recipe is None


def test_bad_recipe_is_refused() -> None:
    with pytest.raises(ValueError):
        TrainingRecipe(loss="huber", lr=1e-3)
    with pytest.raises(ValueError):
        TrainingRecipe(loss="l1", lr=1e-3, schedule="step")
