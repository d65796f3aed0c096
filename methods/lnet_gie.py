"""LNet-GIE (Huang et al.): a 14-parameter AOD-style network for gastroscopic image enhancement.

K = ReLU(e_conv2(ReLU(e_conv1(x)))), y = ReLU(K*x - K + 1) (paper Eq. 1, section 3). Unlike the
authors' code, the resolution multiplier `rm` is really used: K is estimated on the input
downscaled by rm (area) and upsampled back (bilinear) before Eq. 1; rm=1.0 is exactly the authors'
network. The width multiplier gives c = int(3*wm) channels; only c in {1, 3} broadcasts over RGB.
(The authors' e_conv1 uses groups=c, which for c=3 cannot take AOD-Net's (3,3,1,1) rows; we use an
ordinary 1x1 conv so e_conv1.weight is (c,3,1,1) for both widths, identical for the default c=1.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .core.errors import WeightsError
from .core.neural import NeuralMethod
from .core.paper import PaperValues
from .core.params import Param
from .core.registry import register_method
from .core.weights import WeightsInfo, extract_state_dict, read_checkpoint, sha256_file


def width_channels(wm: float) -> int:
    """Channels of K for width multiplier wm (the authors' int(3*wm))."""
    return int(3 * wm)


class LNetGIE(nn.Module):
    """The network: two convs estimate K (at rm resolution), then the AOD-Net formula."""

    def __init__(self, channels: int = 1, rm: float = 0.5) -> None:
        super().__init__()
        self.rm = rm
        self.e_conv1 = nn.Conv2d(3, channels, kernel_size=1, bias=True)
        self.e_conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=True)

    def estimate_k(self, x: torch.Tensor) -> torch.Tensor:
        """K at the input's resolution, computed on the rm-downscaled input."""
        height, width = x.shape[-2:]
        small = x
        if self.rm < 1.0:
            size = (max(1, round(height * self.rm)), max(1, round(width * self.rm)))
            small = F.interpolate(x, size=size, mode="area")
        k = F.relu(self.e_conv2(F.relu(self.e_conv1(small))))
        if k.shape[-2:] != x.shape[-2:]:
            k = F.interpolate(k, size=(height, width), mode="bilinear", align_corners=False)
        return k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = self.estimate_k(x)
        return F.relu(k * x - k + 1.0)


def _valid_wm(wm: float) -> bool:
    return width_channels(wm) in (1, 3)


@register_method
class LNetGIEMethod(NeuralMethod):
    """LNet-GIE with resolution multiplier rm and width multiplier wm (defaults 0.5, 0.5)."""

    name = "lnet-gie"
    display_name = "LNet-GIE"
    citation = "Huang et al., LNet-GIE: A Lightweight Network for Gastroscopic Image Enhancement"
    #: the LNet-GIE paper's Tables 1-2 row (measured on the paper's own data set)
    paper = PaperValues("LNet-GIE (Ours)", 28.1082, 0.7452, 14, 2)
    params: ClassVar[dict[str, Param]] = {
        "rm": Param(
            0.5, float, "resolution multiplier in (0, 1]", lambda v: 0 < v <= 1, "need 0 < rm <= 1"
        ),
        "wm": Param(
            0.5,
            float,
            "width multiplier",
            _valid_wm,
            "int(3*wm) must be 1 or 3 so K broadcasts over RGB (e.g. wm=0.5 or wm=1.0)",
        ),
    }

    def build_module(self) -> nn.Module:
        return LNetGIE(width_channels(self.values["wm"]), self.values["rm"])

    def init_from_aodnet(self, path: str | Path, trust: bool = False) -> dict[str, Any]:
        """Procedure 1: copy AOD-Net's e_conv1 weight rows and bias [:c] into e_conv1."""
        state = extract_state_dict(read_checkpoint(path, trust=trust))
        copy_aodnet_rows(self._module, state)
        info = WeightsInfo(str(path), sha256_file(path), "aodnet-init")
        return {"e_conv1": info.to_dict(), "rows": self._module.e_conv1.out_channels}


def copy_aodnet_rows(module: LNetGIE, aod_state: dict[str, torch.Tensor]) -> None:
    """Copy e_conv1.weight[:c] and e_conv1.bias[:c] of an AOD-Net state_dict into `module`."""
    c = module.e_conv1.out_channels
    weight, bias = aod_state.get("e_conv1.weight"), aod_state.get("e_conv1.bias")
    if weight is None or bias is None or tuple(weight.shape[1:]) != (3, 1, 1):
        raise WeightsError(
            "not AOD-Net weights: need e_conv1.weight (3,3,1,1) and e_conv1.bias (3,)"
        )
    with torch.no_grad():
        module.e_conv1.weight.copy_(weight[:c])
        module.e_conv1.bias.copy_(bias[:c])
