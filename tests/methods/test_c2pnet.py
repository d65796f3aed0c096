"""C2PNet: 7,169,327 parameters, the authors' checkpoint format, and the official test pipeline.

tests/methods/reference/c2pnet.npz holds the official network's outputs (YuZheng9/C2PNet,
dehaze.py pipeline: plain [0,1] input, network, clamp) for deterministic weights; see RECIPE.md.
"""

from __future__ import annotations

import importlib
import pickle
import types
from pathlib import Path

import numpy as np
import pytest
import torch

import methods
import methods.c2pnet  # registers "c2pnet"
from methods.core.errors import WeightsError
from tests.conftest import requires_cuda
from tests.methods.reference_weights import deterministic_image, deterministic_like

REFERENCE = Path(__file__).parent / "reference" / "c2pnet.npz"
GAIN = 0.25  # the gain the reference was computed with (keeps 57 residual blocks in range)
INPUTS = {"24": ((2, 3, 24, 24), 1), "37x45": ((1, 3, 37, 45), 2)}  # tag -> (shape, seed)
#: the bar: max abs difference relative to the output's scale (measured: 0 here, <= 1.4e-6 elsewhere)
REL_TOL = 2e-5
try:
    NUMPY_SCALAR = importlib.import_module("numpy._core.multiarray").scalar
except ImportError:  # numpy < 2 writes the numpy 1.x path anyway
    NUMPY_SCALAR = importlib.import_module("numpy.core.multiarray").scalar


@pytest.fixture(scope="module")
def state() -> dict[str, torch.Tensor]:
    """The deterministic weights the reference outputs were computed with."""
    template = methods.get_method("c2pnet", use_shipped=False).module.state_dict()
    return deterministic_like(template, seed=0, gain=GAIN)


def official_checkpoint(state: dict[str, torch.Tensor], prefix: str = "") -> dict:
    """What main.py saves: histories (numpy float64 scalars), curriculum weights, the weights.

    The released ITS.pkl/OTS.pkl load into the bare network in dehaze.py, so they have no
    prefix; checkpoints trained on CUDA (DataParallel) have 'module.'.
    """
    return {
        "step": 5000,
        "max_psnr": np.float64(36.5),
        "max_ssim": np.float64(0.99),
        "ssims": [np.float64(0.98), np.float64(0.99)],
        "psnrs": [np.float64(35.0), np.float64(36.5)],
        "losses": [0.08, 0.05],
        "model": {f"{prefix}{k}": v for k, v in state.items()},
        "weight": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4],
    }


class _Numpy1Pickler(pickle._Pickler):
    """A pickler that names numpy's `scalar` by its numpy 1.x path, as files from 2023 do."""

    def save_global(self, obj: object, name: str | None = None) -> None:
        if obj is NUMPY_SCALAR:
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\nscalar\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


def save_with_numpy1_names(obj: object, path: Path) -> None:
    """torch.save (zip format, as torch 1.10 wrote) as under numpy 1.x."""
    module = types.ModuleType("numpy1_pickle")
    module.Pickler = _Numpy1Pickler  # type: ignore[attr-defined]
    module.dump = pickle.dump  # type: ignore[attr-defined]
    torch.save(obj, path, pickle_module=module)


def test_registry_names_and_exact_parameter_count() -> None:
    m = methods.get_method("c2pnet", use_shipped=False)
    assert (m.name, m.display_name, m.kind) == ("c2pnet", "C2PNet", "neural")
    assert m.num_params == 7_169_327
    keys = list(m.module.state_dict())
    assert len(keys) == 1052
    assert keys[0] == "g1.gp.0.conv1.weight" and keys[-1] == "post.1.bias"  # the authors' order
    for key in (
        "g3.gp.18.pdu.td.3.weight",
        "g1.gp.0.pdu.ka.2.bias",
        "ca.3.bias",
        "pdu.td.1.weight",
    ):
        assert key in keys
    assert not any("palayer" in key for key in keys)


@pytest.mark.parametrize("style", ["released-numpy1", "dataparallel-numpy2"])
def test_official_checkpoint_loads_safely_and_reproduces_official_outputs(
    tmp_path: Path, state: dict[str, torch.Tensor], style: str
) -> None:
    path = tmp_path / "ITS.pkl"
    if style == "released-numpy1":
        save_with_numpy1_names(official_checkpoint(state), path)
    else:
        torch.save(official_checkpoint(state, prefix="module."), path)
    m = methods.get_method("c2pnet", weights=path)  # trust=False: weights_only loading
    assert m.is_ready and m.weights is not None and m.weights.source == "user"
    assert torch.equal(m.module.pdu.td[3].weight, state["pdu.td.3.weight"])
    if style != "released-numpy1":
        return  # the forward pass is checked once, on the released files' format
    reference = np.load(REFERENCE)
    for tag, (shape, seed) in INPUTS.items():
        x = deterministic_image(shape, seed=seed)
        pred, output = reference[f"pred_{tag}"], reference[f"output_{tag}"]
        tol = REL_TOL * float(np.abs(pred).max())
        with torch.no_grad():
            got = m.forward(x).numpy()
        assert got.shape == shape
        assert np.abs(got - pred).max() <= tol, tag
        assert np.abs(np.clip(got, 0, 1) - output).max() <= tol, tag


def test_wrapper_and_prefix_variants_load(tmp_path: Path, state: dict[str, torch.Tensor]) -> None:
    variants = (
        state,
        {"state_dict": {f"module.{k}": v for k, v in state.items()}},
        {f"_orig_mod.{k}": v for k, v in state.items()},
    )
    for i, obj in enumerate(variants):
        path = tmp_path / f"variant{i}.pth"
        torch.save(obj, path)
        m = methods.get_method("c2pnet", weights=path)
        assert torch.equal(m.module.g2.gp[7].pdu.ka[2].bias, state["g2.gp.7.pdu.ka.2.bias"])


def test_wrong_architecture_names_missing_and_unexpected_keys(tmp_path: Path) -> None:
    path = tmp_path / "aod.pth"
    torch.save({"model": methods.get_method("aodnet", use_shipped=False).module.state_dict()}, path)
    with pytest.raises(WeightsError) as info:
        methods.get_method("c2pnet", weights=path)
    text = str(info.value)
    assert "missing keys" in text and "g1.gp.0.conv1.weight" in text
    assert "unexpected keys" in text and "e_conv1.weight" in text


@requires_cuda
def test_cuda_matches_cpu(state: dict[str, torch.Tensor]) -> None:
    shape, seed = INPUTS["24"]
    x = deterministic_image(shape, seed=seed)
    outs = []
    tf32 = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False  # compare full float32 arithmetic
    try:
        for device in ("cpu", "cuda"):
            m = methods.get_method("c2pnet", device=device, use_shipped=False)
            m.module.load_state_dict(state)
            with torch.no_grad():
                outs.append(m.forward(x.to(device)).cpu())
    finally:
        torch.backends.cudnn.allow_tf32 = tf32
    scale = float(outs[0].abs().max())
    assert float((outs[0] - outs[1]).abs().max()) <= 1e-4 * scale
