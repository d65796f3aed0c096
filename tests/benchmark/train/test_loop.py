"""The epoch loop's first-step check: a dead start is named, with the method's own hint."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

import methods
from benchmark.errors import TrainingError
from benchmark.train.loop import check_gradient_flow, gradient_flows

from .helpers import config


def _loop(spec: str, tmp_path: Path, stop_if_dead: bool = True) -> SimpleNamespace:
    """Just what check_gradient_flow reads: a method whose parameters got zero gradients."""
    method = methods.get_method(spec, use_shipped=False)
    for parameter in method.module.parameters():
        parameter.grad = torch.zeros_like(parameter)
    cfg = config(tmp_path / "w.pth", spec, stop_if_dead=stop_if_dead)
    return SimpleNamespace(method=method, config=cfg, dead_start=None)


def test_gradient_flows_needs_a_nonzero_gradient() -> None:
    module = torch.nn.Linear(2, 1)
    assert not gradient_flows(module)
    module(torch.ones(1, 2)).sum().backward()
    assert gradient_flows(module)


@pytest.mark.parametrize(
    "spec,hint",
    [
        ("lnet-gie", r"init: for LNet-GIE, K = ReLU\(e_conv2\(\.\.\.\)\) is 0 on every pixel"),
        ("aodnet", r"\(a dead ReLU at init\); try another --seed"),
    ],
)
def test_a_dead_start_stops_with_the_methods_hint(tmp_path: Path, spec: str, hint: str) -> None:
    with pytest.raises(TrainingError, match=hint):
        check_gradient_flow(_loop(spec, tmp_path))  # type: ignore[arg-type]
    quiet = _loop(spec, tmp_path, stop_if_dead=False)
    check_gradient_flow(quiet)  # type: ignore[arg-type]
    assert quiet.dead_start is True
