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

import torch
import torch.nn.functional as F
from torch import Tensor

DARK_CHANNEL_WINDOW = 15
GREY_WEIGHTS = (0.2125, 0.7154, 0.0721)  # skimage.color.rgb2gray (ITU-R BT.709)


def min_filter(image: Tensor, size: int) -> Tensor:
    """size x size minimum over the pixels inside the image ((N, 1, H, W) -> same shape)."""
    # max_pool pads with -inf, so the negated max ignores everything outside the image
    return -F.max_pool2d(-image, size, stride=1, padding=size // 2)


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


def entropy(output: Tensor, hazy: Tensor | None = None) -> Tensor:
    """Shannon entropy in bits of each image's 256-bin grey histogram (0..8, higher = more detail)."""
    levels = grey_levels(output).flatten(1)
    n = levels.shape[0]
    offsets = torch.arange(n, device=levels.device).unsqueeze(1) * 256
    counts = torch.bincount((levels + offsets).flatten(), minlength=n * 256).view(n, 256)
    p = counts.double() / levels.shape[1]
    terms = torch.where(p > 0, -p * torch.log2(p.clamp_min(1e-300)), torch.zeros_like(p))
    return terms.sum(dim=1)
