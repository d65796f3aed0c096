"""Aligned full-reference scores on real video (the SelfSVD protocol): PSNR/SSIM against a
smoke-free reference frame of the same scene after dense optical-flow alignment.

Direction: the flow is computed on the output's grid, from the output to the reference (OpenCV
DIS, weight-free, on 8-bit grey), and the reference is resampled onto the output (bilinear
`cv2.remap`). So the method's own pixels are never interpolated (only the reference is, the same
frame for every method), and every output pixel gets one reference value (backward warping
leaves no holes). A pixel is valid when the forward and backward flows agree (Sundaram et al.
2010: |f + b(x + f)|^2 < 0.01 (|f|^2 + |b(x + f)|^2) + 0.5) and it lands inside the reference;
occluded, unmatched (the moving instrument, smoke the flow cannot see through) and out-of-frame
pixels are masked. `aligned_psnr` is the PSNR over the valid pixels' channels; `aligned_ssim`
averages the Gaussian SSIM map (sigma 1.5, 11x11, as `ssim`) over the valid mask eroded by the
window, so that no window touches an invalid pixel; `aligned_valid` is the valid share.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import Tensor

FB_ALPHA = 0.01  # forward-backward consistency: relative tolerance (Sundaram et al. 2010)
FB_BETA = 0.5  # and absolute tolerance in px^2
SSIM_SIGMA, SSIM_RADIUS = 1.5, 5  # the suite's SSIM window (scipy truncate 3.5: 11 taps)
K1, K2 = 0.01, 0.03
_LOCK = threading.Lock()  # Dask workers score in threads


@dataclass(frozen=True)
class Alignment:
    """One output aligned to its reference: the scores and the valid share of the pixels."""

    psnr: float
    ssim: float
    valid: float


def _uint8(image: Tensor) -> np.ndarray:
    """(3, H, W) in [0, 1] as an HxWx3 uint8 array."""
    rgb = (image.detach().float().clamp(0, 1) * 255.0).round().to(torch.uint8)
    return np.ascontiguousarray(rgb.permute(1, 2, 0).cpu().numpy())


def flow(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """DIS flow f (H, W, 2) on `source`'s grid with source(x) ~ target(x + f(x)) (grey uint8)."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return dis.calc(source, target, None)


def valid_mask(forward: np.ndarray, backward: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(valid pixels, sampling map) of a forward flow checked against the backward one."""
    height, width = forward.shape[:2]
    grid = np.stack(np.meshgrid(np.arange(width), np.arange(height)), axis=-1).astype(np.float32)
    where = grid + forward
    inside = (
        (where[..., 0] >= 0)
        & (where[..., 0] <= width - 1)
        & (where[..., 1] >= 0)
        & (where[..., 1] <= height - 1)
    )
    back = cv2.remap(backward, where[..., 0], where[..., 1], cv2.INTER_LINEAR)
    error = ((forward + back) ** 2).sum(-1)
    bound = FB_ALPHA * ((forward**2).sum(-1) + (back**2).sum(-1)) + FB_BETA
    return inside & (error < bound), where


def ssim_map(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The Gaussian SSIM map per pixel and channel of two float64 HxWx3 images in [0, 1]."""

    def blur(image: np.ndarray) -> np.ndarray:
        size = 2 * SSIM_RADIUS + 1
        return cv2.GaussianBlur(image, (size, size), SSIM_SIGMA, borderType=cv2.BORDER_REFLECT)

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    c1, c2 = K1**2, K2**2
    return ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))


def score_aligned(output: np.ndarray, reference: np.ndarray) -> Alignment:
    """Align `reference` onto `output` (HxWx3 uint8 each) and score the valid pixels."""
    out_grey = cv2.cvtColor(output, cv2.COLOR_RGB2GRAY)
    ref_grey = cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY)
    valid, where = valid_mask(flow(out_grey, ref_grey), flow(ref_grey, out_grey))
    warped = cv2.remap(
        reference.astype(np.float64) / 255.0, where[..., 0], where[..., 1], cv2.INTER_LINEAR
    )
    x = output.astype(np.float64) / 255.0
    share = float(valid.mean())
    if not valid.any():
        return Alignment(float("nan"), float("nan"), share)
    mse = float(((x - warped) ** 2)[valid].mean())
    psnr = float("inf") if mse == 0 else float(10.0 * np.log10(1.0 / mse))
    size = 2 * SSIM_RADIUS + 1
    window = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    inner = cv2.erode(
        valid.astype(np.uint8), window, borderType=cv2.BORDER_CONSTANT, borderValue=0
    ).astype(bool)
    ssim = float(ssim_map(x, warped)[inner].mean()) if inner.any() else float("nan")
    return Alignment(psnr, ssim, share)


#: the alignments of recent (output, reference) pairs by content digest: aligned_psnr, _ssim and
#: _valid are three metrics but share one alignment per image (the values only, never images)
_RECENT: OrderedDict[bytes, Alignment] = OrderedDict()
RECENT_MAX = 256


def _alignments(output: Tensor, reference: Tensor) -> list[Alignment]:
    if output.shape != reference.shape:
        raise ValueError(
            f"aligned metrics: output {tuple(output.shape)} and reference frames "
            f"{tuple(reference.shape)} differ in shape"
        )
    found = []
    for out, ref in zip(output, reference, strict=True):
        a, b = _uint8(out), _uint8(ref)
        digest = hashlib.blake2b(a.tobytes(), digest_size=16)
        digest.update(b.tobytes())
        key = digest.digest() + repr(a.shape).encode()
        with _LOCK:
            known = _RECENT.get(key)
        if known is None:
            known = score_aligned(a, b)
            with _LOCK:
                _RECENT[key] = known
                while len(_RECENT) > RECENT_MAX:
                    _RECENT.popitem(last=False)
        found.append(known)
    return found


def _column(output: Tensor, reference: Tensor, field: str) -> Tensor:
    values = [getattr(a, field) for a in _alignments(output, reference)]
    return torch.tensor(values, dtype=torch.float64)


def aligned_psnr(output: Tensor, reference: Tensor) -> Tensor:
    """PSNR (dB) over the valid pixels after aligning the reference frame to each output."""
    return _column(output, reference, "psnr")


def aligned_ssim(output: Tensor, reference: Tensor) -> Tensor:
    """Gaussian SSIM averaged over the eroded valid mask after alignment."""
    return _column(output, reference, "ssim")


def aligned_valid(output: Tensor, reference: Tensor) -> Tensor:
    """The share of output pixels the alignment could match to the reference (0..1)."""
    return _column(output, reference, "valid")
