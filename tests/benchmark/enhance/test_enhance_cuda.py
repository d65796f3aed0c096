"""`enhance --device cuda`: pinned buffers, non-blocking copies, one stream (skips without a GPU)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import methods
from benchmark.enhance.streaming import frame_function, tensor_frame
from tests.methods.reference_weights import deterministic_image

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")


@pytest.mark.parametrize("spec", ["lnet-gie", "dcp"])
def test_cuda_frames_match_the_cpu_path(spec: str) -> None:
    rgb = (deterministic_image((1, 3, 120, 160), seed=1)[0].permute(1, 2, 0) * 255).round()
    bgr = np.ascontiguousarray(rgb.numpy().astype(np.uint8)[..., ::-1])
    on_gpu = frame_function(methods.get_method(spec, device="cuda"))
    first, second = on_gpu(bgr), on_gpu(bgr)  # the pinned buffers are reused
    expected = tensor_frame(methods.get_method(spec), bgr)
    assert np.array_equal(first, second)
    assert np.abs(first.astype(int) - expected.astype(int)).max() <= 1
