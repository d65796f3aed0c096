"""Dark Channel Prior (He, Sun, Tang, CVPR 2009 / TPAMI 2011), with guided-filter refinement.

Parameters follow the TPAMI paper: 15x15 patch, A from the brightest input pixel among the
top 0.1% of the dark channel, omega 0.95, t0 0.1, and the transmission refined by the guided
filter (He et al. 2013) on the grey image with radius 60 and eps 1e-4 (instead of soft matting).
`gf_scale=s` computes that filter's coefficients on the guide subsampled by s (He & Sun, "Fast
Guided Filter", 2015); s=1 (the default) is the exact filter, unchanged.
"""

from __future__ import annotations

import math
from typing import ClassVar

import cv2
import numpy as np
import torch

from .core.base import ClassicalMethod
from .core.cv_filters import fast_guided_filter_gray_plane, min_filter_plane
from .core.filters import fast_guided_filter_gray, min_filter, rgb_to_gray
from .core.paper import PaperValues
from .core.params import Param
from .core.registry import register_method


def _odd(v: int) -> bool:
    return v >= 1 and v % 2 == 1


def dark_channel(x: torch.Tensor, patch: int) -> torch.Tensor:
    """min over RGB, then min over a patch x patch window: (N,3,H,W) -> (N,1,H,W)."""
    return min_filter(x.amin(dim=1, keepdim=True), patch)


def atmospheric_light_dcp(x: torch.Tensor, dark: torch.Tensor, top: float) -> torch.Tensor:
    """Per image, the RGB of the brightest input pixel among the top `top` of the dark channel."""
    n, _, height, width = x.shape
    count = max(1, math.floor(height * width * top))
    candidates = dark.reshape(n, -1).topk(count, dim=1).indices  # (N,count)
    flat = x.reshape(n, 3, -1)
    # the candidates' RGB first, then their sums (not every pixel's: 45 ms at 1080p)
    picked = flat.gather(2, candidates.unsqueeze(1).expand(n, 3, count))  # (N,3,count)
    intensity = picked.sum(dim=1)  # (N,count)
    best = candidates.gather(1, intensity.argmax(dim=1, keepdim=True))  # (N,1)
    return flat.gather(2, best.unsqueeze(1).expand(n, 3, 1)).view(n, 3, 1, 1)


@register_method
class DCP(ClassicalMethod):
    """He et al.'s dark channel prior dehazing, batched in torch."""

    name = "dcp"
    display_name = "DCP"
    citation = "He, Sun, Tang, Single Image Haze Removal Using Dark Channel Prior, TPAMI 2011"
    #: the LNet-GIE paper's Tables 1-2 row (measured on the paper's own data set)
    paper = PaperValues(
        "DCP", 28.3117, 0.7882, 5343040, 21829, "classical: the paper's count is not learnable"
    )
    params: ClassVar[dict[str, Param]] = {
        "patch": Param(15, int, "dark channel patch size (odd)", _odd, "patch must be odd >= 1"),
        "omega": Param(
            0.95, float, "share of haze removed", lambda v: 0 < v <= 1, "need 0 < omega <= 1"
        ),
        "top": Param(
            0.001,
            float,
            "fraction of brightest dark-channel pixels for A",
            lambda v: 0 < v <= 1,
            "need 0 < top <= 1",
        ),
        "t0": Param(
            0.1, float, "lower bound of the transmission", lambda v: 0 < v <= 1, "need 0 < t0 <= 1"
        ),
        "radius": Param(60, int, "guided filter radius", lambda v: v >= 1, "need radius >= 1"),
        "eps": Param(1e-4, float, "guided filter regulariser", lambda v: v > 0, "need eps > 0"),
        "refine": Param(True, bool, "refine t with the guided filter"),
        "gf_scale": Param(
            1,
            int,
            "fast guided filter (He & Sun 2015): a, b on the guide subsampled by this; 1 = exact",
            lambda v: v >= 1,
            "need gf_scale >= 1",
        ),
    }

    def transmission(self, x: torch.Tensor, airlight: torch.Tensor) -> torch.Tensor:
        """Coarse t = 1 - omega * dark(I/A), refined with the guided filter on grey(I)."""
        v = self.values
        coarse = 1.0 - v["omega"] * dark_channel(x / airlight.clamp(min=1e-6), v["patch"])
        if not v["refine"]:
            return coarse
        return fast_guided_filter_gray(rgb_to_gray(x), coarse, v["radius"], v["eps"], v["gf_scale"])

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "cpu":
            return self._enhance_cpu(x)
        return self._enhance_torch(x)

    def _enhance_torch(self, x: torch.Tensor) -> torch.Tensor:
        """The batched torch path (CUDA; the reference the CPU path is tested against)."""
        v = self.values
        airlight = atmospheric_light_dcp(x, dark_channel(x, v["patch"]), v["top"])
        t = self.transmission(x, airlight).clamp(min=v["t0"])
        return (x - airlight) / t + airlight

    def _enhance_cpu(self, x: torch.Tensor) -> torch.Tensor:
        """The same algorithm on OpenCV planes, image by image (torch's path stays for CUDA)."""
        v = self.values
        x = x.contiguous()
        out = torch.empty_like(x)
        for index in range(x.shape[0]):
            planes = [x[index, c].numpy() for c in range(3)]
            # cv2.min: the same values as np.minimum, threaded
            dark = min_filter_plane(cv2.min(cv2.min(planes[0], planes[1]), planes[2]), v["patch"])
            dark_t = torch.from_numpy(dark)[None, None]
            airlight = atmospheric_light_dcp(x[index : index + 1], dark_t, v["top"])
            lights = airlight.clamp(min=1e-6).view(3).numpy()
            ratio = cv2.min(
                cv2.min(planes[0] / lights[0], planes[1] / lights[1]), planes[2] / lights[2]
            )
            t = 1.0 - np.float32(v["omega"]) * min_filter_plane(ratio, v["patch"])
            if v["refine"]:
                gray = planes[0] * np.float32(0.2989)
                gray += planes[1] * np.float32(0.5870)
                gray += planes[2] * np.float32(0.1140)
                t = fast_guided_filter_gray_plane(
                    gray, t, v["radius"], v["eps"], v["gf_scale"]
                ).astype(np.float32)
            np.maximum(t, np.float32(v["t0"]), out=t)
            for c, light in enumerate(airlight.view(3).numpy()):
                target = out[index, c].numpy()
                np.subtract(planes[c], light, out=target)
                np.divide(target, t, out=target)
                target += light
        return out
