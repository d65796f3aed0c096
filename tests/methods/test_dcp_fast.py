"""DCP's fast guided filter (`gf_scale`, He & Sun 2015): scale 1 is today's DCP, byte for byte.

The reference digests were taken at commit 044a38f (before `gf_scale` existed) by running
`methods.get_method(spec).enhance(deterministic_image((2, 3, 120, 160), seed=5))` and hashing
the float32 output bytes with sha256.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

import methods
from methods.core import cv_filters, filters
from tests.methods.reference_weights import deterministic_image

AT_044A38F = {
    "dcp": "fcefdeada69f41ff247d81492b58fa24046dcc8ee5081ad5ae0c5aa80e4dca72",
    "dcp:refine=false": "ac2251b5b6b1f98ef25587c676449cf8c52346f6910517be93b28da9609c65e2",
}


def _digest(spec: str) -> str:
    out = methods.get_method(spec).enhance(deterministic_image((2, 3, 120, 160), seed=5))
    return hashlib.sha256(out.numpy().tobytes()).hexdigest()


@pytest.mark.parametrize("spec", ["dcp", "dcp:gf_scale=1", "dcp:refine=false"])
def test_scale_one_is_todays_dcp_byte_for_byte(spec: str) -> None:
    assert _digest(spec) == AT_044A38F[spec.replace(":gf_scale=1", "")]


def test_fast_filter_cpu_and_torch_paths_agree() -> None:
    x = deterministic_image((1, 3, 96, 128), seed=2)
    guide, src = filters.rgb_to_gray(x), x[:, :1]
    torch_q = filters.fast_guided_filter_gray(guide, src, 12, 1e-3, 4)[0, 0].numpy()
    planes = guide[0, 0].numpy(), src[0, 0].numpy()
    cv_q = cv_filters.fast_guided_filter_gray_plane(*planes, 12, 1e-3, 4)
    assert np.abs(torch_q - cv_q).max() < 1e-4  # float64 (torch) against float32 (OpenCV)


def test_fast_filter_approaches_the_exact_one_on_smooth_input() -> None:
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 128), torch.linspace(0, 1, 160), indexing="ij")
    guide = (0.5 + 0.4 * torch.sin(3 * xx) * torch.cos(2 * yy))[None, None]
    src = guide**2
    exact = filters.guided_filter_gray(guide, src, 16, 1e-4)
    errors = [
        float((filters.fast_guided_filter_gray(guide, src, 16, 1e-4, s) - exact).abs().mean())
        for s in (8, 4, 2)
    ]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-3


def test_fast_dcp_cpu_matches_its_torch_path() -> None:
    method = methods.get_method("dcp:gf_scale=4")
    x = deterministic_image((1, 3, 120, 160), seed=7)
    with torch.inference_mode():
        cpu, reference = method._enhance_cpu(x), method._enhance_torch(x)
    assert (cpu - reference).abs().max() < 1e-3
