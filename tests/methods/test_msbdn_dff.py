"""MSBDN-DFF: registry, parameter counts, shapes, the pickled whole-model checkpoint, references."""

from __future__ import annotations

import contextlib
import importlib.util
import pathlib
import pickle
import sys
import types
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import methods
import methods.msbdn_dff as msbdn
from methods.core.errors import UnsafeWeightsError, WeightsError
from tests.conftest import requires_cuda
from tests.methods.reference_weights import deterministic_image, deterministic_like

REFERENCE = Path(__file__).resolve().parent / "reference" / "msbdn_dff.npz"
#: gain of the deterministic weights used for the reference (see RECIPE.md)
GAIN = 0.3
#: our class -> (the authors' module, class name) that `torch.save(model)` in train.py records
AUTHORS_NAMES: dict[type[nn.Module], tuple[str, str]] = {
    msbdn.MSBDNDFF: ("networks.MSBDN-DFF-v1-1", "Net"),
    msbdn.ResidualBlock: ("networks.MSBDN-DFF-v1-1", "ResidualBlock"),
    msbdn.ConvLayer: ("networks.MSBDN-DFF-v1-1", "ConvLayer"),
    msbdn.UpsampleConvLayer: ("networks.MSBDN-DFF-v1-1", "UpsampleConvLayer"),
    msbdn.EncoderFusion: ("networks.base_networks", "Encoder_MDCBlock1"),
    msbdn.DecoderFusion: ("networks.base_networks", "Decoder_MDCBlock1"),
    msbdn.ConvPReLU: ("networks.base_networks", "ConvBlock"),
    msbdn.DeconvPReLU: ("networks.base_networks", "DeconvBlock"),
}


@pytest.fixture(scope="module")
def reference_state() -> dict[str, torch.Tensor]:
    """The deterministic weights of the stored reference outputs."""
    with torch.device("meta"):
        template = msbdn.MSBDNDFF().state_dict()
    return deterministic_like(template, seed=0, gain=GAIN)


@pytest.fixture(scope="module")
def method(reference_state) -> methods.Method:
    """One method instance with the reference weights (building 31M parameters takes time)."""
    instance = methods.get_method("msbdn-dff")
    instance.module.load_state_dict(reference_state)
    return instance


def assert_holds(method: methods.Method, state: dict[str, torch.Tensor]) -> None:
    """The method's module holds exactly `state`."""
    for key, value in method.module.state_dict().items():
        assert torch.equal(value, state[key]), key


@contextlib.contextmanager
def authors_modules() -> Iterator[dict[type[nn.Module], type[nn.Module]]]:
    """Temporarily register stand-ins of the authors' `networks.*` modules in sys.modules.

    Yields our class -> a class of the same name living under the authors' module path, so a
    module tree re-classed with them pickles exactly like the authors' `torch.save(model)`.
    """
    fake: dict[str, types.ModuleType] = {"networks": types.ModuleType("networks")}
    fake["networks"].__path__ = []
    classes: dict[type[nn.Module], type[nn.Module]] = {}
    for ours, (module_name, class_name) in AUTHORS_NAMES.items():
        module = fake.setdefault(module_name, types.ModuleType(module_name))
        cls = type(
            class_name, (nn.Module,), {"__module__": module_name, "__qualname__": class_name}
        )
        setattr(module, class_name, cls)
        classes[ours] = cls
    assert not set(fake) & set(sys.modules)
    sys.modules.update(fake)
    try:
        yield classes
    finally:
        for name in fake:
            del sys.modules[name]


def save_authors_model(state: dict[str, torch.Tensor], path: Path, legacy: bool) -> None:
    """Write a whole-model pickle like the released model.pkl (classes in `networks.*`)."""
    with torch.device("meta"):
        net = msbdn.MSBDNDFF()
    net.load_state_dict(state, assign=True)
    with authors_modules() as classes, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy format: "Couldn't retrieve source code ..."
        for module in net.modules():
            if type(module) in classes:
                module.__class__ = classes[type(module)]
        # torch < 1.6 (the authors' era) wrote the legacy format; newer torch writes a zip
        torch.save(net, path, _use_new_zipfile_serialization=not legacy)
    assert importlib.util.find_spec("networks") is None  # the authors' code is not importable


@pytest.fixture(scope="module")
def authors_pkl(tmp_path_factory, reference_state) -> Path:
    """A pickled whole model in the authors' format (legacy serialization), reference weights."""
    path = tmp_path_factory.mktemp("msbdn") / "model.pkl"
    save_authors_model(reference_state, path, legacy=True)
    return path


def test_registry_names(method) -> None:
    assert isinstance(method, msbdn.MSBDNDFFMethod)
    assert method.name == "msbdn-dff" and method.display_name == "MSBDN-DFF"
    assert method.kind == "neural" and method.size_multiple == 16


def test_parameter_count_and_the_papers_per_call_count(method) -> None:
    """31,353,061 learnable parameters; the paper's 36,845,053 counts reused layers per call."""
    assert method.num_params == 31_353_061
    per_call: list[int] = []
    handles = []
    for leaf in (m for m in method.module.modules() if not list(m.children())):
        own = sum(p.numel() for p in leaf.parameters(recurse=False))
        handles.append(leaf.register_forward_hook(lambda *_, n=own: per_call.append(n)))
    try:
        method.enhance(torch.rand(1, 3, 32, 32))
    finally:
        for handle in handles:
            handle.remove()
    assert sum(per_call) == 36_845_053  # a thop-style counter that counts every call


def test_matches_official_reference(method) -> None:
    ref = np.load(REFERENCE)
    for size in ("32x32", "37x45"):
        height, width = map(int, size.split("x"))
        x = deterministic_image((1, 3, height, width), seed=1)
        with torch.no_grad():
            raw = method.forward(x).numpy()
        np.testing.assert_allclose(raw, ref[f"raw_{size}"], rtol=0, atol=2e-5)
        # the official test.py's final image: clamp(model(x), 0, 1)
        np.testing.assert_allclose(method.enhance(x).numpy(), ref[f"out_{size}"], rtol=0, atol=2e-5)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda s: {"module." + k: v for k, v in s.items()},
        lambda s: {"model": {"module." + k: v for k, v in s.items()}, "epoch": 3},
    ],
    ids=["module-prefix", "model-wrapper"],
)
def test_loads_state_dict_variants(tmp_path: Path, reference_state, wrap) -> None:
    path = tmp_path / "w.pth"
    torch.save(wrap(reference_state), path)
    loaded = methods.get_method("msbdn-dff", weights=path)
    assert loaded.is_ready
    assert_holds(loaded, reference_state)


def test_pickled_whole_model_is_refused_without_trust(authors_pkl: Path) -> None:
    fresh = methods.get_method("msbdn-dff")
    with pytest.raises(UnsafeWeightsError, match="--trust-weights"):
        fresh.load_weights(authors_pkl)
    assert not fresh.is_ready
    with pytest.raises(UnsafeWeightsError, match="--trust-weights"):
        methods.get_method("msbdn-dff", weights=authors_pkl)


def test_pickled_whole_model_loads_with_trust_and_reproduces_reference(
    authors_pkl: Path, reference_state
) -> None:
    loaded = methods.get_method("msbdn-dff", weights=authors_pkl, trust_weights=True)
    assert loaded.is_ready and "networks" not in sys.modules
    assert_holds(loaded, reference_state)
    x = deterministic_image((1, 3, 32, 32), seed=1)
    expected = np.load(REFERENCE)["out_32x32"]
    np.testing.assert_allclose(loaded.enhance(x).numpy(), expected, rtol=0, atol=2e-5)


def test_pickled_whole_model_in_zip_format(method, tmp_path: Path, reference_state) -> None:
    path = tmp_path / "model.pkl"
    save_authors_model(reference_state, path, legacy=False)
    with pytest.raises(UnsafeWeightsError):
        method.read_checkpoint(path, trust=False)
    unpickled = method.read_checkpoint(path, trust=True)
    assert isinstance(unpickled, msbdn.AuthorsModulePlaceholder)
    state = unpickled.state_dict()
    assert set(state) == set(reference_state)
    assert all(torch.equal(state[k], v) for k, v in reference_state.items())


def test_convert_to_state_dict_gives_a_safe_file(tmp_path: Path, authors_pkl, reference_state):
    out = tmp_path / "msbdn_dff.pth"
    state = msbdn.convert_to_state_dict(authors_pkl, out)
    assert set(state) == set(reference_state)
    safe = torch.load(out, map_location="cpu", weights_only=True)  # no trust needed any more
    assert set(safe) == set(reference_state)
    assert all(torch.equal(safe[k], v) for k, v in reference_state.items())


class TouchOnUnpickle:
    """A payload whose unpickling creates a file: stands for arbitrary code in a checkpoint."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[pathlib.Path]]:
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


@pytest.mark.parametrize("writer", ["torch.save", "pickle.dump"])
def test_refusal_runs_no_code(method, tmp_path: Path, writer: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    payload = {"state_dict": TouchOnUnpickle(marker)}
    if writer == "torch.save":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(UnsafeWeightsError):
        method.read_checkpoint(path, trust=False)
    assert not marker.exists()
    # the payload is live: trusting the file does run it (and then finds no weights)
    with pytest.raises(WeightsError):
        method.load_weights(path, trust=True)
    assert marker.exists()


def test_wrong_architecture_fails_clearly(tmp_path: Path, reference_state) -> None:
    state = {"module." + k: v for k, v in reference_state.items()}
    del state["module.fusion4.down_convs.3.conv.weight"]
    state["module.dense4.0.conv1.conv2d.weight"] = torch.zeros(1)
    path = tmp_path / "model.pth"
    torch.save(state, path)
    fresh = methods.get_method("msbdn-dff")
    with pytest.raises(
        WeightsError, match=r"missing keys \[fusion4\.down_convs\.3\.conv\.weight\]"
    ):
        fresh.load_weights(path)
    with pytest.raises(WeightsError, match=r"unexpected keys \[dense4\.0\.conv1\.conv2d\.weight\]"):
        fresh.load_weights(path)
    assert not fresh.is_ready


@requires_cuda
def test_cuda_matches_cpu(method, reference_state, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)  # TF32 convs: ~1e-3 off
    x = deterministic_image((1, 3, 37, 45), seed=1)
    gpu = methods.get_method("msbdn-dff", device="cuda")
    gpu.module.load_state_dict(reference_state)
    torch.testing.assert_close(gpu.enhance(x.cuda()).cpu(), method.enhance(x), rtol=0, atol=1e-4)
