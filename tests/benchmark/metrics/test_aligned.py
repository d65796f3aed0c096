"""Aligned PSNR/SSIM: the SSIM map is the suite's SSIM, a known warp is undone (the unwarped score
comes back within a stated tolerance), an occluder is masked, and the real pre-smoke sequence
(frame 206 before the smoke) aligns better than it compares unaligned."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from benchmark.metrics import aligned_psnr, aligned_ssim, aligned_valid, ssim
from benchmark.metrics.aligned import score_aligned, ssim_map

H, W, MARGIN = 192, 224, 24
#: a known integer translation is undone within these (DIS flow errors at sub-pixel level)
PSNR_TOLERANCE_DB, SSIM_TOLERANCE = 0.15, 0.002


def _texture(seed: int = 0, margin: int = MARGIN) -> np.ndarray:
    """A multi-scale textured RGB scene, larger than the frames cut from it (uint8)."""
    rng = np.random.default_rng(seed)
    shape = (H + 2 * margin, W + 2 * margin, 3)
    scene = sum(cv2.GaussianBlur(rng.random(shape), (0, 0), s) * s for s in (1, 3, 8))
    scene = (scene - scene.min()) / (scene.max() - scene.min())
    return np.round(scene * 255).astype(np.uint8)


def _noisy(scene: np.ndarray, sigma: float = 6.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(np.round(scene + rng.normal(0, sigma, scene.shape)), 0, 255).astype(np.uint8)


def _cut(scene: np.ndarray, dy: int = 0, dx: int = 0) -> np.ndarray:
    return np.ascontiguousarray(scene[MARGIN + dy : MARGIN + dy + H, MARGIN + dx : MARGIN + dx + W])


def _unwarped(reference: np.ndarray, output: np.ndarray) -> tuple[float, float]:
    """skimage's PSNR and Gaussian SSIM (the suite's settings) of two aligned uint8 images."""
    psnr = peak_signal_noise_ratio(reference, output, data_range=255)
    ssim_value = structural_similarity(
        reference,
        output,
        channel_axis=2,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=255,
    )
    return psnr, ssim_value


def _tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0


def test_ssim_map_is_the_suites_ssim_where_every_window_is_valid() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((48, 64, 3))
    y = np.clip(x + rng.normal(0, 0.1, x.shape), 0, 1)
    ours = ssim_map(x, y)[5:-5, 5:-5].mean()  # skimage crops the window's radius (5)
    suite = float(
        ssim(
            _tensor((x * 255).round().astype(np.uint8)), _tensor((y * 255).round().astype(np.uint8))
        )
    )
    exact = ssim_map((x * 255).round() / 255, (y * 255).round() / 255)[5:-5, 5:-5].mean()
    assert exact == pytest.approx(suite, abs=1e-6)
    assert ours == pytest.approx(
        structural_similarity(
            x,
            y,
            channel_axis=2,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
            data_range=1.0,
        ),
        abs=1e-9,
    )


@pytest.mark.parametrize("shift", [(0, 0), (5, -3), (-7, 9), (11, 2)])
def test_a_known_translation_is_undone(shift: tuple[int, int]) -> None:
    scene = _texture()
    noisy = _noisy(scene)
    reference = _cut(scene)
    psnr_true, ssim_true = _unwarped(reference, _cut(noisy))
    output = _cut(noisy, *shift)  # the camera moved: the same noisy scene, shifted
    found = score_aligned(output, reference)
    assert found.psnr == pytest.approx(psnr_true, abs=PSNR_TOLERANCE_DB)
    assert found.ssim == pytest.approx(ssim_true, abs=SSIM_TOLERANCE)
    # what leaves the frame is masked: about the shifted-out strips
    out_of_frame = 1 - (H - abs(shift[0])) * (W - abs(shift[1])) / (H * W)
    assert 1 - found.valid >= out_of_frame - 0.01
    if shift != (0, 0):
        assert peak_signal_noise_ratio(reference, output, data_range=255) < psnr_true - 8


def test_an_occluder_is_masked_not_scored() -> None:
    scene = _texture()
    reference = _cut(scene)
    output = _cut(_noisy(scene), 4, -4)
    psnr_true, _ = _unwarped(reference, _cut(_noisy(scene)))
    occluded = output.copy()
    occluded[60:120, 80:150] = 30  # an instrument that is not in the reference frame
    found, clean = score_aligned(occluded, reference), score_aligned(output, reference)
    patch = (60 * 70) / (H * W)
    assert clean.valid - found.valid >= 0.9 * patch  # about the occluder's pixels are left out
    # measured: 18.2 dB with the occluder scored (perfect alignment, no mask), 27.1 dB masked,
    # 32.6 dB without the occluder: the forward-backward check keeps a rim of it
    unmasked = peak_signal_noise_ratio(_cut(scene, 4, -4), occluded, data_range=255)
    assert found.psnr > unmasked + 8.0
    assert found.psnr > psnr_true - 6.0


def test_metric_functions_share_one_alignment_per_image() -> None:
    scene = _texture()
    out = torch.cat([_tensor(_cut(_noisy(scene), 3, 3)), _tensor(_cut(scene))])
    ref = torch.cat([_tensor(_cut(scene))] * 2)
    psnr_values, ssim_values = aligned_psnr(out, ref), aligned_ssim(out, ref)
    valid = aligned_valid(out, ref)
    assert psnr_values.dtype == torch.float64 and psnr_values.shape == (2,)
    assert math.isinf(float(psnr_values[1])) and float(ssim_values[1]) == pytest.approx(1.0)
    assert valid[1] == pytest.approx(1.0, abs=0.01) and 0.9 < valid[0] < 1.0
    with pytest.raises(ValueError, match="differ in shape"):
        aligned_psnr(out, ref[:, :, :-1])


def test_real_presmoke_sequence_aligns_to_frame_206(shared_data: Path) -> None:
    folder = shared_data / "endoscopy" / "real_presmoke_sequence"

    def read(name: str) -> np.ndarray:
        return cv2.cvtColor(cv2.imread(str(folder / f"frames_{name}.jpg")), cv2.COLOR_BGR2RGB)

    reference = read("0000206")
    for name in ("0000207", "0000208"):  # light smoke, then smoke; the instrument moves
        frame = read(name)
        found = score_aligned(frame, reference)
        plain = peak_signal_noise_ratio(reference, frame, data_range=255)
        assert found.psnr > plain + 1.0, name  # alignment and masking help on real motion
        assert 0.5 < found.valid < 1.0, name  # the moving instrument and smoke are masked
    self_score = score_aligned(reference, reference)
    assert np.isinf(self_score.psnr) and self_score.valid > 0.99
