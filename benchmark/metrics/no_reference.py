"""Cheap no-reference metrics on the 8-bit output: dark channel, colourfulness, grey entropy.

Each takes ``output`` and ``hazy`` (the method's input), float tensors (N, 3, H, W) in [0, 1] on
one device, and returns float64 (N,) on that device. These three ignore ``hazy``.

- ``dark_channel``: mean of He et al.'s dark channel: the minimum over R, G, B, then a 15 x 15
  minimum filter over the pixels inside the image (the window is cut at the borders), in [0, 1];
  lower = less haze or smoke.
- ``colorfulness``: Hasler and Suesstrunk (2003) M = sigma_rgyb + 0.3 mu_rgyb on 0..255 values,
  rg = R - G, yb = (R + G) / 2 - B, population standard deviations.
- ``entropy``: Shannon entropy (bits) of the 256-bin histogram of the grey image
  round(255 * (0.2125 R + 0.7154 G + 0.0721 B)), the weights of ``skimage.color.rgb2gray``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

DARK_CHANNEL_WINDOW = 15
GREY_WEIGHTS = (0.2125, 0.7154, 0.0721)  # skimage.color.rgb2gray (ITU-R BT.709)
GREY_MATLAB = (0.298936021293775, 0.587043074451121, 0.114020904255103)  # MATLAB rgb2gray


def _running(image: Tensor, size: int, dim: int, pick) -> Tensor:
    """Min or max (`pick`) over windows of `size` along `dim`, centred, cut at the borders.

    Windows double (1, 2, 4, ...) and the last step overlaps two of them, so a window of 15
    costs 4 element-wise ops per axis. Torch's max_pool2d took 27.5 ms per 256x256 image for
    15 x 15 on this project's CPU (one thread); this takes under 1 ms, on any device.
    """
    fill = math.inf if pick is torch.minimum else -math.inf
    radius = size // 2
    shape = list(image.shape)
    shape[dim] = radius
    pad = image.new_full(shape, fill)
    out = torch.cat([pad, image, pad], dim=dim)  # length L + size - 1
    width = 1
    while 2 * width <= size:
        n = out.shape[dim] - width
        out = pick(out.narrow(dim, 0, n), out.narrow(dim, width, n))
        width *= 2
    if width < size:  # combine two overlapping windows of `width` into one of `size`
        n = out.shape[dim] - (size - width)
        out = pick(out.narrow(dim, 0, n), out.narrow(dim, size - width, n))
    return out


def min_filter(image: Tensor, size: int) -> Tensor:
    """size x size minimum over the pixels inside the image ((N, C, H, W) -> same shape)."""
    return _running(_running(image, size, -1, torch.minimum), size, -2, torch.minimum)


def max_filter(image: Tensor, size: int) -> Tensor:
    """size x size maximum over the pixels inside the image ((N, C, H, W) -> same shape)."""
    return _running(_running(image, size, -1, torch.maximum), size, -2, torch.maximum)


def dark_channel_map(images: Tensor, size: int = DARK_CHANNEL_WINDOW) -> Tensor:
    """He et al.'s dark channel (N, 1, H, W): channel minimum, then a size x size minimum."""
    return min_filter(images.amin(dim=1, keepdim=True), size)


def dark_channel(output: Tensor, hazy: Tensor | None = None) -> Tensor:
    """Mean dark channel of each image, in [0, 1] (lower = less haze)."""
    return dark_channel_map(output).double().mean(dim=(1, 2, 3))


def colorfulness(output: Tensor, hazy: Tensor | None = None) -> Tensor:
    """Hasler-Suesstrunk colourfulness of each image on 0..255 values (higher = more colourful)."""
    rgb = torch.round(output.double() * 255.0)  # the 8-bit values
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    rg = (r - g).flatten(1)
    yb = (0.5 * (r + g) - b).flatten(1)
    spread = torch.sqrt(rg.var(dim=1, unbiased=False) + yb.var(dim=1, unbiased=False))
    centre = torch.sqrt(rg.mean(dim=1) ** 2 + yb.mean(dim=1) ** 2)
    return spread + 0.3 * centre


def grey_levels(images: Tensor) -> Tensor:
    """(N, H, W) int64 grey levels 0..255 (BT.709 luma of the RGB values, rounded)."""
    weights = torch.tensor(GREY_WEIGHTS, dtype=torch.float64, device=images.device)
    grey = torch.einsum("nchw,c->nhw", images.double(), weights)
    return torch.round(grey * 255.0).clamp_(0, 255).long()


def matlab_grey(images: Tensor) -> Tensor:
    """(N, H, W) float64 grey levels 0..255 as MATLAB's rgb2gray of the 8-bit image (round half up)."""
    rgb = torch.floor(images[:, :3].double().clamp(0, 1) * 255.0 + 0.5)
    weights = torch.tensor(GREY_MATLAB, dtype=torch.float64, device=images.device)
    return torch.floor(torch.einsum("nchw,c->nhw", rgb, weights) + 0.5).clamp_(0, 255)


def entropy(output: Tensor, hazy: Tensor | None = None) -> Tensor:
    """Shannon entropy in bits of each image's 256-bin grey histogram (0..8, higher = more detail)."""
    levels = grey_levels(output).flatten(1)
    n = levels.shape[0]
    offsets = torch.arange(n, device=levels.device).unsqueeze(1) * 256
    counts = torch.bincount((levels + offsets).flatten(), minlength=n * 256).view(n, 256)
    p = counts.double() / levels.shape[1]
    terms = torch.where(p > 0, -p * torch.log2(p.clamp_min(1e-300)), torch.zeros_like(p))
    return terms.sum(dim=1)
