"""GCANet (Chen et al., WACV 2019): Gated Context Aggregation Network for dehazing.

Architecture, key names and conventions follow the official repository cddlyf/GCANet, commit
23846ffa2ead27b5c2dd27c96498722385f216a7 (`GCANet.py`, `test.py`, `utils.py`), configuration
GCANet(in_c=4, out_c=3, only_residual=True): 702,818 learnable parameters. The released
`models/wacv_gcanet_dehaze.pth` is a plain state_dict (no prefixes) and loads unchanged.

Conventions of the official `test.py`: the network sees the image in [0,255] RGB plus an edge
channel, all minus 128, and predicts a residual (in 0..255 units) that is added to the image.
The official script *resizes* each image down to a multiple of 4 and rounds the result to uint8;
we instead reflect-pad to a multiple of 4, crop back, and keep the float image (divided by 255).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .core.neural import NeuralMethod
from .core.paper import PaperValues
from .core.recipe import TrainingRecipe
from .core.registry import register_method
from .core.releases import PublishedScore, Release


class ShareSepConv(nn.Module):
    """One k x k kernel shared by every channel (depthwise), initialised to the identity."""

    def __init__(self, kernel_size: int) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel size must be odd, got {kernel_size}")
        self.kernel_size = kernel_size
        identity = torch.zeros(1, 1, kernel_size, kernel_size)
        identity[0, 0, kernel_size // 2, kernel_size // 2] = 1.0
        self.weight = nn.Parameter(identity)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = x.shape[1]
        kernel = self.weight.expand(channels, 1, self.kernel_size, self.kernel_size)
        return F.conv2d(x, kernel, padding=self.kernel_size // 2, groups=channels)


class SmoothDilatedResidualBlock(nn.Module):
    """Residual block of two dilated 3x3 convs, each preceded by a shared smoothing conv."""

    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.pre_conv1 = ShareSepConv(2 * dilation - 1)
        self.conv1 = _conv3(channels, dilation)
        self.norm1 = nn.InstanceNorm2d(channels, affine=True)
        self.pre_conv2 = ShareSepConv(2 * dilation - 1)
        self.conv2 = _conv3(channels, dilation)
        self.norm2 = nn.InstanceNorm2d(channels, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.norm1(self.conv1(self.pre_conv1(x))))
        y = self.norm2(self.conv2(self.pre_conv2(y)))
        return F.relu(x + y)


class ResidualBlock(nn.Module):
    """Plain residual block of two 3x3 convs with instance norm."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = _conv3(channels, 1)
        self.norm1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = _conv3(channels, 1)
        self.norm2 = nn.InstanceNorm2d(channels, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.norm1(self.conv1(x)))
        y = self.norm2(self.conv2(y))
        return F.relu(x + y)


def _conv3(channels: int, dilation: int) -> nn.Conv2d:
    """Bias-free 3x3 conv that keeps the size at the given dilation."""
    return nn.Conv2d(channels, channels, 3, padding=dilation, dilation=dilation, bias=False)


class GCANet(nn.Module):
    """Encoder (one stride-2 conv), seven residual blocks, gated fusion of three levels, decoder."""

    def __init__(self, in_c: int = 4, out_c: int = 3, only_residual: bool = True) -> None:
        super().__init__()
        width = 64
        self.conv1 = nn.Conv2d(in_c, width, 3, 1, 1, bias=False)
        self.norm1 = nn.InstanceNorm2d(width, affine=True)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.norm2 = nn.InstanceNorm2d(width, affine=True)
        self.conv3 = nn.Conv2d(width, width, 3, 2, 1, bias=False)
        self.norm3 = nn.InstanceNorm2d(width, affine=True)
        self.res1 = SmoothDilatedResidualBlock(width, dilation=2)
        self.res2 = SmoothDilatedResidualBlock(width, dilation=2)
        self.res3 = SmoothDilatedResidualBlock(width, dilation=2)
        self.res4 = SmoothDilatedResidualBlock(width, dilation=4)
        self.res5 = SmoothDilatedResidualBlock(width, dilation=4)
        self.res6 = SmoothDilatedResidualBlock(width, dilation=4)
        self.res7 = ResidualBlock(width)
        self.gate = nn.Conv2d(3 * width, 3, 3, 1, 1, bias=True)
        self.deconv3 = nn.ConvTranspose2d(width, width, 4, 2, 1)
        self.norm4 = nn.InstanceNorm2d(width, affine=True)
        self.deconv2 = nn.Conv2d(width, width, 3, 1, 1)
        self.norm5 = nn.InstanceNorm2d(width, affine=True)
        self.deconv1 = nn.Conv2d(width, out_c, 1)
        self.only_residual = only_residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.norm1(self.conv1(x)))
        y = F.relu(self.norm2(self.conv2(y)))
        y1 = F.relu(self.norm3(self.conv3(y)))
        y = self.res3(self.res2(self.res1(y1)))
        y2 = self.res4(y)
        y3 = self.res7(self.res6(self.res5(y2)))
        gates = self.gate(torch.cat((y1, y2, y3), dim=1))
        fused = y1 * gates[:, 0:1] + y2 * gates[:, 1:2] + y3 * gates[:, 2:3]
        y = F.relu(self.norm4(self.deconv3(fused)))
        y = F.relu(self.norm5(self.deconv2(y)))
        y = self.deconv1(y)
        return y if self.only_residual else F.relu(y)


def edge_map(img: torch.Tensor) -> torch.Tensor:
    """GCANet's edge channel of (N,3,H,W) images: mean over channels of the summed
    absolute differences to the 4 neighbours, divided by 4 (official `utils.edge_compute`)."""
    dx = (img[..., :, 1:] - img[..., :, :-1]).abs()
    dy = (img[..., 1:, :] - img[..., :-1, :]).abs()
    total = (
        F.pad(dx, (1, 0)) + F.pad(dx, (0, 1)) + F.pad(dy, (0, 0, 1, 0)) + F.pad(dy, (0, 0, 0, 1))
    )
    return total.sum(dim=1, keepdim=True) / 3 / 4


@register_method
class GCANetMethod(NeuralMethod):
    """GCANet adapter: [0,1] RGB -> (RGB*255, edge) - 128 -> residual -> (RGB*255 + res) / 255."""

    name = "gcanet"
    display_name = "GCANet"
    citation = (
        "Chen et al., Gated Context Aggregation Network for Image Dehazing and Deraining, WACV 2019"
    )
    #: the LNet-GIE paper's Tables 1-2 row (measured on the paper's own data set)
    paper = PaperValues("GCANet", 28.4199, 0.7929, 702818, 2758)
    releases = (
        Release(
            tag="its",
            file_name="wacv_gcanet_dehaze.pth",
            url="https://github.com/cddlyf/GCANet/raw/master/models/wacv_gcanet_dehaze.pth",
            direct=True,
            training_set="RESIDE ITS",
            terms="authors' README: 'You can use our codes for research purpose only.'",
            size=2824156,
            sha256="960c0967d848b569aeb253f5573509dc9fdbcbc683b204b5fe3e0876649f68fa",
            published=(
                PublishedScore(
                    "SOTS indoor (500 pairs)", 30.23, 0.980, "GCANet paper (WACV 2019), Table 1"
                ),
            ),
        ),
    )
    #: Chen et al. (WACV 2019), Sec. 4 implementation details: MSE on the residual, Adam,
    #: lr 0.01 decayed by 0.1 every 40 of 100 epochs (the training code is a Google Drive file,
    #: not read here; the paper's text is the source)
    recipe = TrainingRecipe(
        loss="mse",
        lr=0.01,
        schedule="step",
        decay_every=0.4,
        decay_gamma=0.1,
        source="GCANet paper (WACV 2019), Sec. 4: Adam, lr 0.01, x0.1 every 40 of 100 epochs, MSE",
    )
    #: the official script resizes to a multiple of 4 (the network itself needs a multiple of 2)
    size_multiple = 4

    def build_module(self) -> nn.Module:
        return GCANet(in_c=4, out_c=3, only_residual=True)

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        img = x * 255.0
        return torch.cat((img, edge_map(img)), dim=1) - 128.0

    def postprocess(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return (out + x * 255.0) / 255.0
