"""Hautiere e, r and sigma against the authors' IFSTTAR MATLAB release, run under GNU Octave.

Reference: github.com/xiaofeng94/BeDDE-for-defogging, commit
ec9560820ed66d432e8445977ccbcb12bf2de012, Defogging_eval/IQA_metrics/EvaluationDescriptor/
(functionContrastAt5PerCent.m and the descriptor lines of EvaluationDescriptorCalculation.m,
IFSTTAR 2011), run with GNU Octave 7.3.0 and its image package 2.14.0 (Debian 12 packages),
with nansum (statistics package, absent) replaced by sum: its argument holds finite values only.
Inputs: 64 x 64 crops (row, column of the top-left corner below) of ../shared/data images as
8-bit grey PGMs, grey = floor(RGB . rgb2gray weights + 0.5); the "restored" image of each pair is
its clean counterpart, or (forest) a 2%..98% percentile stretch of the crop. Octave's visible-edge
masks matched this suite's pixel for pixel on all eight images; the counts and descriptors are:
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from benchmark.metrics import get_metric
from benchmark.metrics.visible_edges import contrast_e, contrast_r, contrast_sigma, visible_edges

# name: (original, restored, top-left corner, n_o, n_r, e, r, sigma %) from Octave
OCTAVE = {
    "sots1400": (
        "sots_indoor_30/hazy/1400_1.png",
        "sots_indoor_30/clear/1400.png",
        (200, 300),
        571,
        1065,
        0.86514886164623472,
        1.5795049699681674,
        0.0,
    ),
    "sots1402": (
        "sots_indoor_30/hazy/1402_3.png",
        "sots_indoor_30/clear/1402.png",
        (100, 100),
        452,
        657,
        0.45353982300884954,
        1.3190632878524813,
        0.0,
    ),
    "lsrpd": (
        "endoscopy/lsrpd_real_pair/hazy/1.png",
        "endoscopy/lsrpd_real_pair/clear/1.png",
        (60, 60),
        59,
        1242,
        20.050847457627118,
        3.3207752377581925,
        0.0,
    ),
    "forest_stretch": (
        "real_hazy/forest.jpg",
        None,
        (300, 400),
        904,
        1103,
        0.22013274336283187,
        3.6561462268773508,
        2.1728515625,
    ),
}
SIZE = 64


def _crop(path: Path, corner: tuple[int, int]) -> np.ndarray:
    rgb = np.asarray(Image.open(path).convert("RGB"))
    y, x = corner
    return rgb[y : y + SIZE, x : x + SIZE]


def _stretch(rgb: np.ndarray) -> np.ndarray:
    """The grey crop stretched from its 2nd to its 98th percentile (the Octave input), as RGB."""
    weights = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    grey = np.floor(rgb.astype(np.float64) @ weights + 0.5)
    lo, hi = np.percentile(grey, 2), np.percentile(grey, 98)
    out = np.clip(np.floor((grey - lo) * 255 / (hi - lo) + 0.5), 0, 255).astype(np.uint8)
    return np.repeat(out[..., None], 3, axis=2)


def _tensor(rgb: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(rgb.copy()).permute(2, 0, 1).unsqueeze(0).double() / 255.0


@pytest.mark.parametrize("name", sorted(OCTAVE))
def test_descriptors_equal_the_ifsttar_release(shared_data: Path, name: str) -> None:
    original, restored, corner, n_o, n_r, e, r, sigma = OCTAVE[name]
    hazy = _crop(shared_data / original, corner)
    clean = _stretch(hazy) if restored is None else _crop(shared_data / restored, corner)
    h, c = _tensor(hazy), _tensor(clean)
    assert int(visible_edges(h)[0].sum()) == n_o
    assert int(visible_edges(c)[0].sum()) == n_r
    assert contrast_e(c, h).item() == pytest.approx(e, rel=1e-12)
    assert contrast_r(c, h).item() == pytest.approx(r, rel=1e-12)
    assert contrast_sigma(c, h).item() == pytest.approx(sigma, abs=1e-12)


def test_descriptors_batch_like_single_images(shared_data: Path) -> None:
    pairs = [OCTAVE[k] for k in ("sots1400", "sots1402", "lsrpd")]
    hazy = torch.cat([_tensor(_crop(shared_data / p[0], p[2])) for p in pairs])
    clean = torch.cat([_tensor(_crop(shared_data / p[1], p[2])) for p in pairs])
    for fn in (contrast_e, contrast_r, contrast_sigma):
        single = torch.cat([fn(clean[i : i + 1], hazy[i : i + 1]) for i in range(3)])
        torch.testing.assert_close(fn(clean, hazy), single, rtol=0, atol=0)


def test_no_visible_edge_is_nan_and_sigma_counts_black_only() -> None:
    flat = torch.full((1, 3, 16, 16), 0.5)
    assert torch.isnan(contrast_e(flat, flat)).all() and torch.isnan(contrast_r(flat, flat)).all()
    out = flat.clone()
    out[..., :4, :] = 0.0  # 64 black pixels: counted
    out[..., 4:8, :] = 1.0  # 64 white pixels: the release counts grey 256, never reached
    assert contrast_sigma(out, flat).item() == pytest.approx(25.0)


def test_registered_with_the_published_directions() -> None:
    assert get_metric("contrast_e").higher_is_better
    assert get_metric("contrast_r").higher_is_better
    sigma = get_metric("contrast_sigma")
    assert not sigma.higher_is_better and sigma.kind == "no-reference" and sigma.unit == "%"
