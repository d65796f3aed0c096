"""The fused 8-bit kernels (BGR uint8 in and out) against the eager network's quantised output.

The eager reference is the float network on the frame / 255, clamped and rounded to 8 bits as
the suite writes images (`to_uint8`). The 8-bit kernels form Eq. 1 in 8 bits, so a pixel may
differ by one level where the float value sits at a rounding tie; the tests count those pixels
and hold them to at most one level, on at most 0.1% of the values.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

import methods
from benchmark.images import to_uint8
from methods.core.fused_lnet import whole_factor
from tests.methods.reference_weights import deterministic_image, deterministic_like


def _frame(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A seeded smooth-plus-noise BGR uint8 frame."""
    rgb = to_uint8(deterministic_image((1, 3, height, width), seed)[0])
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def _method(spec: str, seed: int = 3) -> methods.Method:
    method = methods.get_method(spec)
    method.module.load_state_dict(deterministic_like(method.module.state_dict(), seed))
    return method


def _eager_bgr(method: methods.Method, bgr: np.ndarray) -> np.ndarray:
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255
    with torch.inference_mode():
        out = to_uint8(method.forward(x)[0].clamp(0, 1))
    return cv2.cvtColor(out, cv2.COLOR_RGB2BGR)


def _levels_apart(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    differ = np.abs(a.astype(int) - b.astype(int))
    return int(differ.max()), int((differ > 0).sum())


@pytest.mark.parametrize(
    "spec", ["lnet-gie", "lnet-gie:rm=1.0", "lnet-gie:wm=1.0", "lnet-gie:rm=0.25", "aodnet"]
)
def test_8bit_kernel_is_within_one_level_of_eager(spec: str) -> None:
    method = _method(spec)
    bgr = _frame(240, 320)
    out = method.enhance_bgr_uint8(bgr)
    assert out is not None and out.dtype == np.uint8 and out.shape == bgr.shape
    assert method.backend.path == "fused"
    worst, count = _levels_apart(out, _eager_bgr(method, bgr))
    print(f"{spec}: {count} of {bgr.size} values differ, by at most {worst} level")
    assert worst <= 1
    assert count <= bgr.size // 1000


def test_8bit_kernel_on_a_real_1080p_frame(shared_data) -> None:
    frames = sorted((shared_data / "endoscopy/real_presmoke_sequence").glob("*.jpg"))
    bgr = cv2.imread(str(frames[0]))
    for spec in ("lnet-gie", "aodnet"):
        method = methods.get_method(spec)  # the shipped weights
        worst, count = _levels_apart(method.enhance_bgr_uint8(bgr), _eager_bgr(method, bgr))
        print(f"{spec} on {frames[0].name}: {count} of {bgr.size} values differ")
        assert worst <= 1 and count <= bgr.size // 1000


def test_sizes_the_8bit_kernel_cannot_take_fall_back_to_the_float_path() -> None:
    assert whole_factor(0.5, 1080, 1920) == 2
    assert whole_factor(0.5, 1081, 1920) is None  # torch would size it 540.5 -> 540
    assert whole_factor(0.3, 100, 100) is None
    method = _method("lnet-gie")
    assert method.enhance_bgr_uint8(_frame(61, 80)) is None


def test_other_backends_and_tiling_take_the_float_path() -> None:
    assert _method("lnet-gie:backend=eager").enhance_bgr_uint8(_frame(64, 64)) is None
    assert _method("aodnet:tile=128").enhance_bgr_uint8(_frame(64, 64)) is None
    broken = _method("lnet-gie")
    with torch.no_grad():
        broken.module.e_conv1.weight[0, 0] = float("nan")
    assert broken.enhance_bgr_uint8(_frame(64, 64)) is None  # NaN weights: torch reports them
