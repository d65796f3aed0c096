"""benchmark.metrics against scikit-image: PSNR, Gaussian SSIM and CIEDE2000, per image.

Reference values come from scikit-image, computed at test time on float64 (H, W, 3) copies of the
very tensors given to our metrics (the agreement was established with scikit-image 0.26.0, scipy
1.17.1, numpy 2.4.6); the hard-coded values in test_fixed_pattern_reference_values were printed by
scikit-image 0.26.0 on the same inputs. Tolerances: PSNR 1e-6 dB, SSIM 1e-5, CIEDE2000 1e-4.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import Tensor

from benchmark.metrics import all_metrics, ciede2000, psnr, ssim
from benchmark.metrics import full_reference as metrics

METRICS = {m.name: m.fn for m in all_metrics() if m.kind == "full-reference"}

skm = pytest.importorskip("skimage.metrics")
skc = pytest.importorskip("skimage.color")

SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
TOL = {"psnr": 1e-6, "ssim": 1e-5, "ciede2000": 1e-4}


def _hwc(image: Tensor) -> np.ndarray:
    """One (3, H, W) tensor as the float64 (H, W, 3) array that skimage expects."""
    return image.detach().cpu().permute(1, 2, 0).to(torch.float64).numpy()


def _reference(name: str, pred: Tensor, target: Tensor, data_range: float = 1.0) -> np.ndarray:
    """scikit-image's value of one metric for each image of a batch."""
    values = []
    for p, t in zip(pred, target, strict=True):
        p_np, t_np = _hwc(p), _hwc(t)
        if name == "psnr":
            with np.errstate(divide="ignore"):
                value = skm.peak_signal_noise_ratio(t_np, p_np, data_range=data_range)
        elif name == "ssim":
            value = skm.structural_similarity(
                t_np,
                p_np,
                channel_axis=-1,
                data_range=data_range,
                gaussian_weights=True,
                sigma=1.5,
                use_sample_covariance=False,
            )
        else:
            value = skc.deltaE_ciede2000(skc.rgb2lab(t_np), skc.rgb2lab(p_np)).mean()
        values.append(value)
    return np.asarray(values, dtype=np.float64)


def _assert_matches_skimage(pred: Tensor, target: Tensor, names: tuple[str, ...] = ()) -> None:
    """Each metric (or those named) equals skimage per image within its tolerance."""
    for name in names or tuple(METRICS):
        ours = METRICS[name](pred, target)
        assert ours.dtype == torch.float64 and ours.shape == (pred.shape[0],)
        ref = _reference(name, pred, target)
        np.testing.assert_allclose(ours.cpu().numpy(), ref, rtol=0, atol=TOL[name], err_msg=name)


def _noisy_pair(shape: tuple[int, ...], seed: int, noise: float) -> tuple[Tensor, Tensor]:
    """A random target and a clipped noisy copy of it as pred."""
    gen = torch.Generator().manual_seed(seed)
    target = torch.rand(shape, generator=gen)
    pred = (target + noise * torch.randn(shape, generator=gen)).clamp(0, 1)
    return pred, target


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", [(4, 3, 37, 53), (2, 3, 11, 11), (2, 3, 75, 16), (1, 3, 12, 90)])
def test_random_batches_match_skimage(seed: int, shape: tuple[int, ...]) -> None:
    gen = torch.Generator().manual_seed(seed)
    pred, target = torch.rand(shape, generator=gen), torch.rand(shape, generator=gen)
    _assert_matches_skimage(pred, target)


@pytest.mark.parametrize("seed", [3, 4])
def test_noisy_copies_match_skimage(seed: int) -> None:
    # 75 rows: two full 32-row SSIM strips and a partial one; 53 columns: a partial column block
    _assert_matches_skimage(*_noisy_pair((3, 3, 75, 53), seed, noise=0.05))


def test_constant_images_match_skimage() -> None:
    levels = torch.tensor([0.0, 0.3, 0.7, 1.0])
    pred = levels[:, None, None, None].expand(4, 3, 19, 23).clone()
    target = levels.flip(0)[:, None, None, None].expand(4, 3, 19, 23).clone()
    _assert_matches_skimage(pred, target)


def test_near_saturated_images_match_skimage() -> None:
    # bright, nearly flat images: E[x^2] - E[x]^2 cancels badly here in plain float32
    gen = torch.Generator().manual_seed(5)
    target = 0.97 + 0.03 * torch.rand(3, 3, 41, 47, generator=gen)
    pred = (target + 0.002 * torch.randn(target.shape, generator=gen)).clamp(0, 1)
    pred[2] = (target[2] - 1e-4).clamp(0, 1)  # an almost identical image
    _assert_matches_skimage(pred, target)


def test_flat_regions_far_from_the_image_mean_match_skimage() -> None:
    # black and white halves with faint noise: local means far from the strip mean
    gen = torch.Generator().manual_seed(6)
    base = torch.zeros(2, 3, 40, 44)
    base[0, :, :, 22:] = 1.0
    base[1, :, 20:] = 1.0
    pred = (base + 1e-3 * torch.randn(base.shape, generator=gen)).clamp(0, 1)
    target = (base + 1e-3 * torch.randn(base.shape, generator=gen)).clamp(0, 1)
    _assert_matches_skimage(pred, target, ("ssim", "psnr"))


def test_identical_images() -> None:
    image = _noisy_pair((3, 3, 30, 40), 7, noise=0.0)[1]
    image[1] = 0.0
    image[1, :, :, 20:] = 1.0  # two flat levels far from the image mean: exact, not just close
    assert torch.isposinf(psnr(image, image.clone())).all()
    torch.testing.assert_close(ssim(image, image.clone()), torch.ones(3, dtype=torch.float64))
    assert ssim(image[1:2], image[1:2].clone()).item() == 1.0
    assert torch.equal(ciede2000(image, image.clone()), torch.zeros(3, dtype=torch.float64))


def test_fixed_pattern_reference_values() -> None:
    # printed by scikit-image 0.26.0 for exactly these float64 inputs
    yy, xx = torch.meshgrid(
        torch.linspace(0, 1, 24, dtype=torch.float64),
        torch.linspace(0, 1, 31, dtype=torch.float64),
        indexing="ij",
    )
    target = torch.stack([xx, yy, 0.5 * (1 + torch.sin(6 * xx) * torch.cos(5 * yy))])[None]
    pred = torch.stack(
        [xx**1.2, 0.9 * yy + 0.05, 0.5 * (1 + torch.sin(6 * xx + 0.3) * torch.cos(5 * yy))]
    )[None]
    assert psnr(pred, target).item() == pytest.approx(25.466257860627756, abs=1e-9)
    assert ssim(pred, target).item() == pytest.approx(0.9641861317929706, abs=1e-6)
    assert ciede2000(pred, target).item() == pytest.approx(4.690047498426344, abs=1e-9)


def test_ciede2000_8bit_table_equals_the_formula_and_skimage() -> None:
    # 8-bit float32 inputs (what runs score) take the 256-entry sRGB table; float64 copies of the
    # same values, and off-grid or out-of-range values, take the formula: all three must agree.
    g = torch.Generator().manual_seed(21)
    target = torch.randint(0, 256, (2, 3, 23, 29), generator=g).float() / 255
    pred = torch.randint(0, 256, (2, 3, 23, 29), generator=g).float() / 255
    table = ciede2000(pred, target)
    formula = ciede2000(pred.double(), target.double())
    torch.testing.assert_close(table, formula, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table.numpy(), _reference("ciede2000", pred, target), atol=1e-9)
    off_grid = pred.clone()
    off_grid[0, 0, 0, 0] += 1e-4  # one off-grid value: the whole batch takes the formula
    np.testing.assert_allclose(
        ciede2000(off_grid, target).numpy(), _reference("ciede2000", off_grid, target), atol=1e-9
    )
    beyond = pred.clone()
    beyond[1, 2, 3, 4] = -1 / 255  # on the 8-bit grid but outside [0, 1]: no table lookup
    assert torch.isfinite(ciede2000(beyond, target)).all()


def test_data_range_matches_skimage() -> None:
    pred, target = _noisy_pair((2, 3, 20, 25), 8, noise=0.1)
    pred, target = pred * 255, target * 255
    for name, fn in (("psnr", psnr), ("ssim", ssim)):
        ours = fn(pred, target, data_range=255.0).numpy()
        np.testing.assert_allclose(ours, _reference(name, pred, target, 255.0), atol=TOL[name])


def test_layout_and_dtype_do_not_change_results() -> None:
    pred, target = _noisy_pair((2, 3, 33, 29), 9, noise=0.1)
    for fn in METRICS.values():
        base = fn(pred, target)
        channels_last = fn(
            pred.contiguous(memory_format=torch.channels_last),
            target.contiguous(memory_format=torch.channels_last),
        )
        transposed = fn(pred.transpose(2, 3).contiguous().transpose(2, 3), target)
        as_double = fn(pred.double(), target.double())
        for other in (channels_last, transposed, as_double):
            torch.testing.assert_close(other, base, rtol=0, atol=1e-7)


def test_empty_batches_and_inputs_that_require_grad() -> None:
    empty = torch.rand(0, 3, 16, 16)
    pred, target = _noisy_pair((2, 3, 16, 16), 13, noise=0.1)
    for fn in METRICS.values():
        out = fn(empty, empty)
        assert out.shape == (0,) and out.dtype == torch.float64
        graded = fn(pred.clone().requires_grad_(), target)
        assert not graded.requires_grad
        torch.testing.assert_close(graded, fn(pred, target), rtol=0, atol=0)


def test_ssim_does_not_depend_on_strip_size(monkeypatch: pytest.MonkeyPatch) -> None:
    pred, target = _noisy_pair((2, 3, 70, 45), 10, noise=0.1)
    base = ssim(pred, target)
    monkeypatch.setattr(metrics, "_SSIM_CPU_STRIP", 48)
    torch.testing.assert_close(ssim(pred, target), base, rtol=0, atol=1e-7)
    monkeypatch.setattr(metrics, "_SSIM_CPU_BUDGET", 1)  # smallest strip: one row block
    torch.testing.assert_close(ssim(pred, target), base, rtol=0, atol=1e-7)


def test_chunked_psnr_and_ciede2000_do_not_depend_on_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    pred, target = _noisy_pair((3, 3, 40, 50), 11, noise=0.1)
    base = psnr(pred, target), ciede2000(pred, target)
    monkeypatch.setattr(metrics, "_PSNR_CPU_CHUNK", 1)  # chunks of 1024 values per image
    monkeypatch.setattr(metrics, "_CIEDE_CPU_CHUNK", 1)  # chunks of 1024 pixels per image
    torch.testing.assert_close(psnr(pred, target), base[0], rtol=0, atol=1e-10)
    torch.testing.assert_close(ciede2000(pred, target), base[1], rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    ("pred_shape", "target_shape", "fragment"),
    [
        ((3, 16, 16), (3, 16, 16), "shape \\(N, 3, H, W\\)"),
        ((1, 3, 16, 16), (1, 3, 16, 17), "shapes differ"),
        ((2, 4, 16, 16), (2, 4, 16, 16), "3 \\(RGB\\) channels"),
        ((1, 1, 16, 16), (1, 1, 16, 16), "3 \\(RGB\\) channels"),
    ],
)
def test_bad_shapes_raise_one_line_value_errors(
    pred_shape: tuple[int, ...], target_shape: tuple[int, ...], fragment: str
) -> None:
    for fn in METRICS.values():
        with pytest.raises(ValueError, match=fragment) as info:
            fn(torch.rand(pred_shape), torch.rand(target_shape))
        assert "\n" not in str(info.value)


def test_other_invalid_inputs_raise() -> None:
    small = torch.rand(1, 3, 10, 40)
    with pytest.raises(ValueError, match="at least 11x11"):
        ssim(small, small)
    with pytest.raises(ValueError, match="win_size exceeds image extent"):
        skm.structural_similarity(  # skimage refuses the same size
            _hwc(small[0]),
            _hwc(small[0]),
            channel_axis=-1,
            data_range=1,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
        )
    assert psnr(small, small * 0.5).shape == (1,)  # PSNR and CIEDE2000 have no minimum size
    image = torch.rand(1, 3, 16, 16)
    with pytest.raises(ValueError, match="floating-point"):
        psnr((image * 255).to(torch.uint8), (image * 255).to(torch.uint8))
    with pytest.raises(ValueError, match="data_range"):
        ssim(image, image, data_range=0.0)
    with pytest.raises(TypeError, match="torch tensors"):
        psnr(image.numpy(), image)  # type: ignore[arg-type]


def _sots_pairs(count: int) -> tuple[Tensor, Tensor]:
    """The first `count` SOTS-indoor (hazy, clear) pairs as float32 batches, unresized."""
    root = SHARED_DATA / "sots_indoor_30"
    if not (root / "hazy").is_dir():
        pytest.skip(f"{root} not present (only in the dev checkout)")
    hazy, clear = [], []
    for path in sorted((root / "hazy").glob("*.png"))[:count]:
        clear_path = root / "clear" / f"{path.stem.split('_')[0]}{path.suffix}"
        for out, file in ((hazy, path), (clear, clear_path)):
            with Image.open(file) as image:
                array = np.array(image.convert("RGB"))
            out.append(torch.from_numpy(array).permute(2, 0, 1).float() / 255.0)
    return torch.stack(hazy), torch.stack(clear)


def test_real_sots_pairs_match_skimage() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data not present (only in the dev checkout)")
    hazy, clear = _sots_pairs(2)
    _assert_matches_skimage(hazy, clear)
    # a real image against a slightly dimmed copy: SSIM close to 1 on real content
    _assert_matches_skimage(clear[:1] * 0.98 + 0.01, clear[:1], ("ssim",))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu() -> None:
    pred, target = _noisy_pair((3, 3, 75, 53), 12, noise=0.05)
    pred[2], target[2] = 0.98 + 0.02 * target[2], 0.98 + 0.02 * pred[2]
    for name, fn in METRICS.items():
        on_cpu = fn(pred, target)
        on_gpu = fn(pred.cuda(), target.cuda())
        assert on_gpu.device.type == "cuda" and on_gpu.dtype == torch.float64, name
        torch.testing.assert_close(on_gpu.cpu(), on_cpu, rtol=0, atol=1e-6, msg=name)
