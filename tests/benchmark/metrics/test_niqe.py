"""NIQE against an independent implementation (scikit-video 1.1.11) and against its own definition.

Reference: skvideo.measure.niqe (test-only dependency), a Python NIQE that ships its pristine model
(niqe_image_params.mat, fitted by its authors in 2017 with its own features). Two shims make it run
today: np.int (removed in numpy 1.24) and scipy.misc.imresize (removed in scipy 1.3), which was
Pillow's resize of a float ("F") image, here called the same way. skvideo departs from the authors'
MATLAB release in two ways, and this suite follows MATLAB in both: (1) its MSCN filter pads with
zeros (scipy mode "constant"), MATLAB's imfilter(..., 'replicate') repeats the edge; (2) for the
two diagonal products it stores the left AGGD scale twice (features 14, 18, 32 and 36, 1-based,
hold bl instead of br; its bundled model has them equal too). Smaller differences: Pillow's
resize clips its kernel at the border where MATLAB's imresize mirrors, float32 vs float64, and
skvideo counts zeros as right-hand AGGD values (MATLAB: vec > 0).

Measured on 27 real images (9 ../shared/data/real_hazy, 18 endoscopy frames, every 4th file):
per-patch features (skvideo with replicate padding, the 32 features both define alike) median
|diff| 2e-6, 99th percentile 0.007 (shape estimates on MATLAB's 0.001 grid flip a step or more);
scores with skvideo's own model: Spearman 0.947 with unpatched skvideo (median |diff| 6.3,
max 84 on endoscopy frames far from its natural-image model, from difference (2)); with
skvideo's replicate padding and the diagonal convention of (2) copied onto this suite's features,
Spearman 0.997 and at most 16 % relative difference. The tests below assert on a smaller set.
"""

from __future__ import annotations

import functools
import pickle
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import scipy.io
import torch
from PIL import Image
from scipy import ndimage
from scipy.stats import spearmanr

from benchmark.errors import MetricError
from benchmark.metrics.niqe import NiqeModel, distance, load_model, niqe_grey, save_model
from benchmark.metrics.niqe_features import GAUSS, grey_255, half_size, patch_features
from benchmark.metrics.niqe_fit import fit_folder, sharp_patches
from benchmark.metrics.scoring import choose_metrics

DIAGONAL_RIGHT = [13, 17, 31, 35]  # 0-based: where skvideo repeats the left scale (bl)


def _grey(path: Path) -> np.ndarray:
    return grey_255(np.asarray(Image.open(path).convert("RGB")))


def _pillow_resize(arr, size, interp="bicubic", mode=None):
    """scipy.misc.imresize(arr, 0.5, interp='bicubic', mode='F') as it was: Pillow on floats."""
    image = Image.fromarray(np.asarray(arr, np.float32), mode="F")
    width, height = (np.array(image.size) * size).astype(int)
    return np.asarray(image.resize((int(width), int(height)), Image.BICUBIC), np.float32)


@pytest.fixture
def skvideo_niqe(monkeypatch):
    """The skvideo.measure.niqe module, runnable on today's numpy and scipy, or skip."""
    pytest.importorskip("skvideo")
    import scipy.misc

    monkeypatch.setattr(np, "int", int, raising=False)
    monkeypatch.setattr(scipy.misc, "imresize", _pillow_resize, raising=False)
    import skvideo.measure  # noqa: F401

    return sys.modules["skvideo.measure.niqe"]


def _skvideo_model(module) -> NiqeModel:
    params = scipy.io.loadmat(Path(module.__file__).parent / "data" / "niqe_image_params.mat")
    return NiqeModel(np.ravel(params["pop_mu"]), params["pop_cov"])


def _real_images(shared: Path) -> list[Path]:
    hazy = sorted((shared / "real_hazy").glob("*.[jp]*g"))
    endoscopy = sorted((shared / "endoscopy").glob("*/*.[jp]*g"))[::12]
    return [p for p in hazy + endoscopy if min(Image.open(p).size) > 193]


def test_half_size_is_pillows_antialiased_bicubic_inside_the_border() -> None:
    # Pillow's BICUBIC is the same a = -0.5 kernel widened by 1/scale; only borders differ
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.uniform(0, 255, (64, 96)), (0, 0), 1.5)
    ours = half_size(image)
    pillow = _pillow_resize(image, 0.5)
    assert ours.shape == pillow.shape == (32, 48)
    assert np.abs(ours[2:-2, 2:-2] - pillow[2:-2, 2:-2]).max() < 1e-3


def test_sharpness_is_the_mean_local_deviation(shared_data: Path) -> None:
    grey = _grey(sorted((shared_data / "endoscopy" / "kvasir_clean").glob("*"))[0])
    _, sharpness = patch_features(grey)
    window = GAUSS @ GAUSS.T  # MATLAB fspecial('gaussian', 7, 7/6), normalised
    cut = grey[: grey.shape[0] // 96 * 96, : grey.shape[1] // 96 * 96]
    mean = ndimage.correlate(cut, window, mode="nearest")
    sigma = np.sqrt(np.abs(ndimage.correlate(cut * cut, window, mode="nearest") - mean**2))
    expected = sigma.reshape(cut.shape[0] // 96, 96, -1, 96).mean(axis=(1, 3)).ravel()
    np.testing.assert_allclose(sharpness, expected, rtol=1e-9, atol=1e-9)


def test_features_match_skvideo(skvideo_niqe, shared_data: Path) -> None:
    # skvideo with MATLAB's replicated borders: only its diagonal right scales still differ
    mscn = skvideo_niqe.compute_image_mscn_transform
    replicate = functools.partial(mscn, extend_mode="nearest")
    keep = [i for i in range(36) if i not in DIAGONAL_RIGHT]
    diffs = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(skvideo_niqe, "compute_image_mscn_transform", replicate)
        for path in _real_images(shared_data):
            grey = _grey(path)
            ours, _ = patch_features(grey)
            theirs = skvideo_niqe.get_patches_test_features(grey, 96)
            diffs.append(np.abs(ours[:, keep] - theirs[:, keep]))
    diff = np.concatenate(diffs)
    diff = diff[np.isfinite(diff).all(axis=1)]
    assert len(diff) > 100
    assert np.median(diff) < 1e-4
    assert np.quantile(diff, 0.99) < 0.02


def test_scores_rank_like_skvideo(skvideo_niqe, shared_data: Path) -> None:
    model = _skvideo_model(skvideo_niqe)
    ours, copied, theirs = [], [], []
    for path in _real_images(shared_data):
        grey = _grey(path)
        features, _ = patch_features(grey)
        ours.append(distance(model, features))
        features[:, DIAGONAL_RIGHT] = features[:, [i - 1 for i in DIAGONAL_RIGHT]]
        copied.append(distance(model, features))
        theirs.append(float(skvideo_niqe.niqe(grey)[0]))
    assert spearmanr(ours, theirs)[0] > 0.9
    assert spearmanr(copied, theirs)[0] > 0.97


def test_fit_gives_a_covariance_and_ranks_degradations(shared_data: Path) -> None:
    # a natural-image model (../shared real_hazy) scored out of sample on clean endoscopy frames
    model = fit_folder(shared_data / "real_hazy").model
    assert model.settings["patch_size"] == 96 and model.settings["sharpness_threshold"] == 0.75
    assert model.settings["n_patches"] >= 37
    np.testing.assert_allclose(model.cov, model.cov.T, atol=1e-12)
    assert np.linalg.eigvalsh(model.cov).min() > -1e-9
    rng = np.random.default_rng(0)
    for path in sorted((shared_data / "endoscopy" / "kvasir_clean").glob("*"))[:3]:
        grey = _grey(path)
        blurred = [niqe_grey(model, cv2.GaussianBlur(grey, (0, 0), s)) for s in (0.5, 1, 2, 4)]
        noisy = [
            niqe_grey(model, np.clip(grey + rng.normal(0, s, grey.shape), 0, 255).round())
            for s in (5, 10, 20)
        ]
        clean = niqe_grey(model, grey)
        assert clean < blurred[1] < blurred[2] < blurred[3]
        assert clean < noisy[0] < noisy[1] < noisy[2]


def test_fit_keeps_sharp_patches_and_averages_them(shared_data: Path, tmp_path: Path) -> None:
    source = sorted((shared_data / "real_hazy").glob("*.[jp]*g"))[:2]
    for path in source:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    kept = [sharp_patches(_grey(p)) for p in source]
    features, sharpness = patch_features(_grey(source[0]))
    assert len(kept[0]) == int((sharpness >= 0.75 * sharpness.max()).sum()) < len(features)
    model = fit_folder(tmp_path).model
    stacked = np.concatenate(kept)
    np.testing.assert_allclose(model.mu, stacked.mean(axis=0))
    np.testing.assert_allclose(model.cov, np.cov(stacked.T))
    save_model(model, tmp_path / "m.npz")
    again = load_model(tmp_path / "m.npz")
    np.testing.assert_array_equal(again.mu, model.mu)
    assert again.settings["n_images"] == 2


def test_metric_scores_batches_and_travels(shared_data: Path, tmp_path: Path) -> None:
    save_model(fit_folder(shared_data / "real_hazy").model, tmp_path / "m.npz")
    (metric,) = [
        m
        for m in choose_metrics(None, False, "", {"niqe": str(tmp_path / "m.npz")})
        if m.name == "niqe"
    ]
    rng = np.random.default_rng(1)
    images = torch.from_numpy(rng.uniform(0, 1, (2, 3, 200, 300))).float()
    images = torch.round(images * 255) / 255
    scores = metric.fn(images, images)
    assert scores.dtype == torch.float64 and scores.shape == (2,)
    model = load_model(tmp_path / "m.npz")
    grey = grey_255(np.round(images[1].permute(1, 2, 0).numpy() * 255))
    assert scores[1].item() == pytest.approx(niqe_grey(model, grey))
    copy = pickle.loads(pickle.dumps(metric))  # as Dask sends it to a worker
    assert torch.equal(copy.fn(images, images), scores)
    assert torch.isnan(metric.fn(images[:, :, :90], images[:, :, :90])).all()  # no whole patch


def test_a_bad_domain_model_is_one_error(tmp_path: Path) -> None:
    # the LIVE model scores by default (test_niqe_live.py); a bad domain model is one error
    with pytest.raises(MetricError, match="not found"):
        choose_metrics(None, False, "", {"niqe": str(tmp_path / "missing.npz")})
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(MetricError, match="not a NIQE model"):
        load_model(tmp_path / "bad.npz")
    np.savez(tmp_path / "short.npz", mu=np.zeros(3), cov=np.eye(3))
    with pytest.raises(MetricError, match="needs mu"):
        load_model(tmp_path / "short.npz")
    with pytest.raises(MetricError, match="does not include"):
        choose_metrics(["piqe"], False, "", {"niqe": str(tmp_path / "short.npz")})
    with pytest.raises(MetricError, match="takes no parameters"):
        choose_metrics(None, False, "", {"piqe": "x"})
