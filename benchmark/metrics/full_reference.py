"""Full-reference image-quality metrics for dehazing: PSNR, SSIM and CIEDE2000, batched in torch.

Every metric takes ``pred`` and ``target``, float tensors of shape (N, 3, H, W) holding sRGB values
in [0, 1] on any one device (CPU or CUDA), and returns a float64 tensor of shape (N,) on that
device: one value per image. No metric leaves the device or loops over images or pixels; the CPU
paths walk over the image in cache-sized strips or chunks, each strip vectorised over the batch.

Definitions (each equals its scikit-image counterpart, checked in tests/benchmark/test_metrics.py;
``t``, ``p`` are one image of ``target``, ``pred`` as an (H, W, 3) float64 array):

- ``psnr``: 10 * log10(data_range**2 / MSE), MSE over all channels and pixels of the image, so
  identical images give +inf. Equals ``skimage.metrics.peak_signal_noise_ratio(t, p,
  data_range=data_range)``. Accumulated in float64.
- ``ssim``: SSIM of Wang et al. (2004) per channel, with a Gaussian window of sigma 1.5 truncated
  at 3.5 sigma (11 x 11 taps), K1 = 0.01, K2 = 0.03, C1 = (K1 * L)**2, C2 = (K2 * L)**2 with
  L = data_range, population (co)variances; the SSIM map is averaged over the valid region, the
  image without a 5-pixel border (skimage crops (win_size - 1) // 2 = 5 pixels per side), then over
  the three channels. Equals ``skimage.metrics.structural_similarity(t, p, channel_axis=-1,
  data_range=data_range, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)``.
  Images smaller than 11 x 11 are rejected, as skimage does.
- ``ciede2000``: mean over pixels of the CIEDE2000 colour difference (kL = kC = kH = 1) between
  the CIELAB conversions of the two images (sRGB -> linear RGB -> XYZ -> CIELAB, illuminant D65,
  2-degree observer, the constants of ``skimage.color.rgb2lab``). Equals
  ``skimage.color.deltaE_ciede2000(rgb2lab(t), rgb2lab(p)).mean()``. Computed in float64.

How SSIM is computed: skimage filters with ``scipy.ndimage.gaussian_filter(mode="reflect")``, but
every pixel of the cropped valid region has its whole 11 x 11 window inside the image, so the
padding never reaches the mean: filtering without padding ("valid") gives the same numbers. The
separable Gaussian runs as matrix products with banded matrices (16-row blocks, then 16-column
blocks) over four maps per channel, built from s = x + y and d = x - y minus their means over the
current 32-row strip (s', d'): s', d', s'^2 + 2 C2 and d'^2. Local variances come out as
E[s'^2] - E[s']^2 (shift-invariant, so the centring removes most float32 cancellation), and

    SSIM = (S^2 - D^2 + 2 C1) (Vs - Vd + 2 C2) / ((S^2 + D^2 + 2 C1) (Vs + Vd + 2 C2))

with S, D the local means and Vs, Vd the local variances of s and d (the usual formula, since
4 mu_x mu_y = S^2 - D^2 and 4 cov = Vs - Vd). Each factor is 1 - (small D or Vd term) /
denominator, so rounding in the large S and Vs terms is scaled down by D^2 and Vd: identical images
give exactly 1, and flat regions (where Vd is 0) lose nothing. On CPU the filtering runs in float32
(float64 takes 2-3x as long there); the tests hold it to skimage's float64 result within 1e-5 on
random, constant, near-saturated, two-level and real images (observed: at most about 1e-7). Known
limit of float32: contrived patterns can reach a few 1e-5 - a search found at most 4e-5, for a
+-0.04 checkerboard inverted between the two images, in 32-pixel stripes alternating between
levels 0 and 0.96. On other devices (CUDA) the work is float64 throughout, as it is on CPU when
float32 matrix products are set to a reduced precision (TF32 / bfloat16 settings).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch
from torch import Tensor

__all__ = ["ciede2000", "psnr", "ssim"]

# SSIM constants (Wang et al. 2004, skimage's gaussian_weights=True defaults).
_SSIM_SIGMA = 1.5
_SSIM_TRUNCATE = 3.5
_SSIM_RADIUS = int(_SSIM_TRUNCATE * _SSIM_SIGMA + 0.5)  # 5, as scipy.ndimage computes it
_SSIM_WIN = 2 * _SSIM_RADIUS + 1  # 11
_SSIM_K1 = 0.01
_SSIM_K2 = 0.03
_SSIM_ROW_BLOCK = 16  # output rows per banded vertical product
_SSIM_COL_BLOCK = 16  # output columns per banded horizontal product (must be >= 2 * radius)
_SSIM_CPU_STRIP = 32  # output rows per strip on CPU (keeps the strip's maps in cache)
_SSIM_CPU_BUDGET = 1 << 21  # elements per strip buffer on CPU, shrinks the strip for big batches
_SSIM_GPU_STRIP = 4096
_SSIM_GPU_BUDGET = 1 << 24

# sRGB (D65) -> XYZ and the D65 / 2-degree white point, exactly as skimage.color.rgb2lab.
_XYZ_FROM_RGB = (
    (0.412453, 0.357580, 0.180423),
    (0.212671, 0.715160, 0.072169),
    (0.019334, 0.119193, 0.950227),
)
_WHITE_D65_2 = (0.95047, 1.0, 1.08883)
_TWO_PI = 2.0 * math.pi
_CIEDE_CPU_CHUNK = 1 << 17  # pixels (whole batch) per CIEDE2000 chunk on CPU: stays in cache
_PSNR_CPU_CHUNK = 1 << 18  # values (whole batch) per PSNR chunk on CPU
_GPU_CHUNK = 1 << 24  # either, on other devices


def _check_pair(name: str, pred: Tensor, target: Tensor) -> None:
    """Validate a (pred, target) pair so that every metric fails early with a one-line reason."""
    if not isinstance(pred, Tensor) or not isinstance(target, Tensor):
        raise TypeError(
            f"{name}: pred and target must be torch tensors, got "
            f"{type(pred).__name__} and {type(target).__name__}"
        )
    if pred.ndim != 4 or target.ndim != 4:
        raise ValueError(
            f"{name}: expected tensors of shape (N, 3, H, W), got pred.ndim={pred.ndim} "
            f"and target.ndim={target.ndim}"
        )
    if pred.shape != target.shape:
        raise ValueError(
            f"{name}: pred and target shapes differ: {tuple(pred.shape)} vs {tuple(target.shape)}"
        )
    if pred.shape[1] != 3:
        raise ValueError(
            f"{name}: expected 3 (RGB) channels in dim 1, got shape {tuple(pred.shape)}"
        )
    if pred.shape[2] == 0 or pred.shape[3] == 0:
        raise ValueError(f"{name}: images are empty, shape {tuple(pred.shape)}")
    if not pred.is_floating_point() or not target.is_floating_point():
        raise ValueError(
            f"{name}: expected floating-point tensors in [0, 1], got {pred.dtype} and {target.dtype}"
        )
    if pred.device != target.device:
        raise ValueError(
            f"{name}: pred and target are on different devices: {pred.device} vs {target.device}"
        )


def _check_range(name: str, data_range: float) -> float:
    """Return data_range as a float, rejecting non-positive or non-finite values."""
    value = float(data_range)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: data_range must be a positive finite number, got {data_range}")
    return value


@torch.no_grad()
def psnr(pred: Tensor, target: Tensor, data_range: float = 1.0) -> Tensor:
    """PSNR in dB per image over all channels and pixels: the standard fidelity score (+inf if equal)."""
    _check_pair("psnr", pred, target)
    peak = _check_range("psnr", data_range)
    n = pred.shape[0]
    if n == 0:
        return torch.empty(0, dtype=torch.float64, device=pred.device)
    p = pred.reshape(n, -1)
    t = target.reshape(n, -1)
    count = p.shape[1]
    # float64 copies of a whole batch would be large; chunks of the flattened images keep the
    # float64 temporaries in cache on CPU (one chunk per image on GPU).
    budget = _PSNR_CPU_CHUNK if pred.device.type == "cpu" else _GPU_CHUNK
    step = max(budget // n, 1024)
    sse = torch.zeros(n, dtype=torch.float64, device=pred.device)
    for start in range(0, count, step):
        diff = p[:, start : start + step].to(torch.float64) - t[:, start : start + step]
        sse += torch.linalg.vecdot(diff, diff)
    return 10.0 * torch.log10(peak * peak / (sse / count))


def _fp32_matmul_is_ieee(device: torch.device) -> bool:
    """Whether float32 matrix products on this device run in full float32 (no TF32 / bf16)."""
    if device.type != "cpu":
        return False  # other devices use float64: immune to TF32 settings, cheap on GPUs
    matmul = getattr(torch.backends.mkldnn, "matmul", None)
    precision = getattr(matmul, "fp32_precision", None)
    if precision is None:  # torch without per-backend precision flags
        return torch.get_float32_matmul_precision() == "highest"
    if precision == "none":  # not set for the backend: the global setting applies
        precision = getattr(torch.backends, "fp32_precision", "none")
    return precision in ("none", "ieee")


def _gaussian_taps() -> Tensor:
    """The 11 normalised Gaussian taps of scipy.ndimage.gaussian_filter(sigma=1.5, truncate=3.5)."""
    x = torch.arange(-_SSIM_RADIUS, _SSIM_RADIUS + 1, dtype=torch.float64)
    phi = torch.exp(-0.5 / (_SSIM_SIGMA * _SSIM_SIGMA) * x * x)
    return phi / phi.sum()


def _band(rows: int, cols: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    """Banded (rows, cols) matrix whose row i holds the Gaussian taps at columns i..i+10."""
    taps = _gaussian_taps()
    band = torch.zeros(rows, cols, dtype=torch.float64)
    index = torch.arange(rows)[:, None] + torch.arange(_SSIM_WIN)[None, :]
    band.scatter_(1, index, taps.expand(rows, _SSIM_WIN))
    return band.to(device=device, dtype=dtype)


@torch.no_grad()
def ssim(pred: Tensor, target: Tensor, data_range: float = 1.0) -> Tensor:
    """Gaussian-window SSIM per image (mean over valid region, then channels), as skimage computes it."""
    _check_pair("ssim", pred, target)
    peak = _check_range("ssim", data_range)
    n, ch, h, w = pred.shape
    if h < _SSIM_WIN or w < _SSIM_WIN:
        raise ValueError(
            f"ssim: images must be at least {_SSIM_WIN}x{_SSIM_WIN} (the Gaussian window), "
            f"got {w}x{h} (width x height)"
        )
    if n == 0:
        return torch.empty(0, dtype=torch.float64, device=pred.device)
    device = pred.device
    dtype = torch.float32 if _fp32_matmul_is_ieee(device) else torch.float64
    rad, rb, bw = _SSIM_RADIUS, _SSIM_ROW_BLOCK, _SSIM_COL_BLOCK
    ho, wo = h - 2 * rad, w - 2 * rad  # the valid (cropped) region
    wp = -(-w // bw) * bw  # row length padded to whole column blocks
    row_elems = n * ch * 4 * wp  # one row of the four maps of every image and channel
    cpu = device.type == "cpu"
    strip_max, budget = (
        (_SSIM_CPU_STRIP, _SSIM_CPU_BUDGET) if cpu else (_SSIM_GPU_STRIP, _SSIM_GPU_BUDGET)
    )
    strip = min(strip_max, budget // row_elems, -(-ho // rb) * rb)
    strip = max(rb, strip // rb * rb)

    # Horizontal pass: output block j of bw columns = X_j @ head + (first 2*rad of X_{j+1}) @ tail,
    # where X_j are the non-overlapping bw-column blocks of a row; vertical pass: a banded
    # (rb, rb + 2*rad) matrix applied to overlapping row blocks in one batched product.
    horiz = _band(bw, bw + 2 * rad, dtype, device).T
    head, tail = horiz[:bw].contiguous(), horiz[bw:].contiguous()
    vert = _band(rb, rb + 2 * rad, dtype, device)
    c1x2 = torch.tensor(2.0 * (_SSIM_K1 * peak) ** 2, dtype=dtype, device=device)
    c2x2 = torch.tensor(2.0 * (_SSIM_K2 * peak) ** 2, dtype=dtype, device=device)

    # maps[row, image, channel, k, col] for k = s', d', s'^2 + 2 C2, d'^2 with s' = x + y - c_s and
    # d' = x - y - c_d; the padding columns stay zero (finite), and the filtered buffer has one
    # spare block for the shifted view of the horizontal pass.
    maps = torch.empty(strip + 2 * rad, n, ch, 4, wp, dtype=dtype, device=device)
    maps[..., w:].zero_()
    m = row_elems
    vflat = torch.empty(strip * m + bw, dtype=dtype, device=device)
    vflat[strip * m :].zero_()
    hflat = torch.empty(strip * m, dtype=dtype, device=device)
    acc = torch.zeros(strip, n, ch, dtype=torch.float64, device=device)

    for r0 in range(0, ho, strip):
        r = min(strip, ho - r0)
        rin = r + 2 * rad
        blocks = -(-r // rb)
        rr = blocks * rb  # rows computed, >= r; rows beyond rin read zeros
        x = pred[:, :, r0 : r0 + rin].permute(2, 0, 1, 3)
        y = target[:, :, r0 : r0 + rin].permute(2, 0, 1, 3)
        mean_x = x.mean(dim=(0, 3)).to(dtype)
        mean_y = y.mean(dim=(0, 3)).to(dtype)
        c_s = (mean_x + mean_y)[..., None]
        c_d = (mean_x - mean_y)[..., None]
        s = maps[:rin, :, :, 0, :w]
        d = maps[:rin, :, :, 1, :w]
        torch.sub(x, c_s, out=s)  # computed in the work dtype (c_s has it)
        s.add_(y)
        torch.sub(x, c_d, out=d)
        d.sub_(y)
        torch.addcmul(c2x2, s, s, out=maps[:rin, :, :, 2, :w])
        torch.mul(d, d, out=maps[:rin, :, :, 3, :w])
        if rin < rr + 2 * rad:
            maps[rin : rr + 2 * rad].zero_()

        rows_in = maps.as_strided((blocks, rb + 2 * rad, m), (rb * m, m, 1))
        torch.matmul(vert, rows_in, out=vflat[: rr * m].view(blocks, rb, m))
        filtered = hflat[: rr * m].view(-1, bw)
        torch.mm(vflat[: rr * m].view(-1, bw), head, out=filtered)
        filtered.addmm_(vflat[bw : rr * m + bw].view(-1, bw)[:, : 2 * rad], tail)

        # With S, D the local means of x + y and x - y and Vs, Vd their local variances:
        #   SSIM = (S^2 - D^2 + 2 C1) (Vs - Vd + 2 C2) / ((S^2 + D^2 + 2 C1) (Vs + Vd + 2 C2)).
        # Numerators and denominators share the S^2 and Vs terms, so each factor is 1 - (term in
        # D or Vd) / denominator: rounding errors of the large S, Vs terms only reach the result
        # scaled by the small D^2, Vd (exactly 1 for identical images, flat regions included).
        ms, md, vs, vd = hflat[: r * m].view(r, n, ch, 4, wp).unbind(3)
        vs.addcmul_(ms, ms, value=-1.0)  # Vs + 2 C2
        vd.addcmul_(md, md, value=-1.0)  # Vd
        cs_num = vs - vd
        cs_den = vs.add_(vd)
        ms += c_s
        md += c_d
        l_den = torch.addcmul(c1x2, ms, ms).addcmul_(md, md)  # S^2 + D^2 + 2 C1
        l_num = torch.addcmul(l_den, md, md, value=-2.0, out=ms)  # S^2 - D^2 + 2 C1
        ssim_map = l_num.mul_(cs_num).div_(l_den.mul_(cs_den))
        acc[:r] += ssim_map[..., :wo].sum(dim=-1)

    return acc.sum(dim=0).mean(dim=1) / (ho * wo)


def _srgb_to_linear(rgb: Tensor) -> Tensor:
    """Linear float64 RGB of sRGB values, as skimage.color.rgb2lab's first step."""
    if rgb.dtype == torch.float32:
        # 8-bit values (k / 255, what every run scores) go through a 256-entry table of the same
        # formula: 1.3 ms instead of 8.4 ms per 16 x 3 x 16384 values on 2 CPU threads.
        level = rgb.mul(255.0).round_().clamp_(0.0, 255.0)
        if torch.equal(level.div(255.0), rgb):
            return torch.take(_srgb_table(rgb.device), level.to(torch.int64))
    x = rgb.to(torch.float64)
    return torch.where(x > 0.04045, _power(x.add(0.055).div_(1.055), 2.4), x.div(12.92))


@functools.cache
def _srgb_table(device: torch.device) -> Tensor:
    """The linear float64 value of each float32 8-bit level k / 255, k = 0..255 (built once)."""
    levels = (torch.arange(256, dtype=torch.float32) / 255.0).to(torch.float64)
    table = torch.where(
        levels > 0.04045, _power(levels.add(0.055).div_(1.055), 2.4), levels.div(12.92)
    )
    return table.to(device)


def _power(x: Tensor, exponent: float) -> Tensor:
    """x ** exponent in float64; numpy's on CPU (2.5x faster than torch's pow there)."""
    if x.device.type == "cpu":
        with np.errstate(invalid="ignore"):  # negative bases: NaN in the branch not taken
            return torch.from_numpy(np.power(x.numpy(), exponent))
    return x.pow(exponent)


def _cube_root(x: Tensor) -> Tensor:
    """Real cube root in float64; numpy's cbrt on CPU (as skimage; 4x faster than torch's pow)."""
    if x.device.type == "cpu":
        return torch.from_numpy(np.cbrt(x.numpy()))
    return x.clamp(min=0.0).pow(1.0 / 3.0)


def _seventh_power(x: Tensor) -> Tensor:
    """x ** 7 by three products (torch's float64 pow is 7x slower on CPU)."""
    square = x * x
    return square.mul(square).mul_(square).mul_(x)


def _rgb_to_lab(rgb: Tensor, xyz_over_white: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """CIELAB (L, a, b), float64, of sRGB pixels (B, 3, P), following skimage.color.rgb2lab."""
    xyz = torch.matmul(xyz_over_white, _srgb_to_linear(rgb).contiguous())
    f = torch.where(xyz > 0.008856, _cube_root(xyz), xyz.mul(7.787).add_(16.0 / 116.0))
    fx, fy, fz = f.unbind(1)
    return fy.mul(116.0).sub_(16.0), (fx - fy).mul_(500.0), (fy - fz).mul_(200.0)


def _ciede2000_pixels(pred: Tensor, target: Tensor, xyz_over_white: Tensor) -> Tensor:
    """Per-pixel CIEDE2000 between target (reference) and pred, (N, 3, P) -> (N, P), float64."""
    n = pred.shape[0]
    lum, a, b = _rgb_to_lab(torch.cat((target, pred)), xyz_over_white)

    # Chroma-dependent stretch of a (the "prime" coordinates), then polar (C, h in [0, 2 pi)).
    chroma = torch.hypot(a, b)
    c_mean = chroma[:n] + chroma[n:]
    c_mean.mul_(0.5)
    c7 = _seventh_power(c_mean)
    stretch = c7.div(c7 + 25.0**7).sqrt_().mul_(-0.5).add_(1.5)  # 1 + G
    a_prime = a.view(2, n, -1).mul(stretch).view(2 * n, -1)
    c_prime = torch.hypot(a_prime, b)
    hue = torch.atan2(b, a_prime).remainder_(_TWO_PI)
    c1, c2, h1, h2, l1, l2 = c_prime[:n], c_prime[n:], hue[:n], hue[n:], lum[:n], lum[n:]

    # Lightness term.
    u = (l1 + l2).mul_(0.5).sub_(50.0)
    u.mul_(u)
    s_l = u.mul(0.015).div_(u.add_(20.0).sqrt_()).add_(1.0)
    l_term = (l2 - l1).div_(s_l)

    # Chroma term.
    c_bar = (c1 + c2).mul_(0.5)
    c_term = (c2 - c1).div_(c_bar.mul(0.045).add_(1.0))

    # Hue term. Where C1 C2 = 0 (an achromatic pixel) skimage sets dh' = 0 and h_bar = h1 + h2;
    # both only ever multiply sqrt(C1 C2) = 0 there, so no special case is needed.
    h_sum = h1 + h2
    h_diff = h2 - h1
    far = h_diff.abs() > math.pi  # hues more than half a turn apart
    # dh' wrapped into [-pi, pi]: h_diff / 2 pi rounds to +-1 exactly when |h_diff| > pi (a tie
    # at pi rounds to even, 0, as skimage leaves dh' = pi); two ops instead of two nested wheres
    d_h = h_diff.sub_(torch.round(h_diff / _TWO_PI).mul_(_TWO_PI))
    h_term = (c1 * c2).sqrt_().mul_(2.0).mul_(d_h.mul_(0.5).sin_())
    # mean hue: h_sum + 2 pi below 2 pi, h_sum - 2 pi above, i.e. (h_sum + 2 pi) mod 4 pi
    h_bar = torch.where(far, h_sum.add(_TWO_PI).remainder_(2.0 * _TWO_PI), h_sum).mul_(0.5)
    t = torch.sub(h_bar, math.radians(30.0)).cos_().mul_(-0.17).add_(1.0)
    t.add_(torch.mul(h_bar, 2.0).cos_().mul_(0.24))
    t.add_(torch.mul(h_bar, 3.0).add_(math.radians(6.0)).cos_().mul_(0.32))
    t.sub_(torch.mul(h_bar, 4.0).sub_(math.radians(63.0)).cos_().mul_(0.20))
    h_term.div_(t.mul_(c_bar).mul_(0.015).add_(1.0))

    # Hue-rotation term.
    c7 = _seventh_power(c_bar)
    r_c = c7.div(c7 + 25.0**7).sqrt_().mul_(2.0)
    angle = h_bar.rad2deg().sub_(275.0).div_(25.0)
    angle = angle.mul_(angle).neg_().exp_().mul_(math.radians(30.0))
    r_term = angle.mul_(2.0).sin_().mul_(r_c).mul_(c_term).mul_(h_term).neg_()

    d_e2 = l_term.mul_(l_term).addcmul_(c_term, c_term).addcmul_(h_term, h_term).add_(r_term)
    return d_e2.clamp_(min=0.0).sqrt_()


@torch.no_grad()
def ciede2000(pred: Tensor, target: Tensor) -> Tensor:
    """Mean CIEDE2000 colour difference per image (D65 CIELAB, float64): perceptual colour error."""
    _check_pair("ciede2000", pred, target)
    n = pred.shape[0]
    if n == 0:
        return torch.empty(0, dtype=torch.float64, device=pred.device)
    p = pred.reshape(n, 3, -1)
    t = target.reshape(n, 3, -1)
    count = p.shape[-1]
    device = pred.device
    matrix = torch.tensor(_XYZ_FROM_RGB, dtype=torch.float64)
    white = torch.tensor(_WHITE_D65_2, dtype=torch.float64)
    xyz_over_white = (matrix / white[:, None]).to(device)
    budget = _CIEDE_CPU_CHUNK if device.type == "cpu" else _GPU_CHUNK
    step = max(budget // n, 1024)
    total = torch.zeros(n, dtype=torch.float64, device=device)
    for start in range(0, count, step):
        stop = start + step
        total += _ciede2000_pixels(p[..., start:stop], t[..., start:stop], xyz_over_white).sum(-1)
    return total / count
