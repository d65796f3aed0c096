"""GridDehazeNet (Liu, Ma, Shi, Chen, ICCV 2019): attention-based multi-scale grid network.

Architecture, key names and conventions follow the official repository proteus1991/GridDehazeNet
(`model.py`, `residual_dense_block.py`, `test.py`, `val_data.py`, `utils.py`; read at commits
fc91fbac7ec81d500514eeed051e64cbdfb6066a and 6f0cdf48203a2f41f15b7abc8da6ec3203668c8c, which differ
only in the class name GateHazeNet -> GridDehazeNet), with the defaults of the released models:
height 3, width 6, 4 dense layers per RDB, growth rate 16: 958,051 learnable parameters.

Conventions of the official test script: the input is normalised with mean = std = 0.5 (so it lies
in [-1,1]); the output (a ReLU) is already the [0,1] image: PSNR is computed on it unclamped and
torchvision's `save_image` clamps it. Stride-2 convs go down and transposed convs with an explicit
`output_size` come back up, so any H, W works without padding. The released files
`indoor_haze_best_3_6` / `outdoor_haze_best_3_6` are state_dicts of an `nn.DataParallel` wrapper
('module.' prefixes), which the shared loader strips.
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


class MakeDense(nn.Module):
    """One dense layer: 3x3 conv + ReLU whose output is concatenated to its input."""

    def __init__(self, in_channels: int, growth_rate: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, growth_rate, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((x, F.relu(self.conv(x))), dim=1)


class RDB(nn.Module):
    """Residual dense block: dense layers, a 1x1 fusion conv back to `in_channels`, plus input."""

    def __init__(self, in_channels: int, num_dense_layer: int, growth_rate: int) -> None:
        super().__init__()
        layers = [
            MakeDense(in_channels + k * growth_rate, growth_rate) for k in range(num_dense_layer)
        ]
        self.residual_dense_layers = nn.Sequential(*layers)
        total = in_channels + num_dense_layer * growth_rate
        self.conv_1x1 = nn.Conv2d(total, in_channels, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_1x1(self.residual_dense_layers(x)) + x


class DownSample(nn.Module):
    """Halve the resolution (stride-2 conv) and double the channels, with ReLUs."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, in_channels, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(in_channels, 2 * in_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv2(F.relu(self.conv1(x))))


class UpSample(nn.Module):
    """Double the resolution to an exact `size` (transposed conv) and halve the channels."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.deconv = nn.ConvTranspose2d(in_channels, in_channels, 3, stride=2, padding=1)
        self.conv = nn.Conv2d(in_channels, in_channels // 2, 3, padding=1)

    def forward(self, x: torch.Tensor, size: torch.Size) -> torch.Tensor:
        out = F.relu(self.deconv(x, output_size=list(size)))
        return F.relu(self.conv(out))


class GridDehazeNet(nn.Module):
    """Grid of RDBs (rows = scales, columns = stages); down-sampling in the left half,
    up-sampling in the right half, merged by learned per-channel attention `coefficient`."""

    def __init__(
        self,
        depth_rate: int = 16,
        height: int = 3,
        width: int = 6,
        num_dense_layer: int = 4,
        growth_rate: int = 16,
    ) -> None:
        super().__init__()
        if width < 4 or width % 2 or height < 2:
            raise ValueError(
                f"unsupported grid {height}x{width} (need height >= 2, even width >= 4)"
            )
        self.height = height
        self.width = width
        self.depth_rate = depth_rate
        widest = depth_rate * 2 ** (height - 1)
        self.coefficient = nn.Parameter(torch.ones(height, width, 2, widest))
        self.conv_in = nn.Conv2d(3, depth_rate, kernel_size=3, padding=1)
        self.conv_out = nn.Conv2d(depth_rate, 3, kernel_size=3, padding=1)
        self.rdb_in = RDB(depth_rate, num_dense_layer, growth_rate)
        self.rdb_out = RDB(depth_rate, num_dense_layer, growth_rate)
        self.rdb_module = nn.ModuleDict()
        self.downsample_module = nn.ModuleDict()
        self.upsample_module = nn.ModuleDict()
        for i in range(height):
            for j in range(width - 1):
                self.rdb_module[f"{i}_{j}"] = RDB(self._channels(i), num_dense_layer, growth_rate)
        for i in range(height - 1):
            for j in range(width // 2):
                self.downsample_module[f"{i}_{j}"] = DownSample(self._channels(i))
        for i in range(height - 1):
            for j in range(width // 2, width):
                self.upsample_module[f"{i}_{j}"] = UpSample(self._channels(i + 1))

    def _channels(self, row: int) -> int:
        """Feature channels on grid row `row` (doubling at every coarser scale)."""
        return self.depth_rate * 2**row

    def _fuse(self, i: int, j: int, lateral: torch.Tensor, vertical: torch.Tensor) -> torch.Tensor:
        """Attention merge at grid node (i, j): per-channel weights for both incoming streams."""
        channels = self._channels(i)
        weight_lateral = self.coefficient[i, j, 0, :channels].view(1, -1, 1, 1)
        weight_vertical = self.coefficient[i, j, 1, :channels].view(1, -1, 1, 1)
        return weight_lateral * lateral + weight_vertical * vertical

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows, cols, half = self.height, self.width, self.width // 2
        rdb, down, up = self.rdb_module, self.downsample_module, self.upsample_module
        grid: list[list[torch.Tensor]] = [[] for _ in range(rows)]
        grid[0].append(self.rdb_in(self.conv_in(x)))
        for j in range(1, half):  # top row, left half: RDBs only
            grid[0].append(rdb[f"0_{j - 1}"](grid[0][j - 1]))
        for i in range(1, rows):  # first column: down-sampling only
            grid[i].append(down[f"{i - 1}_0"](grid[i - 1][0]))
        for i in range(1, rows):  # left half: RDB from the left + down-sampling from above
            for j in range(1, half):
                lateral = rdb[f"{i}_{j - 1}"](grid[i][j - 1])
                grid[i].append(self._fuse(i, j, lateral, down[f"{i - 1}_{j}"](grid[i - 1][j])))
        for j in range(half, cols):  # bottom row, right half: RDBs only
            grid[rows - 1].append(rdb[f"{rows - 1}_{j - 1}"](grid[rows - 1][j - 1]))
        for i in range(rows - 2, -1, -1):  # right half: RDB from the left + up-sampling from below
            for j in range(half, cols):
                lateral = grid[i][j - 1]
                upsampled = up[f"{i}_{j}"](grid[i + 1][j], lateral.shape[-2:])
                grid[i].append(self._fuse(i, j, rdb[f"{i}_{j - 1}"](lateral), upsampled))
        return F.relu(self.conv_out(self.rdb_out(grid[0][cols - 1])))


@register_method
class GridDehazeNetMethod(NeuralMethod):
    """GridDehazeNet adapter: [0,1] RGB -> (x - 0.5) / 0.5 -> network -> [0,1] image (clamped
    by `enhance`, as the official `save_image` does)."""

    name = "griddehazenet"
    display_name = "GridDehazeNet"
    citation = (
        "Liu et al., GridDehazeNet: Attention-Based Multi-Scale Network for Image Dehazing, "
        "ICCV 2019"
    )
    #: the LNet-GIE paper's Tables 1-2 row (measured on the paper's own data set)
    paper = PaperValues("GridDehazeNet", 28.259, 0.7467, 958051, 983)
    releases = (
        Release(
            tag="indoor",
            file_name="indoor_haze_best_3_6",
            url="https://github.com/proteus1991/GridDehazeNet/raw/master/indoor_haze_best_3_6",
            direct=True,
            training_set="RESIDE ITS minus images sharing a ground truth with SOTS (trainlist.txt)",
            terms="MIT (the authors' README badge)",
            published=(
                PublishedScore(
                    "SOTS indoor (500 pairs)", 32.16, 0.9836, "GridDehazeNet README, test.py output"
                ),
            ),
        ),
        Release(
            tag="outdoor",
            file_name="outdoor_haze_best_3_6",
            url="https://github.com/proteus1991/GridDehazeNet/raw/master/outdoor_haze_best_3_6",
            direct=True,
            training_set="RESIDE OTS minus images sharing a ground truth with SOTS (trainlist.txt)",
            terms="MIT (the authors' README badge)",
            published=(
                PublishedScore(
                    "SOTS outdoor (500 pairs)", 30.86, 0.9819, "GridDehazeNet paper (ICCV 2019)"
                ),
            ),
        ),
    )
    #: proteus1991/GridDehazeNet train.py and utils.py: smooth L1 + 0.04 x VGG16 perceptual
    #: loss, Adam lr 1e-3, halved every 20 of 100 epochs (indoor)
    recipe = TrainingRecipe(
        loss="smooth_l1",
        lr=1e-3,
        schedule="step",
        decay_every=0.2,
        decay_gamma=0.5,
        source="GridDehazeNet train.py/utils.py: F.smooth_l1_loss, Adam lr 1e-3, x0.5 every 20 "
        "of 100 epochs",
        omitted="the 0.04 x VGG16 perceptual term: it needs ImageNet VGG16 weights (a download)",
    )

    def build_module(self) -> nn.Module:
        return GridDehazeNet(depth_rate=16, height=3, width=6, num_dense_layer=4, growth_rate=16)

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        return (x - 0.5) / 0.5
