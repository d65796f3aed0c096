"""AOD-Net: 1,761 parameters, the port's key layout, and the port's outputs on its public weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

import methods
from tests.methods.reference_weights import deterministic_image

REFERENCE = Path(__file__).parent / "reference" / "aodnet_port.npz"
# sha256 of ../shared/weights/aodnet_dehazer.pth (MayankSingal/PyTorch-Image-Dehazing snapshots)
PUBLIC_SHA256 = "79409b63bf019d6c7ca6903883a8635d5723c25406f74903751bd7459462a53b"


def test_exactly_1761_parameters_with_port_keys() -> None:
    m = methods.get_method("aodnet", use_shipped=False)
    assert m.num_params == 1761
    assert sorted(m.module.state_dict()) == sorted(
        f"e_conv{i}.{p}" for i in range(1, 6) for p in ("weight", "bias")
    )
    assert 10_000 < m.file_size_bytes < 13_000  # the paper's Table 2: 11 KB


def test_public_gpu_saved_weights_load_and_reproduce_the_port(aod_weights) -> None:
    m = methods.get_method("aodnet", weights=aod_weights)
    assert m.weights is not None and m.weights.sha256 == PUBLIC_SHA256
    x = deterministic_image((2, 3, 37, 45), seed=1)
    expected = np.load(REFERENCE)["output"]
    got = m.enhance(x).numpy()
    assert np.abs(got - expected).max() < 1e-6


def test_wrapped_and_prefixed_port_files_load(tmp_path, aod_weights) -> None:
    state = torch.load(aod_weights, map_location="cpu", weights_only=True)
    for i, wrapped in enumerate(
        (
            {"state_dict": state},
            {"model": {f"module.{k}": v for k, v in state.items()}},
            {f"_orig_mod.{k}": v for k, v in state.items()},
        )
    ):
        path = tmp_path / f"variant{i}.pth"
        torch.save(wrapped, path)
        m = methods.get_method("aodnet", weights=path)
        assert torch.equal(m.module.e_conv5.weight, state["e_conv5.weight"])
