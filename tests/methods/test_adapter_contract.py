"""The contract every neural adapter keeps, checked once for all of them: any H, W (odd, tiny,
batched) comes back with the same shape in [0,1], and `forward` is differentiable in its input
(the training loop relies on it)."""

from __future__ import annotations

from functools import cache

import pytest
import torch

import methods
from methods import NeuralMethod
from tests.methods.reference_weights import deterministic_image

NEURAL = [
    name
    for name in methods.available_methods()
    if isinstance(methods.get_method(name, use_shipped=False), NeuralMethod)
]


@cache
def _method(name: str) -> NeuralMethod:
    """One seeded random instance per method (the large ones take a second to build); seed 2
    starts LNet-GIE alive (some seeds give K = 0 everywhere, hence no gradient at all)."""
    torch.manual_seed(2)
    return methods.get_method(name, use_shipped=False)


def test_all_nine_paper_networks_are_covered() -> None:
    expected = {"lnet-gie", "aodnet", "ffanet", "c2pnet", "gcanet", "griddehazenet"}
    assert expected | {"msbdn-dff", "da-dehazing"} <= set(NEURAL)


@pytest.mark.parametrize("name", NEURAL)
@pytest.mark.parametrize("shape", [(2, 3, 17, 22), (1, 3, 37, 45), (1, 3, 5, 9)])
def test_any_size_gives_same_shape_in_unit_range(name: str, shape: tuple[int, ...]) -> None:
    y = _method(name).enhance(deterministic_image(shape, seed=3))
    assert y.shape == shape and y.dtype == torch.float32
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0


@pytest.mark.parametrize("name", NEURAL)
def test_forward_is_differentiable_in_the_input(name: str) -> None:
    method = _method(name)
    x = deterministic_image((1, 3, 20, 17), seed=2).requires_grad_(True)
    method.module.requires_grad_(False)  # input gradients only: weight gradients can be 54M floats
    try:
        method.forward(x).mean().backward()
    finally:
        method.module.requires_grad_(True)
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
