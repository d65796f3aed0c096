"""DA_dehazing: registry, parameter count, shapes, the F_S / F_R checkpoints, BN modes, references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import methods
import methods.da_dehazing as da
from methods.core.errors import SpecError, WeightsError
from methods.core.padding import pad_to_min_size
from tests.conftest import requires_cuda
from tests.methods.reference_weights import deterministic_image, deterministic_like

REFERENCE = Path(__file__).resolve().parent / "reference" / "da_dehazing.npz"
#: gain of the deterministic weights used for the reference (see RECIPE.md)
GAIN = 1.0
#: the 18 state_dict keys of the one PReLU shared by all blocks
PRELU_KEYS = (
    ["conv1.3.weight"]
    + [f"conv{i}.model.{j}.weight" for i in (2, 3, 4) for j in (2, 5)]
    + [f"center.{i}.nonlinearity.weight" for i in range(3)]
    + [
        f"{name}.model.{j}.weight"
        for name in ("center.3", "deconv4", "deconv3", "deconv2")
        for j in (3, 6)
    ]
)


@pytest.fixture(scope="module")
def reference_state() -> dict[str, torch.Tensor]:
    """The reference weights: deterministic, with one value for all keys of the shared PReLU."""
    with torch.device("meta"):
        template = da.DAUNet().state_dict()
    state = deterministic_like(template, seed=0, gain=GAIN)
    for key, value in state.items():
        if value.is_meta:  # integer buffers (num_batches_tracked) are zeros_like(template)
            state[key] = torch.zeros((), dtype=value.dtype)
    for key in PRELU_KEYS:
        state[key] = state["conv1.3.weight"].clone()
    return state


@pytest.fixture(scope="module")
def method(reference_state) -> methods.Method:
    """One method instance (bn=running) with the reference weights (54.6M parameters)."""
    instance = methods.get_method("da-dehazing")
    instance.module.load_state_dict(reference_state)
    return instance


def data_parallel(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The released files' layout: saved from the nn.DataParallel wrapper of init_net."""
    return {"module." + key: value for key, value in state.items()}


def test_registry_names_and_spec(method) -> None:
    assert isinstance(method, da.DADehazingMethod)
    assert method.name == "da-dehazing" and method.display_name == "DA_dehazing"
    assert method.kind == "neural" and method.size_multiple == 16
    assert method.spec == "da-dehazing"
    assert methods.canonical_spec("da-dehazing:bn=image") == "da-dehazing:bn=image"
    with pytest.raises(SpecError, match="bn must be one of running, image"):
        methods.canonical_spec("da-dehazing:bn=batch")


def test_parameter_count_and_shared_prelu(method) -> None:
    assert method.num_params == 54_591_388
    module = method.module
    assert module.conv1[3] is module.deconv2.model[6] is module.center[0].nonlinearity
    prelu_keys = [k for k, v in module.state_dict().items() if v.shape == (1,)]
    assert prelu_keys == list(PRELU_KEYS)


def test_matches_official_reference(method) -> None:
    ref = np.load(REFERENCE)
    x96 = deterministic_image((1, 3, 96, 96), seed=1)  # the smallest size the network takes
    with torch.no_grad():
        np.testing.assert_allclose(method.forward(x96).numpy(), ref["out_96x96"], atol=2e-5, rtol=0)
    odd = deterministic_image((1, 3, 37, 45), seed=1)  # padded to 48 (x16), then to 96
    y = method.enhance(odd)
    assert y.shape == odd.shape and float(y.min()) >= 0.0 and float(y.max()) <= 1.0
    np.testing.assert_allclose(y.numpy(), ref["out_37x45"], atol=2e-5, rtol=0)


def test_image_statistics_mode_matches_the_official_test_script(method) -> None:
    """bn=image: what test.py computes, as it never calls .eval() (batch of one image)."""
    on_meta = methods.get_method("da-dehazing:bn=image", device="meta")  # nothing allocated
    norms = [m for m in on_meta.module.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 21 and all(isinstance(m, da.ImageStatsBatchNorm2d) for m in norms)
    assert all(m.per_image for m in norms) and not any(m.training for m in norms)
    x = deterministic_image((1, 3, 32, 32), seed=1)
    expected = np.load(REFERENCE)["image_bn_32x32"]
    method.module.set_per_image_bn(True)  # what bn=image sets (reuses the loaded weights)
    try:
        got = method.enhance(x).numpy()
    finally:
        method.module.set_per_image_bn(False)
    np.testing.assert_allclose(got, expected, atol=2e-5, rtol=0)
    assert np.abs(method.enhance(x).numpy() - expected).max() > 1e-2  # running stats differ


def test_image_statistics_batchnorm_is_per_image_train_mode_bn() -> None:
    torch.manual_seed(0)
    ours, plain = da.ImageStatsBatchNorm2d(4), nn.BatchNorm2d(4)
    with torch.no_grad():
        ours.weight.uniform_(0.5, 1.5)
        ours.bias.normal_()
    plain.load_state_dict(ours.state_dict())
    ours.per_image = True
    ours.eval()
    x = torch.randn(3, 4, 6, 5)
    expected = torch.cat([plain.train()(x[i : i + 1]) for i in range(3)])
    torch.testing.assert_close(ours(x), expected)
    assert torch.equal(ours.running_mean, torch.zeros(4))  # running statistics untouched


@pytest.mark.parametrize("size", [(1, 1), (1, 50), (5, 3), (48, 48), (96, 112)])
def test_pad_to_min_size_keeps_the_image_top_left(size: tuple[int, int]) -> None:
    x = torch.rand(2, 3, *size)
    padded = pad_to_min_size(x, da.MIN_SIZE)
    assert padded.shape[-2:] == (max(size[0], 96), max(size[1], 96))
    assert torch.equal(padded[..., : size[0], : size[1]], x)


@pytest.mark.parametrize(
    ("filename", "legacy"),
    [("30_netS_Dehazing.pth", True), ("30_netR_Dehazing.pth", False)],
    ids=["F_S-legacy-format", "F_R-zip-format"],
)
def test_loads_released_formats(tmp_path: Path, reference_state, filename, legacy) -> None:
    """Both released nets are DataParallel state_dicts of the same architecture."""
    path = tmp_path / filename
    torch.save(data_parallel(reference_state), path, _use_new_zipfile_serialization=not legacy)
    loaded = methods.get_method("da-dehazing", weights=path)
    assert loaded.is_ready and not loaded.module.training
    for key, value in loaded.module.state_dict().items():
        assert torch.equal(value, reference_state[key]), key


def test_wrong_architecture_fails_clearly(method, tmp_path: Path, reference_state) -> None:
    state = data_parallel(reference_state)
    del state["module.output1.model.1.weight"]
    state["module.down0.0.weight"] = torch.zeros(1)  # e.g. a layers=5 network
    path = tmp_path / "latest_netR_Dehazing.pth"
    torch.save(state, path)
    with pytest.raises(WeightsError, match=r"missing keys \[output1\.model\.1\.weight\]"):
        method.load_weights(path)
    with pytest.raises(WeightsError, match=r"unexpected keys \[down0\.0\.weight\]"):
        method.load_weights(path)


@requires_cuda
def test_cuda_matches_cpu(method, reference_state, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)  # TF32 convs: ~1e-3 off
    x = deterministic_image((1, 3, 37, 45), seed=1)
    gpu = methods.get_method("da-dehazing", device="cuda")
    gpu.module.load_state_dict(reference_state)
    torch.testing.assert_close(gpu.enhance(x.cuda()).cpu(), method.enhance(x), rtol=0, atol=1e-4)
