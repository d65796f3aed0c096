"""No-reference metrics against independent implementations (scipy, scikit-image, numpy, pypiqe).

References: dark channel = scipy.ndimage.minimum_filter (mode "nearest" repeats edge pixels, which
are inside every border window, so it equals a minimum over in-image pixels); entropy =
skimage.measure.shannon_entropy(base=2) of the same grey levels; colourfulness = the published
formula written out in numpy; PIQE = pypiqe 1.2 (a port of MATLAB's piqe.m, test-only dependency),
fed the grey image of MATLAB's rgb2gray (pypiqe's own colour conversion is OpenCV's fixed-point
one, which differs by one grey level on some pixels). Measured on the 50 DeSmoke-LAP frames, the
three 1080p pre-smoke frames and the LSRPD frame: equal to pypiqe within 1e-9 given the same grey
image; with pypiqe converting colour itself, 26 of 54 frames agree within 0.002 and the largest
difference is 0.90 (blocks flipping across a 0.1 threshold on one grey level).
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from scipy import ndimage
from skimage.measure import shannon_entropy

from benchmark.metrics import (
    colorfulness,
    contrast_e,
    contrast_r,
    dark_channel,
    default_metrics,
    entropy,
    get_metric,
    piqe,
    saturated,
)
from benchmark.metrics.no_reference import grey_levels
from tests.conftest import requires_cuda


def _tensor(rgb: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].float() / 255.0


def _matlab_grey(rgb: np.ndarray) -> np.ndarray:
    """MATLAB's rgb2gray of a uint8 RGB image, then piqe.m's round(255 * I / max(I)).

    MATLAB rounds halves away from zero; pypiqe's np.round rounds them to even, which differs
    on frames whose maximum is below 255 (e.g. 26.5 -> 27 vs 26). Handing pypiqe the image
    already scaled (maximum 255) makes its own scaling the identity.
    """
    weights = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    grey = np.floor(rgb.astype(np.float64) @ weights + 0.5)
    return np.floor(255.0 * grey / max(grey.max(), 1.0) + 0.5).astype(np.uint8)


def _random_images(seed: int = 0, n: int = 3, shape=(37, 53)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, *shape, 3), dtype=np.uint8)


def _frames(shared_data: Path) -> list[Path]:
    root = shared_data / "endoscopy"
    return (
        sorted((root / "desmoke_lap_real_smoky").glob("*.png"))
        + sorted((root / "real_presmoke_sequence").glob("*.jpg"))
        + [root / "lsrpd_real_pair" / "hazy" / "1.png"]
    )


def test_no_reference_metrics_are_registered_with_directions() -> None:
    expected = {
        "dark_channel": False,
        "piqe": False,
        "niqe": False,
        "fade": False,
        "cpbd": True,
        "contrast_e": True,
        "contrast_r": True,
        "contrast_sigma": False,
        "saturated": False,
        "colorfulness": True,
        "entropy": True,
    }
    assert [m.name for m in default_metrics("no-reference")] == list(expected)
    for name, higher in expected.items():
        metric = get_metric(name)
        assert metric.kind == "no-reference" and metric.higher_is_better is higher


def test_dark_channel_equals_scipy_minimum_filter() -> None:
    images = _random_images()
    ours = dark_channel(torch.cat([_tensor(i) for i in images])).numpy()
    for k, image in enumerate(images):
        ref = ndimage.minimum_filter(image.min(axis=2), size=15, mode="nearest") / 255.0
        assert ours[k] == pytest.approx(ref.mean(), abs=1e-9)


def test_dark_channel_of_white_and_black() -> None:
    white, black = torch.ones(1, 3, 20, 20), torch.zeros(1, 3, 20, 20)
    assert dark_channel(white).item() == 1.0 and dark_channel(black).item() == 0.0


def test_entropy_equals_skimage_shannon_entropy() -> None:
    images = _random_images(1) // 3  # fewer levels than pixels, so the histogram is uneven
    ours = entropy(torch.cat([_tensor(i) for i in images])).numpy()
    levels = grey_levels(torch.cat([_tensor(i) for i in images])).numpy()
    for k in range(len(images)):
        assert ours[k] == pytest.approx(shannon_entropy(levels[k], base=2), abs=1e-9)
    assert entropy(torch.full((1, 3, 8, 8), 0.5)).item() == 0.0


def test_grey_levels_equal_skimage_rgb2gray() -> None:
    from skimage.color import rgb2gray

    image = _random_images(2, n=1)[0]
    ref = np.round(rgb2gray(image) * 255).astype(int)
    assert np.array_equal(grey_levels(_tensor(image))[0].numpy(), ref)


def test_colorfulness_equals_the_published_formula() -> None:
    images = _random_images(3)
    ours = colorfulness(torch.cat([_tensor(i) for i in images])).numpy()
    for k, image in enumerate(images):
        r, g, b = (image[..., c].astype(float) for c in range(3))
        rg, yb = r - g, 0.5 * (r + g) - b
        ref = math.hypot(rg.std(), yb.std()) + 0.3 * math.hypot(rg.mean(), yb.mean())
        assert ours[k] == pytest.approx(ref, rel=1e-12)
    assert colorfulness(torch.full((1, 3, 8, 8), 0.4)).item() == pytest.approx(0.0, abs=1e-12)


def test_piqe_equals_pypiqe_on_real_frames(shared_data: Path) -> None:
    pypiqe = pytest.importorskip("pypiqe")
    worst = 0.0
    for path in _frames(shared_data):
        rgb = cv2.imread(str(path), cv2.IMREAD_COLOR)[..., ::-1]
        ref = float(pypiqe.piqe(_matlab_grey(rgb))[0])
        ours = float(piqe(_tensor(rgb))[0])
        worst = max(worst, abs(ours - ref))
    assert worst < 1e-6


def test_piqe_equals_pypiqe_on_odd_sizes_and_batches() -> None:
    pypiqe = pytest.importorskip("pypiqe")
    rng = np.random.default_rng(4)
    base = cv2.GaussianBlur(rng.integers(0, 256, (50, 70, 3), dtype=np.uint8), (5, 5), 2)
    images = np.stack([base, np.clip(base.astype(int) + rng.integers(-40, 40, base.shape), 0, 255)])
    images = images.astype(np.uint8)
    ours = piqe(torch.cat([_tensor(i) for i in images])).numpy()
    for k, rgb in enumerate(images):
        ref = float(pypiqe.piqe(_matlab_grey(rgb))[0])
        assert ours[k] == pytest.approx(ref, abs=0.01)


def test_piqe_rounds_halves_away_from_zero_as_matlab() -> None:
    """A frame with maximum 250: grey 25 scales to 25.5 -> 26 and 26 * 1.02 -> 26.52 -> 27."""
    import sys

    module = sys.modules["benchmark.metrics.piqe"]
    grey = torch.tensor([[[[25.0, 250.0]]]], dtype=torch.float64)
    peak = grey.flatten(1).amax(dim=1).view(-1, 1, 1, 1)
    assert torch.floor(255.0 * grey / peak + 0.5).flatten().tolist() == [26.0, 255.0]
    rgb = torch.full((1, 3, 1, 2), 25 / 255)
    rgb[..., 1] = 250 / 255
    assert module._grey(rgb).flatten().tolist() == [25.0, 250.0]


def test_piqe_of_a_flat_image_is_100() -> None:
    assert piqe(torch.full((1, 3, 32, 32), 0.5)).item() == pytest.approx(100.0)


def test_hautiere_metrics_are_neutral_for_the_input_itself() -> None:
    images = torch.cat([_tensor(i) for i in _random_images(5, shape=(64, 64))])
    assert torch.all(contrast_e(images, images) == 0)
    assert torch.allclose(contrast_r(images, images), torch.ones(3, dtype=torch.float64))
    assert torch.all(saturated(images, images) == 0)


def test_hautiere_metrics_see_a_contrast_stretch() -> None:
    """A 2x contrast stretch about mid-grey doubles gradients and clips some pixels."""
    rng = np.random.default_rng(6)
    hazy = cv2.GaussianBlur(rng.integers(60, 196, (64, 64, 3), dtype=np.uint8), (3, 3), 1)
    stretched = np.clip((hazy.astype(float) - 128) * 2 + 128, 0, 255).round().astype(np.uint8)
    h, s = _tensor(hazy), _tensor(stretched)
    assert contrast_r(s, h).item() > 1.5
    # (e may fall here: the release's segmentation picks one threshold per window, and on
    # blurred noise a stretch moves it; e against the release: test_visible_edges.py)
    clipped = (stretched == 0).all(axis=2) | (stretched == 255).all(axis=2)
    assert saturated(s, h).item() >= 100 * clipped.mean()
    # a blur is the opposite: fewer visible edges, lower gradients
    assert contrast_e(_tensor(cv2.GaussianBlur(hazy, (7, 7), 3)), h).item() < 0
    assert contrast_r(_tensor(cv2.GaussianBlur(hazy, (3, 3), 0.8)), h).item() < 1


def test_saturated_counts_new_black_and_white_pixels() -> None:
    hazy = torch.full((1, 3, 10, 10), 0.5)
    out = hazy.clone()
    out[..., :2, :] = 1.0  # 20 white pixels
    out[..., 9, :5] = 0.0  # 5 black pixels
    assert saturated(out, hazy).item() == pytest.approx(25.0)
    assert saturated(out, out).item() == 0.0


@requires_cuda
def test_no_reference_metrics_agree_on_cuda() -> None:
    """The CUDA paths (PIQE's conv2d Gaussian, the shifted filters) give the CPU's values."""
    images = torch.cat([_tensor(i) for i in _random_images(7, shape=(70, 90))])
    hazy = torch.cat([_tensor(i) for i in _random_images(8, shape=(70, 90))])
    for metric in default_metrics("no-reference"):
        cpu = metric.fn(images, hazy)
        gpu = metric.fn(images.cuda(), hazy.cuda())
        assert gpu.device.type == "cuda" and gpu.dtype == torch.float64
        torch.testing.assert_close(gpu.cpu(), cpu, rtol=0, atol=1e-6, equal_nan=True)
