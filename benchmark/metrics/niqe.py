"""NIQE: the distance of an image's patch statistics from a fitted pristine model (lower is better).

Score = sqrt((mu1 - mu2)^T pinv((cov1 + cov2) / 2) (mu1 - mu2)), mu1/cov1 the pristine model's,
mu2/cov2 those of all the test image's patches (rows with an undefined feature dropped, as
MATLAB's nanmean/nancov). The default model is the LIVE release's (models/niqe_live.npz, the one
MATLAB's niqe and BasicSR use, see models/NOTICE); `python -m benchmark metrics fit-niqe` fits a
domain model on clean images. A model is a .npz file: mu (36,), cov (36, 36) and its settings.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..errors import MetricError
from ..files import atomic_write_bytes
from .niqe_features import N_FEATURES, PATCH, grey_255, patch_features

VERSION = "niqe-1 (MATLAB computefeature.m features, 2 scales, imresize bicubic 0.5)"
SHARPNESS_THRESHOLD = 0.75
LIVE_MODEL = Path(__file__).resolve().parent / "models" / "niqe_live.npz"
LIVE_LABEL = "LIVE pristine model (niqe_live.npz, as MATLAB's niqe and BasicSR)"
NEEDS_MODEL = (
    "needs a fitted model (python -m benchmark metrics fit-niqe --data CLEAN --out niqe.npz, "
    "then --metric-params niqe=niqe.npz)"
)


@dataclass(frozen=True, eq=False)
class NiqeModel:
    """A pristine NIQE model: feature mean and covariance, and how they were fitted."""

    mu: np.ndarray
    cov: np.ndarray
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """The model as .npz bytes (mu, cov and each setting as its own array)."""
        buffer = io.BytesIO()
        extra = {k: np.asarray(v) for k, v in self.settings.items()}
        np.savez(buffer, mu=self.mu, cov=self.cov, **extra)
        return buffer.getvalue()


def save_model(model: NiqeModel, path: Path) -> None:
    """Write the model to `path` atomically (never half a file)."""
    atomic_write_bytes(Path(path), model.to_bytes())


def load_model(path: str | Path) -> NiqeModel:
    """Read a model written by fit-niqe; MetricError (one line) if it is missing or not one."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise MetricError(f"NIQE model {path} is a folder: give the .npz file fit-niqe wrote")
    if not path.is_file():
        raise MetricError(f"NIQE model {path} not found: {NEEDS_MODEL.removeprefix('needs ')}")
    not_model = f"{path} is not a NIQE model (the .npz file fit-niqe writes)"
    if not zipfile.is_zipfile(path):  # a .npy, a pickle or any other file: never unpickled
        raise MetricError(f"{not_model}: not an .npz archive")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except ValueError as exc:
        why = "it holds pickled objects, which are never loaded" if "pickle" in str(exc) else exc
        raise MetricError(f"{not_model}: {why}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise MetricError(f"{not_model}: {exc}") from None
    mu = np.asarray(arrays.pop("mu", np.empty(0)), dtype=np.float64)
    cov = np.asarray(arrays.pop("cov", np.empty(0)), dtype=np.float64)
    if mu.shape != (N_FEATURES,) or cov.shape != (N_FEATURES, N_FEATURES):
        raise MetricError(
            f"{path} is not a NIQE model: needs mu ({N_FEATURES},) and cov "
            f"({N_FEATURES}x{N_FEATURES}), got {mu.shape} and {cov.shape}; refit with fit-niqe"
        )
    if not (np.isfinite(mu).all() and np.isfinite(cov).all()):
        raise MetricError(f"{path}: the NIQE model holds values that are not numbers; refit it")
    settings = {key: value.item() if value.ndim == 0 else value for key, value in arrays.items()}
    return NiqeModel(mu, cov, settings)


def fit_model(features: np.ndarray, **settings: Any) -> NiqeModel:
    """The pristine model of selected patch features (P, 36): mean and sample covariance."""
    features = features[np.isfinite(features).all(axis=1)]
    return NiqeModel(features.mean(axis=0), np.cov(features, rowvar=False), settings)


def distance(model: NiqeModel, features: np.ndarray) -> float:
    """NIQE of one image from its patch features; NaN with fewer than two usable patches."""
    features = features[np.isfinite(features).all(axis=1)]
    if len(features) < 2:
        return float("nan")
    delta = model.mu - features.mean(axis=0)
    pooled = (model.cov + np.cov(features, rowvar=False)) / 2
    tolerance = max(pooled.shape) * np.finfo(np.float64).eps  # MATLAB pinv's default tolerance
    inverse = np.linalg.pinv(pooled, rtol=tolerance)
    return float(np.sqrt(max(float(delta @ inverse @ delta), 0.0)))


def niqe_grey(model: NiqeModel, grey: np.ndarray) -> float:
    """NIQE of one grey image (0..255); NaN when it holds fewer than two 96x96 patches."""
    features, _ = patch_features(grey, int(model.settings.get("patch_size", PATCH)))
    return distance(model, features)


@functools.lru_cache(maxsize=1)
def live_model() -> NiqeModel:
    """The LIVE release's pristine model shipped with the suite."""
    return load_model(LIVE_MODEL)


def niqe(output: Tensor, reference: Tensor, *, model: NiqeModel | None = None) -> Tensor:
    """NIQE of each image of (N, 3, H, W) in [0, 1]: float64 (N,); `reference` is unused.

    Without `model`, the LIVE release's pristine model (the literature's NIQE).
    """
    if model is None:
        model = live_model()
    rgb = torch.round(output.detach().float().clamp(0, 1) * 255).permute(0, 2, 3, 1)
    greys = grey_255(rgb.cpu().numpy())
    return torch.tensor([niqe_grey(model, grey) for grey in greys], dtype=torch.float64)


def bind_niqe(path: str) -> Callable[[Tensor, Tensor], Tensor]:
    """The NIQE metric function with the model at `path` loaded (picklable: plain arrays)."""
    return functools.partial(niqe, model=load_model(path))
