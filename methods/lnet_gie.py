"""LNet-GIE (Huang et al.): a 14-parameter AOD-style network for gastroscopic image enhancement.

K = ReLU(e_conv2(ReLU(e_conv1(x)))), y = ReLU(K*x - K + 1) (paper Eq. 1, section 3). Unlike the
authors' code, the resolution multiplier `rm` is really used: K is estimated on the input
downscaled by rm (area) and upsampled back (bilinear) before Eq. 1; rm=1.0 is exactly the authors'
network. The width multiplier gives c = int(3*wm) channels; only c in {1, 3} broadcasts over RGB.
(The authors' e_conv1 uses groups=c, which for c=3 cannot take AOD-Net's (3,3,1,1) rows; we use an
ordinary 1x1 conv so e_conv1.weight is (c,3,1,1) for both widths, identical for the default c=1.)

Training starts from Procedure 1 by default (`--init aodnet`, or an AOD-Net file as `--init PATH`):
AOD-Net's e_conv1 rows are copied and kept; the authors' train.py re-initialises every conv after
the copy, which throws the copied weights away. `train --compare-init` trains from random and
from AOD-Net initialisations with the same seeds, the ablation the paper claims but does not show.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .core.errors import InitError, WeightsError
from .core.fused_lnet import lnet_gie_bgr, lnet_gie_cpu
from .core.neural import InitComparison, NeuralMethod
from .core.paper import PaperValues
from .core.params import Param
from .core.registry import register_method
from .core.weights import (
    WeightsInfo,
    extract_state_dict,
    read_checkpoint,
    read_sidecar,
    sha256_file,
    shipped_weights_for,
)

#: the named init of Procedure 1 (the shipped AOD-Net weights), also AOD-Net's method name
AODNET = "aodnet"


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

    named_inits: ClassVar[dict[str, str]] = {AODNET: "Procedure 1 of LNet-GIE"}
    dead_start_hint = (
        "for LNet-GIE, K = ReLU(e_conv2(...)) is 0 on every pixel and the output is white"
    )

    def build_module(self) -> nn.Module:
        return LNetGIE(width_channels(self.values["wm"]), self.values["rm"])

    def fused_cpu_forward(self, x: torch.Tensor) -> torch.Tensor | None:
        """The OpenCV-fused network (equal to the eager one to 1e-6, 6-10x faster at 1080p)."""
        module = self._module
        return lnet_gie_cpu(x, module.e_conv1, module.e_conv2, module.rm)

    def fused_bgr_uint8(self, bgr: np.ndarray) -> np.ndarray | None:
        """The fused network on an 8-bit BGR frame (within one level of eager; video)."""
        module = self._module
        return lnet_gie_bgr(bgr, module.e_conv1, module.e_conv2, module.rm)

    def default_init(self) -> str:
        """Procedure 1 with the shipped AOD-Net weights, as in the paper."""
        return AODNET

    def apply_init(self, choice: str, trust: bool = False) -> dict[str, Any] | None:
        """Procedure 1 for "aodnet" or an AOD-Net weights file; None for LNet-GIE weights."""
        if choice == AODNET:
            shipped = shipped_weights_for(AODNET)
            if shipped is None:
                raise InitError(
                    "--init aodnet needs AOD-Net weights, and none are shipped yet: train them "
                    "(python -m benchmark train aodnet --out methods/weights/aodnet.pth), or pass "
                    "--init PATH to AOD-Net weights (e.g. the public port's dehazer.pth) or "
                    "--init random"
                )
            return self.procedure1(shipped, "shipped", trust)
        path = Path(choice)
        if is_aodnet_state(extract_state_dict(read_checkpoint(path, trust=trust))):
            return self.procedure1(path, "file", trust)
        return None

    def init_comparison(self, files: Mapping[str, str | Path] | None = None) -> InitComparison:
        """Random, the shipped AOD-Net weights (if any) and each labelled file of `files`
        (e.g. aodnet-public=dehazer.pth: an AOD-Net file gives Procedure 1)."""
        inits = {"random": "random"}
        if shipped_weights_for(AODNET) is not None:
            inits["aodnet-shipped"] = AODNET
        for label, path in (files or {}).items():
            if label in inits:
                raise InitError(f"--init-weights {label}=...: {label} is already compared")
            if not Path(path).is_file():
                raise InitError(f"--init-weights {label}={path}: file not found")
            inits[label] = str(path)
        if len(inits) < 2:
            raise InitError(
                "nothing to compare random init with: no AOD-Net weights are shipped yet; pass "
                "--init-weights aodnet-public=PATH (e.g. the port's dehazer.pth) or train aodnet"
            )
        return InitComparison(inits, "random vs AOD-Net initialisation")

    def procedure1(self, path: Path, source: str, trust: bool = False) -> dict[str, Any]:
        """Copy AOD-Net's e_conv1 rows/bias [:c] from `path` and describe what was done."""
        details = self.init_from_aodnet(path, trust=trust)
        rows = int(details["rows"])
        aod_sidecar = read_sidecar(path) or {}
        return {
            "kind": "aodnet-e_conv1-rows",
            "source": source,
            "path": str(path),
            "sha256": details["e_conv1"]["sha256"],
            "aodnet_trained_on": (aod_sidecar.get("dataset") or {}).get("fingerprint"),
            "copied": {
                "e_conv1.weight": f"AOD-Net e_conv1.weight[:{rows}]",
                "e_conv1.bias": f"AOD-Net e_conv1.bias[:{rows}]",
            },
            "others": "module default init (torch.manual_seed(seed) before building)",
            "reinitialised_after_copy": False,
            "note": "the authors' train.py re-initialises every conv with N(0,0.02) after the "
            "copy; here the copied values are kept",
        }

    def init_from_aodnet(self, path: str | Path, trust: bool = False) -> dict[str, Any]:
        """Procedure 1: copy AOD-Net's e_conv1 weight rows and bias [:c] into e_conv1."""
        state = extract_state_dict(read_checkpoint(path, trust=trust))
        copy_aodnet_rows(self._module, state)
        info = WeightsInfo(str(path), sha256_file(path), "aodnet-init")
        return {"e_conv1": info.to_dict(), "rows": self._module.e_conv1.out_channels}


def is_aodnet_state(state: dict[str, torch.Tensor]) -> bool:
    """True for an AOD-Net state_dict (e_conv1..e_conv5, e_conv1 of shape (3,3,1,1))."""
    weight = state.get("e_conv1.weight")
    return "e_conv5.weight" in state and weight is not None and tuple(weight.shape) == (3, 3, 1, 1)


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
