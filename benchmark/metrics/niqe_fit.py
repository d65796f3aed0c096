"""Fit a pristine NIQE model on a folder of clean images (as MATLAB's fitniqe / estimatemodelparam.m).

Per image: the 36 features of every whole 96 x 96 patch, keeping the patches whose sharpness
(mean local standard deviation, scale 1) is at least 0.75 x the image's sharpest patch; the model
is the mean and covariance of all kept patches. An unreadable image is skipped and reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data.image_io import read_image
from ..data.pairing import image_files
from ..errors import DatasetError, MetricError, one_line
from .niqe import SHARPNESS_THRESHOLD, VERSION, NiqeModel, fit_model
from .niqe_features import N_FEATURES, PATCH, grey_255, patch_features

#: a covariance needs two patches; fewer than FULL_RANK leave it singular (pinv copes, noisily)
MIN_PATCHES = 2
FULL_RANK = N_FEATURES + 1


@dataclass
class FitResult:
    """The fitted model, and the images that could not be used (file, reason)."""

    model: NiqeModel
    skipped: list[tuple[str, str]] = field(default_factory=list)


def sharp_patches(grey: np.ndarray, threshold: float = SHARPNESS_THRESHOLD) -> np.ndarray:
    """The features of the patches of one image sharp enough to count as pristine."""
    features, sharpness = patch_features(grey, PATCH)
    if not len(sharpness) or sharpness.max() <= 0:
        return features[:0]
    return features[sharpness >= threshold * sharpness.max()]


def fit_folder(
    folder: str | Path,
    threshold: float = SHARPNESS_THRESHOLD,
    log: Callable[[str], None] = lambda _: None,
) -> FitResult:
    """The pristine model of every image under `folder`; DatasetError/MetricError if unusable."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise DatasetError(f"--data {folder}: no such folder (give a folder of clean images)")
    files = image_files(root)
    if not files:
        raise DatasetError(f"--data {folder}: no images found (.png, .jpg, ... files, recursive)")
    kept: list[np.ndarray] = []
    skipped: list[tuple[str, str]] = []
    for path in files:
        label = path.relative_to(root).as_posix()
        try:
            rgb, _ = read_image(path, label)
        except DatasetError as exc:
            skipped.append((label, one_line(exc)))
            continue
        patches = sharp_patches(grey_255(rgb), threshold)
        if not len(patches):
            skipped.append((label, f"smaller than {PATCH}x{PATCH} or flat: no patch"))
            continue
        kept.append(patches)
        log(f"{label}: {len(patches)} sharp patch(es)")
    features = np.concatenate(kept) if kept else np.empty((0, N_FEATURES))
    usable = int(np.isfinite(features).all(axis=1).sum())
    if usable < MIN_PATCHES:
        small = sum("no patch" in reason for _, reason in skipped)
        raise MetricError(
            f"--data {folder}: only {usable} sharp {PATCH}x{PATCH} patch(es) from {len(files)} "
            f"image(s) ({small} smaller than {PATCH}x{PATCH} or flat, "
            f"{len(skipped) - small} unreadable); NIQE needs at least {MIN_PATCHES} "
            f"(add more or larger clean images)"
        )
    if usable < FULL_RANK:
        log(
            f"warning: {usable} sharp patches (< {FULL_RANK}): the 36x36 covariance is singular; "
            "scores use its pseudo-inverse and are noisier (more clean images help)"
        )
    model = fit_model(
        features,
        version=VERSION,
        patch_size=PATCH,
        sharpness_threshold=threshold,
        n_images=len(kept),
        n_patches=usable,
        source=str(root.resolve()),
    )
    return FitResult(model, skipped)
