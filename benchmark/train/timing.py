"""Seconds per training step of a method at a given batch and size: extrapolates training time."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from methods import NeuralMethod, get_method


@dataclass(frozen=True)
class StepTiming:
    """Median seconds of one Adam step (forward, loss, backward, update) and what it implies."""

    spec: str
    batch: int
    size: int
    seconds_per_step: float
    cpu_seconds_per_step: float  # process CPU time (all threads): what a busy machine inflates less
    steps_per_epoch: int
    epochs: int

    @property
    def hours_total(self) -> float:
        """The whole budget's training time (steps only; validation not counted)."""
        return self.seconds_per_step * self.steps_per_epoch * self.epochs / 3600.0


def time_train_steps(
    spec: str,
    steps: int = 3,
    batch: int = 8,
    size: int = 256,
    train_images: int = 2160,
    epochs: int = 30,
    device: str = "cpu",
) -> StepTiming:
    """Time `steps` training steps (after one warm-up) on random images; median seconds each."""
    method = get_method(spec, device=device, use_shipped=False)
    if not isinstance(method, NeuralMethod):
        raise TypeError(f"{spec} is not a neural method")
    module = method.module.train()
    optimizer = torch.optim.Adam([p for p in module.parameters() if p.requires_grad], lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    hazy = torch.rand(batch, 3, size, size, generator=generator).to(method.device)
    clear = torch.rand(batch, 3, size, size, generator=generator).to(method.device)
    times, cpu_times = [], []
    for _ in range(steps + 1):
        if method.device.type == "cuda":
            torch.cuda.synchronize(method.device)
        start, cpu_start = time.perf_counter(), time.process_time()
        loss = F.mse_loss(method.forward(hazy), clear)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if method.device.type == "cuda":
            torch.cuda.synchronize(method.device)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    median = statistics.median(times[1:])
    steps_per_epoch = -(-train_images // batch)
    cpu = statistics.median(cpu_times[1:])
    return StepTiming(method.spec, batch, size, median, cpu, steps_per_epoch, epochs)
