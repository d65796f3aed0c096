"""LNet-GIE: parameter counts, the paper's formula, rm really used, authors' layout, Procedure 1."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import methods
from methods.core.errors import InitError, SpecError, WeightsError
from methods.lnet_gie import copy_aodnet_rows
from tests.methods.reference_weights import deterministic_image, deterministic_like


def _authors_forward(state: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The authors' net.py forward (rm unused), written out with functional convs."""
    k = F.relu(F.conv2d(x, state["e_conv1.weight"], state["e_conv1.bias"]))
    k = F.relu(F.conv2d(k, state["e_conv2.weight"], state["e_conv2.bias"], padding=1))
    return F.relu(k * x - k + 1)


def _method_with_state(spec: str, seed: int = 0):
    m = methods.get_method(spec, use_shipped=False)
    state = deterministic_like(m.module.state_dict(), seed=seed)
    m.module.load_state_dict(state)
    return m, state


def test_default_has_exactly_14_parameters() -> None:
    m = methods.get_method("lnet-gie", use_shipped=False)
    assert m.num_params == 14
    shapes = {k: tuple(v.shape) for k, v in m.module.state_dict().items()}
    assert shapes == {
        "e_conv1.weight": (1, 3, 1, 1),
        "e_conv1.bias": (1,),
        "e_conv2.weight": (1, 1, 3, 3),
        "e_conv2.bias": (1,),
    }


def test_width_multiplier() -> None:
    assert methods.get_method("lnet-gie:wm=1.0", use_shipped=False).num_params == 12 + 84
    assert methods.get_method("lnet-gie:wm=0.34", use_shipped=False).num_params == 14
    for bad in ("0.2", "0.7", "0.9"):
        with pytest.raises(SpecError, match="broadcasts over RGB"):
            methods.get_method(f"lnet-gie:wm={bad}")


@pytest.mark.parametrize("wm", [0.5, 1.0])
def test_rm_one_is_exactly_the_authors_network(wm: float) -> None:
    m, state = _method_with_state(f"lnet-gie:rm=1.0,wm={wm}")
    x = deterministic_image((2, 3, 31, 44), seed=3)
    expected = _authors_forward(state, x).clamp(0, 1)
    assert torch.allclose(m.enhance(x), expected, atol=1e-6)


def test_rm_estimates_k_at_reduced_resolution() -> None:
    m, state = _method_with_state("lnet-gie:rm=0.5")
    x = deterministic_image((1, 3, 40, 30), seed=4)
    small = F.interpolate(x, size=(20, 15), mode="area")
    k = F.relu(F.conv2d(small, state["e_conv1.weight"], state["e_conv1.bias"]))
    k = F.relu(F.conv2d(k, state["e_conv2.weight"], state["e_conv2.bias"], padding=1))
    k = F.interpolate(k, size=(40, 30), mode="bilinear", align_corners=False)
    expected = F.relu(k * x - k + 1).clamp(0, 1)
    got = m.enhance(x)
    assert torch.allclose(got, expected, atol=1e-6)
    full, _ = _method_with_state("lnet-gie:rm=1.0")
    assert not torch.allclose(got, full.enhance(x), atol=1e-4)  # rm changes the result


@pytest.mark.parametrize("size", [(1, 1), (5, 3), (37, 53)])
def test_any_size_works(size: tuple[int, int]) -> None:
    m, _ = _method_with_state("lnet-gie:rm=0.25")
    x = torch.rand(2, 3, *size)
    assert m.enhance(x).shape == x.shape


def test_loads_the_authors_checkpoint_layout(tmp_path) -> None:
    _m, state = _method_with_state("lnet-gie", seed=5)
    path = tmp_path / "final_model.pth"
    torch.save({f"module.{k}": v for k, v in state.items()}, path)
    fresh = methods.get_method("lnet-gie", weights=path)
    assert fresh.weights is not None and fresh.weights.source == "user"
    for key, value in state.items():
        assert torch.equal(fresh.module.state_dict()[key], value)


def test_wrong_width_checkpoint_names_the_mismatch(tmp_path) -> None:
    _, state = _method_with_state("lnet-gie:wm=1.0")
    path = tmp_path / "wide.pth"
    torch.save(state, path)
    with pytest.raises(WeightsError, match=r"shape mismatch .*e_conv1.weight \(3, 3, 1, 1\)"):
        methods.get_method("lnet-gie", weights=path)


def test_procedure1_copies_aodnet_rows_from_any_port_state() -> None:
    aod = methods.get_method("aodnet", use_shipped=False)
    aod_state = deterministic_like(aod.module.state_dict(), seed=7)
    for wm, rows in ((0.5, 1), (1.0, 3)):
        m = methods.get_method(f"lnet-gie:wm={wm}", use_shipped=False)
        copy_aodnet_rows(m.module, aod_state)
        assert torch.equal(m.module.e_conv1.weight, aod_state["e_conv1.weight"][:rows])
        assert torch.equal(m.module.e_conv1.bias, aod_state["e_conv1.bias"][:rows])


def test_procedure1_from_the_public_aodnet_file(aod_weights) -> None:
    m = methods.get_method("lnet-gie", use_shipped=False)
    record = m.init_from_aodnet(aod_weights)
    public = torch.load(aod_weights, map_location="cpu", weights_only=True)
    assert torch.equal(m.module.e_conv1.weight, public["e_conv1.weight"][:1])
    assert torch.equal(m.module.e_conv1.bias, public["e_conv1.bias"][:1])
    assert record["rows"] == 1 and len(record["e_conv1"]["sha256"]) == 64


def test_procedure1_rejects_non_aodnet_state() -> None:
    m = methods.get_method("lnet-gie", use_shipped=False)
    with pytest.raises(WeightsError, match="not AOD-Net weights"):
        copy_aodnet_rows(m.module, {"conv.weight": torch.zeros(3, 3, 1, 1)})


def test_training_starts_from_procedure1_by_default(tmp_path, aod_weights) -> None:
    m = methods.get_method("lnet-gie", use_shipped=False)
    assert m.default_init() == "aodnet" and "aodnet" in m.named_inits
    record = m.apply_init(str(aod_weights))
    assert record is not None and record["kind"] == "aodnet-e_conv1-rows"
    assert (record["source"], record["path"]) == ("file", str(aod_weights))
    own = tmp_path / "own.pth"
    torch.save(m.module.state_dict(), own)
    assert m.apply_init(str(own)) is None  # LNet-GIE weights: the trainer loads them


def test_init_comparison_lists_random_and_aodnet_starts(tmp_path, monkeypatch) -> None:
    from methods import lnet_gie

    m = methods.get_method("lnet-gie", use_shipped=False)
    public = tmp_path / "dehazer.pth"
    public.write_bytes(b"")
    monkeypatch.setattr(lnet_gie, "shipped_weights_for", lambda spec: tmp_path / "aod.pth")
    comparison = m.init_comparison({"aodnet-public": public})
    assert comparison.inits == {
        "random": "random",
        "aodnet-shipped": "aodnet",
        "aodnet-public": str(public),
    }
    assert comparison.title == "random vs AOD-Net initialisation"
    with pytest.raises(InitError, match="file not found"):
        m.init_comparison({"aodnet-public": tmp_path / "missing.pth"})
    monkeypatch.setattr(lnet_gie, "shipped_weights_for", lambda spec: None)
    with pytest.raises(InitError, match="nothing to compare"):
        m.init_comparison()
