"""GridDehazeNet: registry, parameter count, shapes, official checkpoint formats, references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import methods
import methods.griddehazenet as gdn
from methods.core.errors import WeightsError
from tests.conftest import requires_cuda
from tests.methods.reference_weights import deterministic_image, deterministic_like

REFERENCE = Path(__file__).resolve().parent / "reference" / "griddehazenet.npz"
#: gain of the deterministic weights used for the reference (see RECIPE.md)
GAIN = 0.5


def reference_state() -> dict[str, torch.Tensor]:
    """The deterministic weights of the reference; `coefficient` gets 1 + 0.25 * N(0, 1)
    (fan-in scaling would shrink the attention weights to ~0.04)."""
    state = deterministic_like(gdn.GridDehazeNet().state_dict(), seed=0, gain=GAIN)
    coefficient = state["coefficient"]
    fan_in = coefficient[0].numel()  # makes deterministic_like draw N(0, 1)
    unit = deterministic_like({"coefficient": coefficient}, seed=0, gain=fan_in)["coefficient"]
    state["coefficient"] = 1.0 + 0.25 * unit
    return state


def data_parallel(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The key layout of the released files, saved from an nn.DataParallel wrapper."""
    return {"module." + key: value for key, value in state.items()}


def loaded_method(tmp_path: Path, obj: object, **save_kwargs: object) -> methods.Method:
    """Save `obj` like a checkpoint file and load it through the registry."""
    path = tmp_path / "indoor_haze_best_3_6"
    torch.save(obj, path, **save_kwargs)
    return methods.get_method("griddehazenet", device="cpu", weights=path)


def test_registry_names() -> None:
    method = methods.get_method("griddehazenet")
    assert isinstance(method, gdn.GridDehazeNetMethod)
    assert method.name == "griddehazenet" and method.display_name == "GridDehazeNet"
    assert method.kind == "neural" and method.size_multiple == 1


def test_parameter_count_matches_official() -> None:
    assert methods.get_method("griddehazenet").num_params == 958_051


@pytest.mark.parametrize(
    ("wrap", "legacy"),
    [
        (data_parallel, True),  # the released files: DataParallel keys, pre-zip torch format
        (data_parallel, False),
        (lambda s: s, False),
        (lambda s: {"state_dict": data_parallel(s)}, False),
        (lambda s: {"net": s, "epoch": 9}, False),
    ],
    ids=["module-legacy", "module", "plain", "state_dict-wrapper", "net-wrapper"],
)
def test_loads_official_formats(tmp_path: Path, wrap, legacy: bool) -> None:
    state = reference_state()
    method = loaded_method(tmp_path, wrap(state), _use_new_zipfile_serialization=not legacy)
    assert method.is_ready and method.weights is not None
    for key, value in method.module.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_matches_official_reference(tmp_path: Path) -> None:
    ref = np.load(REFERENCE)
    method = loaded_method(tmp_path, data_parallel(reference_state()))
    x = deterministic_image((2, 3, 32, 48), seed=1)
    with torch.no_grad():
        out = method.forward(x).numpy()
        odd = method.forward(deterministic_image((1, 3, 37, 45), seed=1)).numpy()
    np.testing.assert_allclose(out, ref["output"], rtol=0, atol=2e-5)
    np.testing.assert_allclose(odd, ref["output_odd"], rtol=0, atol=2e-5)


def test_wrong_architecture_fails_clearly(tmp_path: Path) -> None:
    state = data_parallel(reference_state())
    del state["module.upsample_module.0_5.conv.weight"]
    state["module.rdb_module.0_5.conv_1x1.bias"] = torch.zeros(16)
    path = tmp_path / "outdoor_haze_best_3_5"
    torch.save(state, path)
    method = methods.get_method("griddehazenet")
    with pytest.raises(WeightsError, match=r"missing keys \[upsample_module\.0_5\.conv\.weight\]"):
        method.load_weights(path)
    with pytest.raises(WeightsError, match=r"unexpected keys \[rdb_module\.0_5\.conv_1x1\.bias\]"):
        method.load_weights(path)
    assert not method.is_ready


@requires_cuda
def test_cuda_matches_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)  # TF32 convs: ~1e-3 off
    path = tmp_path / "w.pth"
    torch.save(data_parallel(reference_state()), path)
    x = deterministic_image((1, 3, 37, 45), seed=1)
    cpu = methods.get_method("griddehazenet", device="cpu", weights=path).enhance(x)
    gpu = methods.get_method("griddehazenet", device="cuda", weights=path).enhance(x.cuda())
    torch.testing.assert_close(gpu.cpu(), cpu, rtol=0, atol=1e-4)
