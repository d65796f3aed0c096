"""FFA-Net (Qin, Wang, Bai, Xie, Jia, AAAI 2020): Feature Fusion Attention Network for dehazing.

Official code: zhilin007/FFA-Net, commit 6651bcf693edd3ba2d097f728676942bd40e6e99
(net/models/FFA.py, net/test.py, net/main.py). FFA(gps=3, blocks=19): 64 channels, three groups of
19 residual blocks (conv-ReLU-skip-conv, channel attention, pixel attention) plus a closing conv,
attention-weighted fusion of the three group outputs, and a global skip; 4,455,913 parameters.
Module and attribute names follow the official ones, so the released `its_train_ffa_3_19.pk` /
`ots_train_ffa_3_19.pk` load unchanged.

The official test script normalises the input with mean (0.64, 0.6, 0.58) and std
(0.14, 0.15, 0.152), and then clamps the network output (normalised input + residual) to [0,1]
WITHOUT de-normalising it: the network learned to output the clean image directly. We do the same.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .core.neural import NeuralMethod
from .core.paper import PaperValues
from .core.recipe import TrainingRecipe
from .core.registry import register_method
from .core.releases import PublishedScore, Release

#: the official test script's torchvision Normalize constants (net/test.py)
FFA_MEAN = (0.64, 0.6, 0.58)
FFA_STD = (0.14, 0.15, 0.152)
#: feature channels of every FFA/C2PNet layer (hard-coded `self.dim=64` upstream)
DIM = 64


def conv_same(in_channels: int, out_channels: int, kernel_size: int = 3) -> nn.Conv2d:
    """A biased conv that keeps the spatial size (the official `default_conv`)."""
    return nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=True)


class ChannelAttention(nn.Module):
    """x * sigmoid(MLP(avgpool(x))): one weight per channel (official `CALayer`, keys `ca.0/2`)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.ca = nn.Sequential(
            nn.Conv2d(channels, channels // 8, 1),
            nn.ReLU(),
            nn.Conv2d(channels // 8, channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.ca(self.avg_pool(x))


class PixelAttention(nn.Module):
    """x * sigmoid(MLP(x)): one weight per pixel (official `PALayer`, keys `pa.0/2`)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.pa = nn.Sequential(
            nn.Conv2d(channels, channels // 8, 1),
            nn.ReLU(),
            nn.Conv2d(channels // 8, 1, 1),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.pa(x)


class FFABlock(nn.Module):
    """Basic block: relu(conv1(x)) + x, conv2, channel then pixel attention, plus x."""

    def __init__(self, dim: int = DIM) -> None:
        super().__init__()
        self.conv1 = conv_same(dim, dim)
        self.act1 = nn.ReLU()
        self.conv2 = conv_same(dim, dim)
        self.calayer = ChannelAttention(dim)
        self.palayer = PixelAttention(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = self.act1(self.conv1(x)) + x
        res = self.palayer(self.calayer(self.conv2(res)))
        return res + x


class ResidualGroup(nn.Module):
    """`blocks` blocks then a conv, with a skip over all of them (keys `gp.0..gp.<blocks>`)."""

    def __init__(self, blocks: int, make_block: Callable[[], nn.Module], dim: int = DIM) -> None:
        super().__init__()
        self.gp = nn.Sequential(*[make_block() for _ in range(blocks)], conv_same(dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gp(x) + x


def group_fusion_attention(groups: int, dim: int = DIM) -> nn.Sequential:
    """The weights of the fused groups: avgpool, 1x1 conv to dim/16, ReLU, 1x1 conv, sigmoid."""
    return nn.Sequential(
        nn.AdaptiveAvgPool2d(1),
        nn.Conv2d(dim * groups, dim // 16, 1),
        nn.ReLU(),
        nn.Conv2d(dim // 16, dim * groups, 1),
        nn.Sigmoid(),
    )


def fuse_groups(attention: nn.Module, feats: list[torch.Tensor], dim: int = DIM) -> torch.Tensor:
    """Sum of the group outputs, each scaled channel-wise by its learned attention weight."""
    weights = attention(torch.cat(feats, dim=1)).view(-1, len(feats), dim, 1, 1)
    out = weights[:, 0] * feats[0]
    for i in range(1, len(feats)):  # same left-to-right order as the official sum
        out = out + weights[:, i] * feats[i]
    return out


class FFA(nn.Module):
    """FFA-Net: pre conv, 3 residual groups, fusion attention, pixel attention, 2 post convs."""

    def __init__(self, blocks: int = 19, dim: int = DIM) -> None:
        super().__init__()
        self.dim = dim
        # registration order as upstream, so our state_dict lists keys in the authors' order
        self.g1 = ResidualGroup(blocks, lambda: FFABlock(dim), dim)
        self.g2 = ResidualGroup(blocks, lambda: FFABlock(dim), dim)
        self.g3 = ResidualGroup(blocks, lambda: FFABlock(dim), dim)
        self.ca = group_fusion_attention(3, dim)
        self.palayer = PixelAttention(dim)
        self.pre = nn.Sequential(conv_same(3, dim))
        self.post = nn.Sequential(conv_same(dim, dim), conv_same(dim, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res1 = self.g1(self.pre(x))
        res2 = self.g2(res1)
        res3 = self.g3(res2)
        out = self.palayer(fuse_groups(self.ca, [res1, res2, res3], self.dim))
        return self.post(out) + x


@register_method
class FFANetMethod(NeuralMethod):
    """FFA-Net with the official test pipeline: normalise, network, clamp (no de-normalising)."""

    name = "ffanet"
    display_name = "FFANet"
    citation = (
        "Qin et al., FFA-Net: Feature Fusion Attention Network for Single Image Dehazing, AAAI 2020"
    )
    #: the LNet-GIE paper's Tables 1-2 row (measured on the paper's own data set)
    paper = PaperValues("FFANet", 27.9982, 0.6933, 4455913, 4789)
    releases = (
        Release(
            tag="its",
            file_name="its_train_ffa_3_19.pk",
            url="https://drive.google.com/drive/folders/19_lSUPrpLDZl9AyewhHBsHidZEpTMIV5",
            direct=False,
            training_set="RESIDE ITS",
            terms="no licence stated in the authors' repository",
            published=(
                PublishedScore(
                    "SOTS indoor (500 pairs)", 36.39, 0.9886, "FFA-Net README, 'Metrics update'"
                ),
            ),
            note="also on Baidu: https://pan.baidu.com/s/1-pgSXN6-NXLzmTp21L_qIg (code 4gat)",
        ),
        Release(
            tag="ots",
            file_name="ots_train_ffa_3_19.pk",
            url="https://drive.google.com/drive/folders/19_lSUPrpLDZl9AyewhHBsHidZEpTMIV5",
            direct=False,
            training_set="RESIDE OTS",
            terms="no licence stated in the authors' repository",
            published=(
                PublishedScore(
                    "SOTS outdoor (500 pairs)", 33.57, 0.9840, "FFA-Net README, 'Metrics update'"
                ),
            ),
            note="also on Baidu: https://pan.baidu.com/s/1-pgSXN6-NXLzmTp21L_qIg (code 4gat)",
        ),
    )
    #: zhilin007/FFA-Net net/main.py (commit 6651bcf): L1 loss, Adam (0.9, 0.999), lr 1e-4 with
    #: cosine decay to 0 over all steps (`lr_schedule_cosdecay`); the README's commands leave the
    #: optional perceptual loss off
    recipe = TrainingRecipe(
        loss="l1",
        lr=1e-4,
        schedule="cosine",
        source="FFA-Net net/main.py: nn.L1Loss, Adam lr 1e-4, per-step cosine decay",
    )

    def build_module(self) -> nn.Module:
        return FFA(blocks=19)

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        mean = torch.tensor(FFA_MEAN, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(FFA_STD, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        return (x - mean) / std

    def postprocess(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        # the official script clamps this directly; `enhance` does the clamping
        return out
