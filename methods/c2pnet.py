"""C2PNet (Zheng, Zhan, He, Dong, Du, CVPR 2023): Curricular Contrastive Regularization for
Physics-aware Single Image Dehazing.

Official code: YuZheng9/C2PNet, commit b09e79c137729f3f0dc0d691364ea98cf3237294
(models/C2PNet.py, dehaze.py, main.py). C2PNet(gps=3, blocks=19) is FFA-Net's backbone with every
pixel-attention layer replaced by a physics-aware dual-branch unit (PDU) that applies the
atmospheric scattering model J = (1 - t) * A + t * x in feature space; 7,169,327 parameters.
Module and attribute names follow the official ones, so the released `ITS.pkl` / `OTS.pkl` load
unchanged. The official test script (dehaze.py) feeds the plain [0,1] image (no normalisation)
and clamps the output to [0,1]; so do we.

The channel attention, residual group, fusion attention and conv helper are literally FFA-Net's
and are imported from methods/ffanet.py.
"""

from __future__ import annotations

import torch
from torch import nn

from .core.neural import NeuralMethod
from .core.paper import PaperValues
from .core.recipe import TrainingRecipe
from .core.registry import register_method
from .core.releases import PublishedScore, Release
from .ffanet import (
    DIM,
    ChannelAttention,
    ResidualGroup,
    conv_same,
    fuse_groups,
    group_fusion_attention,
)


class PDU(nn.Module):
    """Physics-aware dual-branch unit: J = (1 - t) * A + t * x with A per channel, t per pixel.

    A (`ka`) is a channel-attention MLP on the pooled features; t (`td`) comes from three 3x3 convs
    (dim -> dim -> dim/8 -> dim) with a sigmoid.
    """

    def __init__(self, channels: int = DIM) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.ka = nn.Sequential(
            nn.Conv2d(channels, channels // 8, 1),
            nn.ReLU(),
            nn.Conv2d(channels // 8, channels, 1),
            nn.Sigmoid(),
        )
        self.td = nn.Sequential(
            conv_same(channels, channels),
            conv_same(channels, channels // 8),
            nn.ReLU(),
            conv_same(channels // 8, channels),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.ka(self.avg_pool(x))
        t = self.td(x)
        return (1 - t) * a + t * x


class C2PBlock(nn.Module):
    """FFA-Net's block with the pixel attention replaced by a PDU."""

    def __init__(self, dim: int = DIM) -> None:
        super().__init__()
        self.conv1 = conv_same(dim, dim)
        self.act1 = nn.ReLU()
        self.conv2 = conv_same(dim, dim)
        self.calayer = ChannelAttention(dim)
        self.pdu = PDU(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = self.act1(self.conv1(x)) + x
        res = self.pdu(self.calayer(self.conv2(res)))
        return res + x


class C2PNet(nn.Module):
    """C2PNet: pre conv, 3 residual groups of C2P blocks, fusion attention, PDU, 2 post convs."""

    def __init__(self, blocks: int = 19, dim: int = DIM) -> None:
        super().__init__()
        self.dim = dim
        # registration order as upstream, so our state_dict lists keys in the authors' order
        self.g1 = ResidualGroup(blocks, lambda: C2PBlock(dim), dim)
        self.g2 = ResidualGroup(blocks, lambda: C2PBlock(dim), dim)
        self.g3 = ResidualGroup(blocks, lambda: C2PBlock(dim), dim)
        self.ca = group_fusion_attention(3, dim)
        self.pdu = PDU(dim)
        self.pre = nn.Sequential(conv_same(3, dim))
        self.post = nn.Sequential(conv_same(dim, dim), conv_same(dim, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res1 = self.g1(self.pre(x))
        res2 = self.g2(res1)
        res3 = self.g3(res2)
        out = self.pdu(fuse_groups(self.ca, [res1, res2, res3], self.dim))
        return self.post(out) + x


@register_method
class C2PNetMethod(NeuralMethod):
    """C2PNet on plain [0,1] RGB (no normalisation); the output is clamped by `enhance`."""

    name = "c2pnet"
    display_name = "C2PNet"
    citation = (
        "Zheng et al., Curricular Contrastive Regularization for Physics-aware Single Image "
        "Dehazing, CVPR 2023"
    )
    #: the LNet-GIE paper's Tables 1-2 row (measured on the paper's own data set)
    paper = PaperValues("C2PNet", 28.119, 0.7207, 7169327, 40459)
    releases = (
        Release(
            tag="its",
            file_name="ITS.pkl",
            url="https://drive.google.com/drive/folders/1XwKEUCK__JlvoSUrD3ccCbxp7iE27-70",
            direct=False,
            training_set="RESIDE ITS (with the authors' negative samples)",
            terms="no licence stated in the authors' repository",
            published=(
                PublishedScore(
                    "SOTS indoor (500 pairs)", 42.56, 0.9954, "C2PNet paper (CVPR 2023), Table 1"
                ),
            ),
        ),
        Release(
            tag="ots",
            file_name="OTS.pkl",
            url="https://drive.google.com/drive/folders/1XwKEUCK__JlvoSUrD3ccCbxp7iE27-70",
            direct=False,
            training_set="RESIDE OTS (with the authors' negative samples)",
            terms="no licence stated in the authors' repository",
            published=(
                PublishedScore(
                    "SOTS outdoor (500 pairs)", 36.68, 0.9900, "C2PNet paper (CVPR 2023), Table 1"
                ),
            ),
        ),
    )
    #: YuZheng9/C2PNet main.py and README (commit b09e79c): L1 pixel loss, Adam (0.9, 0.999),
    #: lr 1e-4 with per-step cosine decay, gradient-norm clipping at 0.2 (--clip)
    recipe = TrainingRecipe(
        loss="l1",
        lr=1e-4,
        schedule="cosine",
        clip_grad=0.2,
        source="C2PNet main.py: nn.L1Loss, Adam lr 1e-4, cosine decay, clip_grad_norm_ 0.2",
        omitted="the curricular contrastive regulariser (weight 0.2): it needs ImageNet VGG19 "
        "weights and negatives from other dehazers' outputs, neither available offline",
    )

    def build_module(self) -> nn.Module:
        return C2PNet(blocks=19)
