"""One training epoch: shuffled batches, the recipe's loss and lr with Adam, a first-step check."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from methods import NeuralMethod

from ..errors import TrainingError
from .batches import random_crops, to_float
from .config import TrainConfig
from .data import TrainData
from .progress import progress_bar


@dataclass
class TrainHooks:
    """Optional callbacks: inspect the model before each optimizer step, or after each epoch."""

    before_step: Callable[[NeuralMethod, int, int], None] | None = None  # (method, epoch, step)
    on_epoch_end: Callable[[int, dict[str, Any]], None] | None = None  # (epoch, history)


@dataclass
class Loop:
    """What one epoch needs: method, optimizer, data, shuffling generator and settings."""

    method: NeuralMethod
    optimizer: torch.optim.Optimizer
    data: TrainData
    generator: torch.Generator
    config: TrainConfig
    device: torch.device
    hooks: TrainHooks
    dead_start: bool | None = None  # set at the first step: True when no gradient flowed


def train_epoch(loop: Loop, epoch: int) -> tuple[float, float]:
    """One pass over the shuffled train images; returns (mean loss per image, seconds)."""
    config, data, method = loop.config, loop.data, loop.method
    method.module.train()
    order = torch.randperm(len(data.train_ids), generator=loop.generator)
    steps_before = (epoch - 1) * math.ceil(len(order) / config.batch_size)
    total, seen, start = 0.0, 0, time.perf_counter()
    desc = f"{method.spec} epoch {epoch}/{config.epochs}"
    with progress_bar(len(order), desc, config.progress) as bar:
        for step, begin in enumerate(range(0, len(order), config.batch_size)):
            index = order[begin : begin + config.batch_size]
            hazy, clear = data.train_hazy[index], data.train_clear[index]
            if config.crop:
                hazy, clear = random_crops(hazy, clear, config.crop, loop.generator)
            loss = train_step(
                loop,
                to_float(hazy, loop.device),
                to_float(clear, loop.device),
                epoch,
                steps_before + step,
            )
            total, seen = total + loss * len(index), seen + len(index)
            bar.update(len(index))
            bar.set_postfix(loss=f"{total / seen:.5f}")
    return total / seen, time.perf_counter() - start


LOSS_FUNCTIONS = {"mse": F.mse_loss, "l1": F.l1_loss, "smooth_l1": F.smooth_l1_loss}


def set_learning_rate(loop: Loop, epoch: int, step: int) -> None:
    """The recipe's learning rate for this global step (constant schedules change nothing)."""
    config = loop.config
    if config.schedule == "constant":
        return
    per_epoch = math.ceil(len(loop.data.train_ids) / config.batch_size)
    lr = config.recipe().lr_at(step, per_epoch * config.epochs, epoch, config.epochs)
    for group in loop.optimizer.param_groups:
        group["lr"] = lr


def train_step(loop: Loop, hazy: torch.Tensor, clear: torch.Tensor, epoch: int, step: int) -> float:
    """Forward, the recipe's loss, backward, optional clipping, the before_step hook, Adam step."""
    set_learning_rate(loop, epoch, step)
    loss = LOSS_FUNCTIONS[loop.config.loss](loop.method.forward(hazy), clear)
    if not torch.isfinite(loss):
        raise TrainingError(
            f"loss became {loss.item()} at epoch {epoch}: lower --lr or set --clip-grad"
        )
    loop.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if step == 0:
        check_gradient_flow(loop)
    if loop.config.clip_grad > 0:
        torch.nn.utils.clip_grad_norm_(loop.method.module.parameters(), loop.config.clip_grad)
    if loop.hooks.before_step is not None:
        loop.hooks.before_step(loop.method, epoch, step)
    loop.optimizer.step()
    return float(loss.item())


def gradient_flows(module: torch.nn.Module) -> bool:
    """True when some parameter received a non-zero gradient."""
    return any(p.grad is not None and bool(p.grad.ne(0).any()) for p in module.parameters())


def check_gradient_flow(loop: Loop) -> None:
    """Record whether the first step got any gradient; stop a dead start unless told not to."""
    loop.dead_start = not gradient_flows(loop.method.module)
    if loop.dead_start and loop.config.stop_if_dead:
        hint = loop.method.dead_start_hint
        raise TrainingError(
            f"{loop.method.spec}: no gradient reaches any parameter at the first step, so training "
            f"cannot move (a dead ReLU at init{': ' + hint if hint else ''}); try another --seed"
        )
