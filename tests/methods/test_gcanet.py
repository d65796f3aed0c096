"""GCANet: registry, parameter count, shapes, official checkpoint formats, reference outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import methods
import methods.gcanet as gcanet
from methods.core.errors import WeightsError
from tests.conftest import requires_cuda
from tests.methods.reference_weights import deterministic_image, deterministic_like

REFERENCE = Path(__file__).resolve().parent / "reference" / "gcanet.npz"
#: gain of the deterministic weights used for the reference (see RECIPE.md): it makes the
#: predicted residual ~18 grey levels (std), so the residual matters in the compared output
GAIN = 1000.0


def reference_state() -> dict[str, torch.Tensor]:
    """The deterministic weights the reference outputs were computed with."""
    return deterministic_like(gcanet.GCANet().state_dict(), seed=0, gain=GAIN)


def loaded_method(tmp_path: Path, obj: object, **save_kwargs: object) -> methods.Method:
    """Save `obj` like a checkpoint file and load it through the registry."""
    path = tmp_path / "wacv_gcanet_dehaze.pth"
    torch.save(obj, path, **save_kwargs)
    return methods.get_method("gcanet", device="cpu", weights=path)


def test_registry_names() -> None:
    method = methods.get_method("gcanet")
    assert isinstance(method, gcanet.GCANetMethod)
    assert method.name == "gcanet" and method.display_name == "GCANet"
    assert method.kind == "neural" and method.size_multiple == 4


def test_parameter_count_matches_official() -> None:
    assert methods.get_method("gcanet").num_params == 702_818


def test_edge_map_matches_definition() -> None:
    img = torch.tensor([[[[0.0, 3.0], [6.0, 12.0]]]]).expand(1, 3, 2, 2)
    # per pixel: |horizontal neighbour diff| + |vertical neighbour diff|, channel mean, / 4
    expected = torch.tensor([[[[3.0 + 6.0, 3.0 + 9.0], [6.0 + 6.0, 6.0 + 9.0]]]]) / 4
    assert torch.allclose(gcanet.edge_map(img), expected)


@pytest.mark.parametrize(
    ("wrap", "legacy"),
    [
        (lambda s: s, True),  # the released file: plain state_dict, pre-zip torch format
        (lambda s: s, False),
        (lambda s: {"module." + k: v for k, v in s.items()}, False),
        (lambda s: {"state_dict": s, "epoch": 3}, False),
        (lambda s: {"model": {"module." + k: v for k, v in s.items()}}, False),
    ],
    ids=["plain-legacy", "plain", "module-prefix", "state_dict-wrapper", "model-wrapper"],
)
def test_loads_official_formats(tmp_path: Path, wrap, legacy: bool) -> None:
    state = reference_state()
    method = loaded_method(tmp_path, wrap(state), _use_new_zipfile_serialization=not legacy)
    assert method.is_ready and method.weights is not None
    for key, value in method.module.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_matches_official_reference(tmp_path: Path) -> None:
    ref = np.load(REFERENCE)
    method = loaded_method(tmp_path, reference_state())
    x = deterministic_image((2, 3, 32, 48), seed=1)  # a multiple of 4: no padding
    with torch.no_grad():
        out = method.forward(x).numpy()
        odd = method.forward(deterministic_image((1, 3, 37, 45), seed=1)).numpy()
    residual = (out - x.numpy()) * 255.0  # the network's prediction, in grey levels
    np.testing.assert_allclose(residual, ref["residual"], rtol=0, atol=1e-5 * 255)
    np.testing.assert_allclose(out, ref["output"], rtol=0, atol=2e-5)
    np.testing.assert_allclose(odd, ref["output_odd"], rtol=0, atol=2e-5)


def test_wrong_architecture_fails_clearly(tmp_path: Path) -> None:
    state = reference_state()
    del state["res7.conv2.weight"]
    state["res8.conv1.weight"] = torch.zeros(64, 64, 3, 3)
    path = tmp_path / "other.pth"
    torch.save(state, path)
    method = methods.get_method("gcanet")
    with pytest.raises(WeightsError, match=r"missing keys \[res7\.conv2\.weight\]") as info:
        method.load_weights(path)
    assert "unexpected keys [res8.conv1.weight]" in str(info.value)
    assert not method.is_ready


@requires_cuda
def test_cuda_matches_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)  # TF32 convs: ~1e-3 off
    path = tmp_path / "w.pth"
    torch.save(reference_state(), path)
    x = deterministic_image((1, 3, 37, 45), seed=1)
    cpu = methods.get_method("gcanet", device="cpu", weights=path).enhance(x)
    gpu = methods.get_method("gcanet", device="cuda", weights=path).enhance(x.cuda())
    torch.testing.assert_close(gpu.cpu(), cpu, rtol=0, atol=1e-4)
