"""AOD-Net's fused OpenCV kernel gives the eager network's numbers to 1e-5 (8.3e-7 seen at most).

The eager torch module is the reference (itself checked against the port's outputs on its public
weights in test_aodnet.py); the real frames and the port's weights come from ../shared. The
largest differences seen: 8.3e-7 with the port's weights on the real 1080p frame, 2.7e-7 with
the random weights below (float32 sums in another order than oneDNN's).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
import torch

import methods
from methods.aodnet import AODNet
from methods.core.fused_aodnet import aodnet_cpu
from tests.methods.reference_weights import deterministic_like


def _network(seed: int) -> AODNet:
    net = AODNet().eval()
    net.load_state_dict(deterministic_like(net.state_dict(), seed=seed))
    return net


def _frame(path: Path) -> torch.Tensor:
    """An RGB image file as a (1,3,H,W) float tensor in [0,1]."""
    img = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    return torch.from_numpy(img).permute(2, 0, 1)[None].float().div(255).contiguous()


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    ("batch", "height", "width"),
    [(2, 64, 96), (3, 67, 93), (2, 5, 7), (1, 1, 1), (2, 2, 9), (1, 40, 3)],
)
def test_fused_aodnet_equals_the_eager_network(
    seed: int, batch: int, height: int, width: int
) -> None:
    # sizes below the 7x7 kernel's reach exercise the zero padding on every side at once
    net = _network(seed)
    x = torch.rand(batch, 3, height, width, generator=torch.Generator().manual_seed(seed + 7))
    with torch.inference_mode():
        eager = net(x).clamp(0, 1)
        fused = aodnet_cpu(x, net)
    assert fused.shape == eager.shape
    assert float((fused - eager).abs().max()) <= 1e-5


def test_default_cpu_path_is_the_fused_kernel() -> None:
    method = methods.get_method("aodnet", use_shipped=False)
    method.module.load_state_dict(deterministic_like(method.module.state_dict(), seed=3))
    x = torch.rand(2, 3, 33, 47, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        reference = method.module(x).clamp(0, 1)
    assert float((method.enhance(x) - reference).abs().max()) <= 1e-5
    assert method.backend.path == "fused"
    assert method.backend.max_abs_diff_vs_eager is not None
    assert method.backend.max_abs_diff_vs_eager <= 1e-5


def test_non_finite_weights_run_through_torch_and_are_reported() -> None:
    # the kernel's ReLU (cv2.threshold) maps NaN to 0, so NaN weights must not reach it
    method = methods.get_method("aodnet", use_shipped=False)
    with torch.no_grad():
        method.module.e_conv3.weight[0, 0, 0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="NaN"):
        method.enhance(torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(1)))
    assert method.backend.path != "fused"


@pytest.mark.parametrize(
    "name",
    ["endoscopy/real_presmoke_sequence/frames_0000208.jpg", "endoscopy/lsrpd_real_pair/hazy/1.png"],
)
def test_fused_aodnet_with_the_port_weights_on_real_frames(
    shared_data: Path, aod_weights: Path, name: str
) -> None:
    x = _frame(shared_data / name)
    fused = methods.get_method("aodnet", weights=aod_weights)  # backend=auto on the CPU
    eager = methods.get_method("aodnet:backend=eager", weights=aod_weights)
    diff = float((fused.enhance(x) - eager.enhance(x)).abs().max())
    assert fused.backend.path == "fused"
    assert diff <= 1e-5
    assert fused.backend.max_abs_diff_vs_eager is not None
    assert fused.backend.max_abs_diff_vs_eager <= 1e-5
