"""AOD-Net (Li, Peng, Wang, Xu, Feng, ICCV 2017): the five-conv All-in-One Dehazing Network.

Layer names e_conv1..e_conv5 follow the widely used PyTorch port (MayankSingal/
PyTorch-Image-Dehazing, net.py), so its `dehazer.pth` loads unchanged; 1,761 parameters.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .core.fused_aodnet import aodnet_bgr, aodnet_cpu
from .core.neural import NeuralMethod
from .core.paper import PaperValues
from .core.registry import register_method
from .core.releases import Release


class AODNet(nn.Module):
    """K(x) from five convs with multi-scale concatenations, then J = ReLU(K*x - K + 1)."""

    def __init__(self) -> None:
        super().__init__()
        self.e_conv1 = nn.Conv2d(3, 3, kernel_size=1, bias=True)
        self.e_conv2 = nn.Conv2d(3, 3, kernel_size=3, padding=1, bias=True)
        self.e_conv3 = nn.Conv2d(6, 3, kernel_size=5, padding=2, bias=True)
        self.e_conv4 = nn.Conv2d(6, 3, kernel_size=7, padding=3, bias=True)
        self.e_conv5 = nn.Conv2d(12, 3, kernel_size=3, padding=1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = F.relu(self.e_conv1(x))
        x2 = F.relu(self.e_conv2(x1))
        x3 = F.relu(self.e_conv3(torch.cat((x1, x2), dim=1)))
        x4 = F.relu(self.e_conv4(torch.cat((x2, x3), dim=1)))
        k = F.relu(self.e_conv5(torch.cat((x1, x2, x3, x4), dim=1)))
        return F.relu(k * x - k + 1.0)


@register_method
class AODNetMethod(NeuralMethod):
    """AOD-Net on [0,1] RGB; the output is clamped to [0,1] by `enhance`."""

    name = "aodnet"
    display_name = "AODNet"
    citation = "Li et al., AOD-Net: All-in-One Dehazing Network, ICCV 2017"
    #: the LNet-GIE paper's Tables 1-2 row (measured on the paper's own data set)
    paper = PaperValues("AODNet", 28.0039, 0.7155, 1761, 11)
    releases = (
        Release(
            tag="port",
            file_name="dehazer.pth",
            url="https://github.com/MayankSingal/PyTorch-Image-Dehazing/raw/master/snapshots/dehazer.pth",
            direct=True,
            training_set="the port's own synthetic NYU2 haze set (not the AOD-Net authors' release)",
            terms="no licence stated in the port's repository",
            size=8613,
            sha256="79409b63bf019d6c7ca6903883a8635d5723c25406f74903751bd7459462a53b",
            note="the widely used PyTorch port (MayankSingal, commit dc26717); no published scores",
        ),
    )

    #: backend=auto: on the CPU the fused OpenCV kernel (methods/core/fused_aodnet.py), which
    #: beat both torch backends at both sizes measured (2 threads, best of 10, interleaved; ms
    #: fused / channels_last / eager): 1080p 146 / 306 / 582, 256x256 batch 8 46 / 54 / 107
    #: (tests/benchmarks/test_bench_fast_paths.py); elsewhere (CUDA) NHWC convs
    auto_backend = "channels_last"

    def build_module(self) -> nn.Module:
        return AODNet()

    def fused_cpu_forward(self, x: torch.Tensor) -> torch.Tensor | None:
        """The OpenCV-fused network (equal to the eager one to 1e-5)."""
        return aodnet_cpu(x, self._module)

    def fused_bgr_uint8(self, bgr: np.ndarray) -> np.ndarray | None:
        """The fused network on an 8-bit BGR frame (within one level of eager; video)."""
        return aodnet_bgr(bgr, self._module)
