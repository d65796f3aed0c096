"""DA_dehazing (Shao et al., CVPR 2020): Domain Adaptation for Image Dehazing, the dehazing network.

Official code: https://github.com/HUSTSYJ/DA_dahazing (models/networks.py `_UNetGenerator`, built by
`define_Gen` in models/SDehazingnet_model.py and models/RDehazingnet_model.py with the default
options ngf=64, task_layers=4, norm=batch, activation=PReLU, U_weight=0.1), commit
991c0232f246544f30de8f854f45eec58230ac8b. Names follow that code, so its state_dict keys load
unchanged; 54,591,388 parameters. As in the authors' code, ONE PReLU module (one slope) is shared
by every block, so its slope appears under 18 state_dict keys.

The released `*_netS_Dehazing.pth` (synthetic-domain net F_S) and `*_netR_Dehazing.pth`
(real-domain net F_R) are both plain state_dicts of this same architecture, saved from a
DataParallel wrapper ('module.' prefixes); one method loads either.

Conventions (data/aligned_dataset.py, util tensor2im): input normalised to [-1,1]; the network
returns [center features, output4, output3, output2, output1] and the image is the last (tanh)
element, mapped back by (y + 1) / 2. Four 2x poolings: H and W must be multiples of 16 (the
authors resize down to a multiple of 16; we reflect-pad and crop back), and the centre's dilated
branch reflect-pads H/16 and W/16 by 5, so both must be at least 6: inputs smaller than 96 px are
reflect-padded up to 96 as well (`MIN_SIZE`) and cropped back.

BatchNorm: by default (bn=running) the module runs in eval mode with the stored running
statistics. The authors' test.py never calls .eval(), so their published test outputs used
per-image batch statistics (batch size 1); `bn=image` reproduces that.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .core.neural import NeuralMethod
from .core.paper import PaperValues
from .core.params import Param
from .core.recipe import TrainingRecipe
from .core.registry import register_method
from .core.releases import Release

BN_MODES = ("running", "image")
#: smallest H, W the network takes: 16 * 6, as the dilation-5 branch reflect-pads H/16 by 5
MIN_SIZE = 96


class ImageStatsBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d (same keys) that can normalise each image by its own statistics at inference.

    With `per_image` set and the module in eval mode, it computes exactly what nn.BatchNorm2d in
    training mode computes for a batch of one image, for every image of the batch separately,
    without touching the running statistics.
    """

    per_image: bool = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.per_image and not self.training:
            return F.instance_norm(
                x, weight=self.weight, bias=self.bias, use_input_stats=True, eps=self.eps
            )
        return super().forward(x)


def conv_bn_act(in_ch: int, mid_ch: int, out_ch: int, act: nn.Module) -> nn.Sequential:
    """Two 3x3 conv + BN + shared PReLU stages (authors' `_EncoderBlock.model`)."""
    return nn.Sequential(
        nn.Conv2d(in_ch, mid_ch, 3, stride=1, padding=1, bias=False),
        ImageStatsBatchNorm2d(mid_ch),
        act,
        nn.Conv2d(mid_ch, out_ch, 3, stride=1, padding=1, bias=False),
        ImageStatsBatchNorm2d(out_ch),
        act,
    )


class EncoderBlock(nn.Module):
    """Encoder stage before a 2x average pooling (keys model.0 ... model.4)."""

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int, act: nn.Module) -> None:
        super().__init__()
        self.model = conv_bn_act(in_ch, mid_ch, out_ch, act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class DecoderUpBlock(nn.Module):
    """Reflect-padded 3x3 conv + BN + PReLU, then a 2x transposed conv + BN + PReLU."""

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int, act: nn.Module) -> None:
        super().__init__()
        self.model = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(in_ch, mid_ch, 3, stride=1, padding=0, bias=False),
            ImageStatsBatchNorm2d(mid_ch),
            act,
            nn.ConvTranspose2d(mid_ch, out_ch, 3, stride=2, padding=1, output_padding=1),
            ImageStatsBatchNorm2d(out_ch),
            act,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class OutputBlock(nn.Module):
    """Reflect-padded conv to RGB, then tanh: one of the four multi-scale image outputs."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int) -> None:
        super().__init__()
        self.model = nn.Sequential(
            nn.ReflectionPad2d(kernel_size // 2),
            nn.Conv2d(in_ch, out_ch, kernel_size, padding=0, bias=False),
            nn.Tanh(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class InceptionBlock(nn.Module):
    """Dilated 3x3 branches (dilations 1, 3, 5, ...) concatenated, fused by a 3x3 conv, residual."""

    def __init__(self, channels: int, width: int, act: nn.Module) -> None:
        super().__init__()
        self.width = width
        for i in range(width):
            dilation = 2 * i + 1
            branch = nn.Sequential(
                nn.ReflectionPad2d(dilation),
                nn.Conv2d(channels, channels, 3, padding=0, dilation=dilation, bias=False),
            )
            setattr(self, f"layer{i}", branch)
        self.norm1 = ImageStatsBatchNorm2d(channels * width)
        self.norm2 = ImageStatsBatchNorm2d(channels)
        self.nonlinearity = act
        self.branch1x1 = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels * width, channels, 3, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [getattr(self, f"layer{i}")(x) for i in range(self.width)]
        out = self.nonlinearity(self.norm1(torch.cat(branches, 1)))
        out = self.norm2(self.branch1x1(out))
        return self.nonlinearity(out + x)


class DAUNet(nn.Module):
    """The authors' `_UNetGenerator` for layers=4: a 4-level U-Net with multi-scale tanh outputs."""

    def __init__(self, ngf: int = 64, weight: float = 0.1) -> None:
        super().__init__()
        self.weight = weight
        act = nn.PReLU()  # one module, shared by every block (as in the authors' code)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)
        self.conv1 = nn.Sequential(
            nn.ReflectionPad2d(3),
            nn.Conv2d(3, ngf, 7, padding=0, bias=False),
            ImageStatsBatchNorm2d(ngf),
            act,
        )
        self.conv2 = EncoderBlock(ngf, ngf * 2, ngf * 2, act)
        self.conv3 = EncoderBlock(ngf * 2, ngf * 4, ngf * 4, act)
        self.conv4 = EncoderBlock(ngf * 4, ngf * 8, ngf * 8, act)
        self.center = nn.Sequential(
            *(InceptionBlock(ngf * 8, 3, act) for _ in range(3)),
            DecoderUpBlock(ngf * 8, ngf * 8, ngf * 4, act),
        )
        self.deconv4 = DecoderUpBlock(ngf * 8, ngf * 8, ngf * 2, act)
        self.deconv3 = DecoderUpBlock(ngf * 4 + 3, ngf * 4, ngf, act)
        self.deconv2 = DecoderUpBlock(ngf * 2 + 3, ngf * 2, ngf // 2, act)
        self.output4 = OutputBlock(ngf * 8, 3, 3)
        self.output3 = OutputBlock(ngf * 4 + 3, 3, 3)
        self.output2 = OutputBlock(ngf * 2 + 3, 3, 3)
        self.output1 = OutputBlock(ngf // 2 + 3, 3, 7)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")

    def set_per_image_bn(self, per_image: bool) -> None:
        """Use per-image statistics (True) or the running statistics (False) in eval mode."""
        for module in self.modules():
            if isinstance(module, ImageStatsBatchNorm2d):
                module.per_image = per_image

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        conv1 = self.pool(self.conv1(x))
        conv2 = self.pool(self.conv2(conv1))
        conv3 = self.pool(self.conv3(conv2))
        center_in = self.pool(self.conv4(conv3))
        center_out = self.center(center_in)

        skip4 = torch.cat([center_out, conv3 * self.weight], 1)
        deconv4, output4 = self.deconv4(skip4), self.output4(skip4)
        skip3 = torch.cat([deconv4, conv2 * self.weight * 0.5, self.upsample(output4)], 1)
        deconv3, output3 = self.deconv3(skip3), self.output3(skip3)
        skip2 = torch.cat([deconv3, conv1 * self.weight * 0.1, self.upsample(output3)], 1)
        deconv2, output2 = self.deconv2(skip2), self.output2(skip2)
        output1 = self.output1(torch.cat([deconv2, self.upsample(output2)], 1))
        return [center_in, output4, output3, output2, output1]


@register_method
class DADehazingMethod(NeuralMethod):
    """DA_dehazing's F_S / F_R network on [-1,1] input; the last (tanh) output mapped to [0,1]."""

    name = "da-dehazing"
    display_name = "DA_dehazing"
    citation = "Shao et al., Domain Adaptation for Image Dehazing, CVPR 2020"
    #: the LNet-GIE paper's Tables 1-2 row (measured on the paper's own data set)
    paper = PaperValues(
        "DA_dehazing",
        27.9394,
        0.4151,
        38720,
        213355,
        "38,720 matches no sub-network of the release",
    )
    releases = (
        Release(
            tag="s",
            file_name="30_netS_Dehazing.pth",
            url="https://drive.google.com/file/d/1jQv_IVLHO98Nuj-wS0ebHE1GI1uqYokS/view",
            direct=False,
            training_set="synthetic RESIDE pairs + real hazy images (the authors' data set)",
            terms="no licence stated in the authors' repository",
            note="synthetic-domain net F_S; also on Baidu: https://pan.baidu.com/s/1AYswMVKk-rX0OkTS9pzNkg (code 8326)",
        ),
        Release(
            tag="r",
            file_name="30_netR_Dehazing.pth",
            url="https://drive.google.com/file/d/1jQv_IVLHO98Nuj-wS0ebHE1GI1uqYokS/view",
            direct=False,
            training_set="synthetic RESIDE pairs + real hazy images (the authors' data set)",
            terms="no licence stated in the authors' repository",
            note="real-domain net F_R; also on Baidu: https://pan.baidu.com/s/1AYswMVKk-rX0OkTS9pzNkg (code 8326)",
        ),
    )
    #: HUSTSYJ/DA_dahazing models/SDehazingnet_model.py: 10 x MSE on every output scale plus TV,
    #: dark-channel and GAN terms on translated real images; Adam (0.9, 0.999), constant lr
    #: (--niter_decay 0). The task lr's default (opt.lr_task) is not in the files read: 1e-4 here
    recipe = TrainingRecipe(
        loss="mse",
        lr=1e-4,
        source="DA_dahazing SDehazingnet_model.py: MSELoss (x10), Adam betas (0.9, 0.999), "
        "constant lr (lr 1e-4 assumed)",
        omitted="the multi-scale MSE terms, TV/dark-channel/GAN losses and CycleGAN translation: "
        "they need unpaired real hazy images; the final output's MSE is kept",
    )
    size_multiple = 16
    min_size = MIN_SIZE
    params: ClassVar[dict[str, Param]] = {
        "bn": Param(
            "running",
            str,
            "BatchNorm statistics at inference: running (eval mode) or image (per-image, "
            "as the authors' test.py, which never calls .eval())",
            lambda v: v in BN_MODES,
            f"bn must be one of {', '.join(BN_MODES)}",
        ),
    }

    def build_module(self) -> nn.Module:
        module = DAUNet()
        module.set_per_image_bn(self.values["bn"] == "image")
        return module

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """transforms.Normalize((0.5,)*3, (0.5,)*3): [0,1] -> [-1,1]."""
        return (x - 0.5) / 0.5

    def postprocess(self, out: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """The full-resolution image is the last output (tanh, [-1,1]), mapped to [0,1]."""
        return (out[-1] + 1.0) / 2.0
