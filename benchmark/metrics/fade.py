"""FADE, Choi, You and Bovik's fog aware density evaluator (TIP 2015), batched in torch (float64).

Per 8 x 8 patch of the 8-bit image, 12 fog-aware statistics (MSCN variance and the variances of
the negative and positive vertical MSCN products, local standard deviation and coefficient of
variation, contrast energy of grey, yellow-blue and red-green, entropy, dark channel, HSV
saturation, colourfulness), log(1 + f); the Mahalanobis-like distance of each patch to a
fog-free and a foggy model; FADE = mean(D_fogfree) / (mean(D_foggy) + 1), lower = less fog.

It follows the authors' MATLAB release as the `fade-python` package (import `pyfade`) does, the
reference it is tested against (1e-6 relative per image): MATLAB's rgb2gray rounding, imfilter
with replicated borders, the copied 10-pixel frame of the contrast-energy filter, sample
variances that skip NaN, and MATLAB's exact moments in constant 7 x 7 windows (a lookup table).
The two models and that table are the authors' files bundled with `fade-python` (a runtime
dependency), read from its installed folder, never copied here: its notice keeps the FADE
assets under their authors' terms.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage
from scipy.io import loadmat
from torch import Tensor

from ..errors import MetricError
from .no_reference import GREY_MATLAB, max_filter, min_filter

PATCH = 8
MSCN_SIZE, MSCN_SIGMA = 7, 7.0 / 6.0
CE_SIGMA, CE_BREAK_OFF, CE_SEMISATURATION = 3.25, 3.0, 0.1
CE_BORDER = 20
CE_NOISE = (  # the authors' noise thresholds for grey, yellow-blue and red-green, x 255
    9.225496406318721e-004 * 255.0,
    8.969246659629488e-004 * 255.0,
    2.069284034165411e-004 * 255.0,
)
MODEL_FILES = {
    "fogfree": ("natural_fogfree_image_features_ps8.mat", "mu_fogfreeparam", "cov_fogfreeparam"),
    "foggy": ("natural_foggy_image_features_ps8.mat", "mu_foggyparam", "cov_foggyparam"),
}
LOOKUP_FILE = "matlab_constant_window_lookup.mat"
NEEDS = "needs the fade-python package (pip install fade-python), whose FADE models it reads"


def model_folder() -> Path:
    """The folder of the authors' FADE models inside the installed fade-python package."""
    spec = importlib.util.find_spec("pyfade")
    if spec is None or not spec.submodule_search_locations:
        raise MetricError(f"fade {NEEDS}")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    if not (folder / LOOKUP_FILE).is_file():
        raise MetricError(f"fade: {folder} lacks the FADE model files; reinstall fade-python")
    return folder


@functools.lru_cache(maxsize=1)
def _assets() -> dict[str, np.ndarray]:
    """The models (mu, inverse of cov / 2, its row sums) and MATLAB's constant-window moments."""
    folder = model_folder()
    assets: dict[str, np.ndarray] = {}
    for name, (file, mu_key, cov_key) in MODEL_FILES.items():
        mat = loadmat(folder / file)
        inverse = np.linalg.inv(np.asarray(mat[cov_key], np.float64) / 2.0)
        assets[f"{name}_mu"] = np.asarray(mat[mu_key], np.float64).reshape(-1)
        assets[f"{name}_inverse"] = inverse
    lookup = loadmat(folder / LOOKUP_FILE)
    assets["mu_offsets"] = np.asarray(lookup["mu_offsets"], np.float64).reshape(-1)
    assets["m2_offsets"] = np.asarray(lookup["m2_offsets"], np.float64).reshape(-1)
    return assets


def _ce_kernel() -> np.ndarray:
    """The second-derivative-of-Gaussian filter of the contrast energy (20 taps, as MATLAB's)."""
    half = CE_BREAK_OFF * CE_SIGMA
    x = -half + np.arange(math.floor(2 * half + 1e-12) + 1, dtype=np.float64)
    gauss = np.exp((x * x) / (-2.0 * CE_SIGMA**2)) / (math.sqrt(2.0 * math.pi) * CE_SIGMA)
    gauss /= gauss.sum()
    gx = ((x * x) / CE_SIGMA**4 - 1.0 / CE_SIGMA**2) * gauss
    gx -= gx.sum() / x.size
    return gx / np.sum(0.5 * x * x * gx)


def _blocks(maps: Tensor) -> Tensor:
    """(N, H, W) -> (N, H/8, W/8, 64): the pixels of each 8 x 8 patch."""
    n, h, w = maps.shape
    blocks = maps.reshape(n, h // PATCH, PATCH, w // PATCH, PATCH).permute(0, 1, 3, 2, 4)
    return blocks.reshape(n, h // PATCH, w // PATCH, PATCH * PATCH)


def _nanvar(values: Tensor, dim: int = -1) -> Tensor:
    """Sample variance skipping NaN (0 for one value, NaN for none), as MATLAB's nanvar."""
    valid = ~torch.isnan(values)
    count = valid.sum(dim=dim, keepdim=True).double()
    zero = torch.zeros_like(values)
    mean = torch.where(valid, values, zero).sum(dim=dim, keepdim=True) / count.clamp_min(1)
    centred = torch.where(valid, values - mean, zero)
    var = (centred * centred).sum(dim=dim, keepdim=True) / (count - 1).clamp_min(1)
    var = torch.where(count == 1, torch.zeros_like(var), var)
    return torch.where(count == 0, torch.full_like(var, math.nan), var).squeeze(dim)


@functools.lru_cache(maxsize=1)
def _mscn_taps() -> tuple[np.ndarray, np.ndarray]:
    """The 7 x 7 Gaussian's column and row factors, as MATLAB's imfilter splits it (SVD)."""
    x = np.arange(MSCN_SIZE, dtype=np.float64) - (MSCN_SIZE - 1) / 2.0
    xx, yy = np.meshgrid(x, x)
    kernel = np.exp(-(xx * xx + yy * yy) / (2.0 * MSCN_SIGMA * MSCN_SIGMA))
    kernel /= kernel.sum()
    kernel /= kernel.sum()
    u, s, vh = np.linalg.svd(kernel)
    column, row = math.sqrt(s[0]) * u[:, 0], math.sqrt(s[0]) * vh[0]
    if column[MSCN_SIZE // 2] < 0:
        column, row = -column, -row
    return column, row


def _smooth(greys: np.ndarray) -> np.ndarray:
    """The 7 x 7 Gaussian of (N, H, W) grey images, replicated borders (the reference's bits)."""
    column, row = _mscn_taps()
    rows = ndimage.correlate1d(greys, column, axis=1, mode="nearest")
    return ndimage.correlate1d(rows, row, axis=2, mode="nearest")


def _moments(grey: Tensor, assets: dict[str, np.ndarray]) -> tuple[Tensor, Tensor]:
    """Local mean and second moment (N, 1, H, W), MATLAB's values in constant 7 x 7 windows.

    The MSCN products are split by sign, so a mean off by one ulp where the grey level equals it
    moves a pixel to the other side: the smoothing runs in scipy, in the reference's order.
    """
    planes = grey[:, 0].cpu().numpy()
    mu = torch.from_numpy(_smooth(planes)).unsqueeze(1)
    m2 = torch.from_numpy(_smooth(planes * planes)).unsqueeze(1)
    mu, m2 = mu.to(grey.device), m2.to(grey.device)
    flat = max_filter(grey, MSCN_SIZE) == min_filter(grey, MSCN_SIZE)
    if bool(flat.any()):  # MATLAB's moments of a constant window differ from the exact value
        level = grey.long().clamp(0, 255)
        mu_offsets = torch.from_numpy(assets["mu_offsets"]).to(grey.device)
        m2_offsets = torch.from_numpy(assets["m2_offsets"]).to(grey.device)
        mu = torch.where(flat, grey + mu_offsets[level], mu)
        m2 = torch.where(flat, grey * grey + m2_offsets[level], m2)
    return mu, m2


def _contrast_energy(channels: Tensor) -> Tensor:
    """The contrast energy of each (N, C, H, W) channel, before the per-channel noise floor."""
    n, c, h, w = channels.shape
    x = channels.reshape(n * c, 1, h, w)
    half = CE_BORDER // 2
    # the authors' border: the first and last 10 rows, then columns, copied (not mirrored)
    x = torch.cat([x[:, :, :half], x, x[:, :, -half:]], dim=2)
    x = torch.cat([x[:, :, :, :half], x, x[:, :, :, -half:]], dim=3)
    # scipy's 1-D convolution with zeros outside, as the reference: torch's float64 conv2d
    # took 2.2 of 3.1 s for 8 frames of 256x256 here, scipy 0.1 s
    padded, taps = x[:, 0].cpu().numpy(), _ce_kernel()
    cx = torch.from_numpy(ndimage.convolve1d(padded, taps, axis=2, mode="constant")).to(x.device)
    cy = torch.from_numpy(ndimage.convolve1d(padded, taps, axis=1, mode="constant")).to(x.device)
    cx, cy = cx.unsqueeze(1), cy.unsqueeze(1)
    contrast = torch.sqrt(cx * cx + cy * cy)[:, :, half : half + h, half : half + w]
    peak = contrast.amax(dim=(2, 3), keepdim=True)
    response = contrast * peak / (contrast + peak * CE_SEMISATURATION)
    return response.reshape(n, c, h, w)


def _features(rgb: Tensor, assets: dict[str, np.ndarray]) -> Tensor:
    """The 12 log(1 + f) features of every 8 x 8 patch: (N, P, 12) for (N, 3, H, W) 0..255."""
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    weights = torch.tensor(GREY_MATLAB, dtype=rgb.dtype, device=rgb.device)
    grey = torch.floor(torch.einsum("nchw,c->nhw", rgb, weights) + 0.5).clamp(0, 255)
    mu, m2 = _moments(grey.unsqueeze(1), assets)
    mu, m2 = mu.squeeze(1), m2.squeeze(1)
    sigma = torch.sqrt(torch.abs(m2 - mu * mu))
    mscn = (grey - mu) / (sigma + 1.0)
    cv = sigma / mu
    pair = mscn * torch.roll(mscn, shifts=1, dims=1)
    nan = torch.full_like(pair, math.nan)
    top = rgb.amax(dim=1)
    spread = top - rgb.amin(dim=1)
    saturation = torch.where(top > 0, (spread / 255.0) / (top / 255.0), torch.zeros_like(top))
    rg, yb = r - g, 0.5 * (r + g) - b
    ce = _contrast_energy(torch.stack([0.299 * r + 0.587 * g + 0.114 * b, yb, rg], dim=1))
    noise = torch.tensor(CE_NOISE, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    ce = ce - noise
    ce = torch.where(ce > 1e-7, ce, torch.zeros_like(ce))
    rg_blocks, yb_blocks = _blocks(rg), _blocks(yb)
    colour = torch.sqrt(rg_blocks.var(dim=-1) + yb_blocks.var(dim=-1))
    colour += 0.3 * torch.sqrt(rg_blocks.mean(dim=-1) ** 2 + yb_blocks.mean(dim=-1) ** 2)
    features = [
        _nanvar(_blocks(mscn)),
        _nanvar(_blocks(torch.where(pair < 0, nan, pair))),
        _nanvar(_blocks(torch.where(pair > 0, nan, pair))),
        _blocks(sigma).mean(dim=-1),
        _blocks(cv).mean(dim=-1),
        *(_blocks(ce[:, k]).mean(dim=-1) for k in range(3)),
        _block_entropy(grey.long()),
        _blocks(torch.minimum(torch.minimum(r / 255.0, g / 255.0), b / 255.0)).mean(dim=-1),
        _blocks(saturation).mean(dim=-1),
        colour,
    ]
    stacked = torch.stack(features, dim=-1)
    return torch.log1p(stacked.reshape(stacked.shape[0], -1, len(features)))


def _block_entropy(levels: Tensor) -> Tensor:
    """Shannon entropy (bits) of the 256-bin histogram of each 8 x 8 patch of (N, H, W) levels."""
    blocks = _blocks(levels)
    shape = blocks.shape[:-1]
    flat = blocks.reshape(-1, PATCH * PATCH)
    offsets = torch.arange(flat.shape[0], device=flat.device).unsqueeze(1) * 256
    counts = torch.bincount((flat + offsets).flatten(), minlength=flat.shape[0] * 256)
    p = counts.view(flat.shape[0], 256).double() / (PATCH * PATCH)
    terms = torch.where(p > 0, -p * torch.log2(p.clamp_min(1e-300)), torch.zeros_like(p))
    return terms.sum(dim=1).view(shape)


def _distance(features: Tensor, mu: Tensor, inverse: Tensor) -> Tensor:
    """Mean over patches of sqrt(d^T ((cov + var_p 1 1^T) / 2)^-1 d), d = mu - f (Sherman-Morrison)."""
    delta = mu - features  # (N, P, 12)
    alpha = _nanvar(features) / 2.0  # each patch's variance over its 12 features
    ones = torch.ones(mu.shape[0], dtype=mu.dtype, device=mu.device)
    inverse_ones = inverse @ ones
    quad_ones = ones @ inverse_ones
    base = torch.einsum("npi,ij,npj->np", delta, inverse, delta)
    along = delta @ inverse_ones
    squared = base - alpha * along * along / (1.0 + alpha * quad_ones)
    squared = torch.where((squared < 0) & (squared.abs() < 1e-12), 0.0, squared)
    return torch.nanmean(torch.sqrt(squared), dim=1)


def fade(output: Tensor, hazy: Tensor | None = None) -> Tensor:
    """FADE fog density of each image of (N, 3, H, W) in [0, 1]: float64 (N,), lower = less fog."""
    assets = _assets()
    n, _, h, w = output.shape
    h, w = h // PATCH * PATCH, w // PATCH * PATCH
    if h == 0 or w == 0:
        return torch.full((n,), math.nan, dtype=torch.float64, device=output.device)
    rgb = torch.floor(output[:, :3, :h, :w].double().clamp(0, 1) * 255.0 + 0.5)
    features = _features(rgb, assets)
    tensors = {k: torch.from_numpy(v).to(rgb.device) for k, v in assets.items()}
    fogfree = _distance(features, tensors["fogfree_mu"], tensors["fogfree_inverse"])
    foggy = _distance(features, tensors["foggy_mu"], tensors["foggy_inverse"])
    return fogfree / (foggy + 1.0)
