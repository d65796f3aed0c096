"""Fast CPU paths give the torch paths' numbers: LNet-GIE fused to 1e-6, DCP/CAP within 1/255.

The torch paths are the references here (they are themselves checked against the authors' code
and direct windowed filters in test_lnet_gie.py, test_classical.py and test_filters.py); real
frames come from ../shared/data when it is there.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from scipy import ndimage

import methods
from methods.core import cv_filters, filters
from methods.core.fused_lnet import lnet_gie_cpu
from methods.lnet_gie import LNetGIE
from tests.methods.reference_weights import deterministic_like


def _frame(path: Path, size: tuple[int, int] | None = None) -> torch.Tensor:
    """An RGB image file as a (1,3,H,W) float tensor in [0,1] (optionally resized to (w, h))."""
    img = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    if size is not None:
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    return torch.from_numpy(img).permute(2, 0, 1)[None].float().div(255).contiguous()


def _network(channels: int, rm: float, seed: int) -> LNetGIE:
    net = LNetGIE(channels, rm).eval()
    net.load_state_dict(deterministic_like(net.state_dict(), seed=seed))
    return net


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("rm", [1.0, 0.5, 0.25, 0.37])
@pytest.mark.parametrize(("height", "width"), [(64, 96), (67, 93), (1, 5)])
def test_fused_lnet_equals_the_eager_network(
    channels: int, rm: float, height: int, width: int
) -> None:
    net = _network(channels, rm, seed=channels)
    x = torch.rand(2, 3, height, width, generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        eager = net(x).clamp(0, 1)
        fused = lnet_gie_cpu(x, net.e_conv1, net.e_conv2, rm)
    assert fused.shape == eager.shape
    assert float((fused - eager).abs().max()) <= 1e-6


def test_fused_lnet_on_a_real_1080p_frame(shared_data: Path) -> None:
    x = _frame(shared_data / "endoscopy/real_presmoke_sequence/frames_0000208.jpg")
    fast = methods.get_method("lnet-gie")  # shipped weights, backend=auto: the fused kernel
    eager = methods.get_method("lnet-gie:backend=eager")  # the same shipped weights
    assert fast.weights is not None and fast.weights == eager.weights
    assert float((fast.enhance(x) - eager.enhance(x)).abs().max()) <= 1e-6
    assert fast.backend.max_abs_diff_vs_eager is not None
    assert fast.backend.max_abs_diff_vs_eager <= 1e-6
    full = methods.get_method("lnet-gie:rm=1.0,wm=1.0", use_shipped=False)  # 3-channel K
    full.module.load_state_dict(deterministic_like(full.module.state_dict(), seed=5))
    with torch.inference_mode():
        reference = full.module(x).clamp(0, 1)
    assert float((full.enhance(x) - reference).abs().max()) <= 1e-6


@pytest.mark.parametrize(("h", "w", "r"), [(9, 13, 2), (6, 5, 4), (40, 31, 20)])
def test_cv_box_mean_equals_torch_box_mean(h: int, w: int, r: int) -> None:
    img = np.random.default_rng(0).random((h, w))
    ours = cv_filters.BoxMean(h, w, r)(img.astype(np.float32))
    ref = filters.box_mean(torch.from_numpy(img)[None, None], r)[0, 0].numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-6)


@pytest.mark.parametrize("size", [1, 3, 15])
def test_cv_min_filter_equals_scipy_nearest(size: int) -> None:
    img = np.random.default_rng(1).random((23, 31)).astype(np.float32)
    expected = ndimage.minimum_filter(img, size=size, mode="nearest")
    np.testing.assert_array_equal(cv_filters.min_filter_plane(img, size), expected)


def test_cv_guided_filters_equal_the_torch_ones() -> None:
    rng = np.random.default_rng(2)
    guide = rng.random((3, 37, 45)).astype(np.float32)
    src = rng.random((37, 45)).astype(np.float32)
    gray = guide[0]
    ref_gray = filters.guided_filter_gray(
        torch.from_numpy(gray)[None, None], torch.from_numpy(src)[None, None], 6, 1e-4
    )[0, 0].numpy()
    ours_gray = cv_filters.guided_filter_gray_plane(gray, src, 6, 1e-4)
    np.testing.assert_allclose(ours_gray, ref_gray, atol=1e-4)
    ref_color = filters.guided_filter_color(
        torch.from_numpy(guide)[None], torch.from_numpy(src)[None, None], 6, 1e-3
    )[0, 0].numpy()
    ours_color = cv_filters.guided_filter_color_plane(list(guide), src, 6, 1e-3)
    np.testing.assert_allclose(ours_color, ref_color, atol=1e-4)


def _torch_path(method: methods.Method, x: torch.Tensor) -> torch.Tensor:
    """The method's torch path (the one CUDA runs) on CPU input."""
    return type(method)._enhance_torch(method, x).clamp(0, 1)


@pytest.mark.parametrize("spec", ["dcp", "cap", "dcp:refine=false,patch=7", "cap:noise=0.04"])
def test_classical_cpu_path_equals_the_torch_path(spec: str) -> None:
    method = methods.get_method(spec)
    gen = torch.Generator().manual_seed(4)
    x = torch.rand(2, 3, 45, 61, generator=gen) * 0.6 + 0.3
    with torch.inference_mode():
        assert float((method.enhance(x) - _torch_path(method, x)).abs().max()) <= 1 / 255


@pytest.mark.parametrize("name", ["dcp", "cap"])
def test_classical_cpu_path_on_real_frames(shared_data: Path, name: str) -> None:
    method = methods.get_method(name)
    frames = [
        _frame(shared_data / "endoscopy/real_presmoke_sequence/frames_0000208.jpg", (960, 540)),
        _frame(shared_data / "endoscopy/lsrpd_real_pair/hazy/1.png"),
    ]
    for x in frames:
        with torch.inference_mode():
            diff = (method.enhance(x) - _torch_path(method, x)).abs().max()
        assert float(diff) <= 1 / 255
