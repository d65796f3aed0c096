"""Color Attenuation Prior (Zhu, Mai, Shao, TIP 2015), following the authors' MATLAB release.

Release: JiamingMai/Color-Attenuation-Prior-Dehazing (calVSMap.m, estA.m, runDehazing.m):
depth d = 0.121779 + 0.959710*v - 0.780245*s (+ N(0, 0.041337) noise in the release, off here by
default: `noise=0.041337,seed=S` turns it on reproducibly); A from the 15x15 minimum-filtered
depth (top 0.1%, then the 20 with the largest RGB norm, per-channel max); the pixel depth refined
by a guided filter with the colour image as guide (r 15, eps 1e-3; the release calls the fast,
subsampled variant with s=r/4, we run the exact filter); t = exp(-beta*d) in [0.05, 1].
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import torch

from .core.base import ClassicalMethod
from .core.cv_filters import guided_filter_color_plane, min_filter_plane
from .core.filters import guided_filter_color, min_filter
from .core.paper import PaperValues
from .core.params import Param
from .core.registry import register_method

DEPTH_COEFFS = (0.121779, 0.959710, -0.780245)  # theta0, theta1 (value), theta2 (saturation)
RELEASE_NOISE_SIGMA = 0.041337


def pixel_depth(x: torch.Tensor) -> torch.Tensor:
    """CAP's linear depth model from HSV value and saturation: (N,3,H,W) -> (N,1,H,W)."""
    value = x.amax(dim=1, keepdim=True)
    chroma = value - x.amin(dim=1, keepdim=True)
    saturation = torch.where(value > 0, chroma / value.clamp(min=1e-12), torch.zeros_like(value))
    theta0, theta1, theta2 = DEPTH_COEFFS
    return theta0 + theta1 * value + theta2 * saturation


def atmospheric_light_cap(
    x: torch.Tensor, depth_region: torch.Tensor, top: float, candidates: int
) -> torch.Tensor:
    """estA.m: among the top `top` deepest pixels, the per-channel max of the `candidates`
    with the largest RGB norm."""
    n, _, height, width = x.shape
    count = max(1, math.ceil(top * height * width))
    deepest = depth_region.reshape(n, -1).topk(count, dim=1).indices  # (N,count)
    colours = x.reshape(n, 3, -1).gather(2, deepest.unsqueeze(1).expand(n, 3, count))
    keep = min(candidates, count)
    brightest = colours.norm(dim=1).topk(keep, dim=1).indices  # (N,keep)
    chosen = colours.gather(2, brightest.unsqueeze(1).expand(n, 3, keep))
    return chosen.amax(dim=2).view(n, 3, 1, 1)


def _odd(value: int) -> bool:
    return value >= 1 and value % 2 == 1


@register_method
class CAP(ClassicalMethod):
    """Zhu et al.'s colour attenuation prior dehazing, batched in torch."""

    name = "cap"
    display_name = "CAP"
    citation = "Zhu, Mai, Shao, A Fast Single Image Haze Removal Algorithm Using CAP, TIP 2015"
    #: the LNet-GIE paper's Tables 1-2 row (measured on the paper's own data set)
    paper = PaperValues(
        "CAP", 27.9454, 0.7169, 8140000, 1228, "classical: the paper's count is not learnable"
    )
    params: ClassVar[dict[str, Param]] = {
        "patch": Param(
            15, int, "min-filter size for the region depth", _odd, "need an odd patch >= 1"
        ),
        "beta": Param(1.0, float, "scattering coefficient", lambda v: v > 0, "need beta > 0"),
        "radius": Param(15, int, "guided filter radius", lambda v: v >= 1, "need radius >= 1"),
        "eps": Param(1e-3, float, "guided filter regulariser", lambda v: v > 0, "need eps > 0"),
        "t0": Param(0.05, float, "lower bound of t", lambda v: 0 < v <= 1, "need 0 < t0 <= 1"),
        "t1": Param(1.0, float, "upper bound of t", lambda v: 0 < v <= 1, "need 0 < t1 <= 1"),
        "top": Param(
            0.001,
            float,
            "fraction of deepest pixels for A",
            lambda v: 0 < v <= 1,
            "need 0 < top <= 1",
        ),
        "candidates": Param(
            20, int, "A candidates with the largest norm", lambda v: v >= 1, "need candidates >= 1"
        ),
        "noise": Param(
            0.0,
            float,
            f"depth noise sigma (release: {RELEASE_NOISE_SIGMA})",
            lambda v: v >= 0,
            "need noise >= 0",
        ),
        "seed": Param(0, int, "seed of the depth noise"),
    }

    def depth(self, x: torch.Tensor) -> torch.Tensor:
        """Pixel depth, with the release's Gaussian noise when `noise` > 0 (seeded)."""
        depth = pixel_depth(x)
        sigma = self.values["noise"]
        if sigma > 0:
            gen = torch.Generator(device="cpu").manual_seed(self.values["seed"])
            noise = torch.randn(depth.shape, generator=gen, dtype=depth.dtype)
            depth = depth + sigma * noise.to(depth.device)
        return depth

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "cpu":
            return self._enhance_cpu(x)
        return self._enhance_torch(x)

    def _enhance_torch(self, x: torch.Tensor) -> torch.Tensor:
        """The batched torch path (CUDA; the reference the CPU path is tested against)."""
        v = self.values
        depth = self.depth(x)
        airlight = atmospheric_light_cap(
            x, min_filter(depth, v["patch"]), v["top"], v["candidates"]
        )
        refined = guided_filter_color(x, depth, v["radius"], v["eps"])
        t = torch.exp(-v["beta"] * refined).clamp(v["t0"], v["t1"])
        return (x - airlight) / t + airlight

    def _enhance_cpu(self, x: torch.Tensor) -> torch.Tensor:
        """The same algorithm on OpenCV planes, image by image (torch's path stays for CUDA)."""
        v = self.values
        x = x.contiguous()
        depth = self.depth(x).contiguous()
        out = torch.empty_like(x)
        for index in range(x.shape[0]):
            planes = [x[index, c].numpy() for c in range(3)]
            plane = depth[index, 0].numpy()
            region = torch.from_numpy(min_filter_plane(plane, v["patch"]))[None, None]
            airlight = atmospheric_light_cap(
                x[index : index + 1], region, v["top"], v["candidates"]
            ).view(3)
            refined = guided_filter_color_plane(planes, plane, v["radius"], v["eps"])
            t = np.exp(-v["beta"] * refined).astype(np.float32)
            np.clip(t, np.float32(v["t0"]), np.float32(v["t1"]), out=t)
            for c, light in enumerate(airlight.numpy()):
                target = out[index, c].numpy()
                np.subtract(planes[c], light, out=target)
                np.divide(target, t, out=target)
                target += light
        return out
