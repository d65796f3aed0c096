"""Padding to a size multiple and tiled inference."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import methods
from methods.core.errors import SpecError
from methods.core.padding import pad_to_multiple
from methods.core.tiling import tiled_apply


@pytest.mark.parametrize(("h", "w", "m"), [(37, 45, 16), (5, 3, 16), (32, 32, 16), (7, 9, 1)])
def test_pad_and_crop_round_trip(h: int, w: int, m: int) -> None:
    x = torch.rand(2, 3, h, w)
    padded, crop = pad_to_multiple(x, m)
    assert padded.shape[-2] % m == 0 and padded.shape[-1] % m == 0
    assert torch.equal(padded[..., :h, :w], x) and torch.equal(crop(padded), x)


def test_tiles_reassemble_pointwise_ops_exactly() -> None:
    x = torch.rand(1, 3, 70, 101)
    out = tiled_apply(lambda t: t * 2 + 1, x, tile=32, overlap=8)
    assert torch.allclose(out, x * 2 + 1, atol=1e-6)


def test_tiles_of_a_local_op_agree_away_from_seams() -> None:
    x = torch.rand(1, 3, 64, 64)
    blur = lambda t: F.avg_pool2d(F.pad(t, (1, 1, 1, 1), mode="replicate"), 3, stride=1)  # noqa: E731
    tiled = tiled_apply(blur, x, tile=32, overlap=8)
    assert (tiled - blur(x)).abs().mean() < 1e-3


def test_tile_spec_keys_change_identity_and_validate() -> None:
    m = methods.get_method("aodnet:tile=32,overlap=8", use_shipped=False)
    assert m.spec == "aodnet:overlap=8,tile=32"
    x = torch.rand(1, 3, 50, 70)
    whole = methods.get_method("aodnet", use_shipped=False)
    whole.module.load_state_dict(m.module.state_dict())
    assert (m.enhance(x) - whole.enhance(x)).abs().max() < 0.05
    with pytest.raises(SpecError, match="overlap"):
        methods.get_method("aodnet:tile=32,overlap=16")


@pytest.mark.parametrize(("h", "w"), [(5, 9), (37, 45), (1, 1), (96, 112)])
def test_pad_for_network_reaches_min_size_and_multiple(h: int, w: int) -> None:
    from methods.core.padding import pad_for_network

    x = torch.rand(1, 3, h, w)
    padded, crop = pad_for_network(x, 16, 32)
    assert padded.shape[-2] >= 32 and padded.shape[-1] >= 32
    assert padded.shape[-2] % 16 == 0 and padded.shape[-1] % 16 == 0
    assert torch.equal(padded[..., :h, :w], x) and torch.equal(crop(padded), x)
