"""MSBDN-DFF (Dong et al., CVPR 2020): Multi-Scale Boosted Dehazing Network with Dense Feature Fusion.

Official code: https://github.com/BookerDeWitt/MSBDN-DFF (networks/MSBDN-DFF-v1-1.py `Net()`,
networks/base_networks.py, test.py), commit ab515e2530caafbd5d054e5da1f7a854f2e9a03d. Module and
parameter names follow that code, so its state_dict keys load unchanged; 31,353,061 parameters.

Conventions of the official test.py: input RGB in [0,1] (uint8 / 255), no normalisation; output
clamped to [0,1]. The dense-feature-fusion blocks subtract features of other scales, so H and W
must be multiples of 16 (we reflect-pad and crop back).

The released `model.pkl` is a pickled whole model (`torch.save(model)` in train.py), whose classes
live in the authors' modules (`networks.MSBDN-DFF-v1-1`, `networks.base_networks`). It is refused
without trust; with trust it is unpickled with those classes mapped to plain placeholder modules,
so the authors' code need not be installed (`convert_to_state_dict` writes a safe state_dict once).
"""

from __future__ import annotations

import pickle
import types
import warnings
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .core.errors import WeightsError
from .core.neural import NeuralMethod
from .core.paper import PaperValues
from .core.recipe import TrainingRecipe
from .core.registry import register_method
from .core.releases import PublishedScore, Release
from .core.weights import check_state_dict, extract_state_dict, read_checkpoint

#: class names defined in the authors' networks/MSBDN-DFF-v1-1.py and networks/base_networks.py
AUTHORS_CLASSES = frozenset(
    {
        "Net",
        "make_dense",
        "ConvLayer",
        "UpsampleConvLayer",
        "ResidualBlock",
        "ConvBlock",
        "DeconvBlock",
        "Encoder_MDCBlock1",
        "Decoder_MDCBlock1",
    }
)
#: the package the authors' train.py imports the network from (`networks.<model file>`)
AUTHORS_PACKAGE = "networks"


class ConvLayer(nn.Module):
    """Reflection padding of k//2, then a convolution (keeps the size at stride 1)."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, stride: int) -> None:
        super().__init__()
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_ch, out_ch, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2d(self.reflection_pad(x))


class UpsampleConvLayer(nn.Module):
    """Transposed 3x3 convolution with stride 2 (output 2n+1, resized to the skip by the caller)."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv2d = nn.ConvTranspose2d(in_ch, out_ch, kernel_size=3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2d(x)


class ResidualBlock(nn.Module):
    """x + 0.1 * conv(PReLU(conv(x))), both convs 3x3 with reflection padding."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, 3, 1)
        self.conv2 = ConvLayer(channels, channels, 3, 1)
        self.relu = nn.PReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.relu(self.conv1(x))) * 0.1 + x


def residual_group(channels: int, blocks: int = 3) -> nn.Sequential:
    """`blocks` residual blocks in a row (keys 0.conv1..., as the authors' nn.Sequential)."""
    return nn.Sequential(*(ResidualBlock(channels) for _ in range(blocks)))


class ConvPReLU(nn.Module):
    """4x4 stride-2 convolution (halves the size) followed by PReLU; authors' `ConvBlock`."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size=4, stride=2, padding=1)
        self.act = nn.PReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x))


class DeconvPReLU(nn.Module):
    """4x4 stride-2 transposed convolution (doubles the size) + PReLU; authors' `DeconvBlock`."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.deconv = nn.ConvTranspose2d(in_ch, out_ch, kernel_size=4, stride=2, padding=1)
        self.act = nn.PReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.deconv(x))


def back_projection_fuse(
    feature: torch.Tensor,
    memory: list[torch.Tensor],
    to_memory: nn.ModuleList,
    from_memory: nn.ModuleList,
) -> torch.Tensor:
    """Dense feature fusion ('iter2'): project to each earlier scale, subtract it, project back.

    For memory[i], the running fusion is taken through the first `len(to_memory) - i` layers of
    `to_memory`, the stored feature is subtracted, and the difference is taken back through the
    matching `from_memory` layers in reverse order and added to the fusion.
    """
    fused = feature
    for i, stored in enumerate(memory):
        depth = len(to_memory) - i
        step = fused
        for j in range(depth):
            step = to_memory[j](step)
        step = step - stored
        for j in reversed(range(depth)):
            step = from_memory[j](step)
        fused = fused + step
    return fused


class EncoderFusion(nn.Module):
    """DFF on the encoder side: earlier (larger) features are reached by up-projections."""

    def __init__(self, channels: int, num_features: int) -> None:
        super().__init__()
        levels = range(num_features - 1)
        self.up_convs = nn.ModuleList(
            DeconvPReLU(channels // 2**i, channels // 2 ** (i + 1)) for i in levels
        )
        self.down_convs = nn.ModuleList(
            ConvPReLU(channels // 2 ** (i + 1), channels // 2**i) for i in levels
        )

    def forward(self, feature: torch.Tensor, memory: list[torch.Tensor]) -> torch.Tensor:
        return back_projection_fuse(feature, memory, self.up_convs, self.down_convs)


class DecoderFusion(nn.Module):
    """DFF on the decoder side: earlier (smaller) features are reached by down-projections."""

    def __init__(self, channels: int, num_features: int) -> None:
        super().__init__()
        levels = range(num_features - 1)
        self.down_convs = nn.ModuleList(
            ConvPReLU(channels * 2**i, channels * 2 ** (i + 1)) for i in levels
        )
        self.up_convs = nn.ModuleList(
            DeconvPReLU(channels * 2 ** (i + 1), channels * 2**i) for i in levels
        )

    def forward(self, feature: torch.Tensor, memory: list[torch.Tensor]) -> torch.Tensor:
        return back_projection_fuse(feature, memory, self.down_convs, self.up_convs)


def _resize_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Bilinear resize of x to like's H, W (the authors' F.upsample, align_corners=False)."""
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)


class MSBDNDFF(nn.Module):
    """The U-Net-like network: 4 strided encoder levels with DFF, 18 residual blocks, 4 decoders."""

    def __init__(self, res_blocks: int = 18) -> None:
        super().__init__()
        self.conv_input = ConvLayer(3, 16, 11, 1)
        self.dense0 = residual_group(16)
        self.conv2x = ConvLayer(16, 32, 3, 2)
        self.fusion1 = EncoderFusion(32, 2)
        self.dense1 = residual_group(32)
        self.conv4x = ConvLayer(32, 64, 3, 2)
        self.fusion2 = EncoderFusion(64, 3)
        self.dense2 = residual_group(64)
        self.conv8x = ConvLayer(64, 128, 3, 2)
        self.fusion3 = EncoderFusion(128, 4)
        self.dense3 = residual_group(128)
        self.conv16x = ConvLayer(128, 256, 3, 2)
        self.fusion4 = EncoderFusion(256, 5)
        self.dehaze = nn.Sequential()
        for i in range(res_blocks):
            self.dehaze.add_module(f"res{i}", ResidualBlock(256))
        self.convd16x = UpsampleConvLayer(256, 128)
        self.dense_4 = residual_group(128)
        self.fusion_4 = DecoderFusion(128, 2)
        self.convd8x = UpsampleConvLayer(128, 64)
        self.dense_3 = residual_group(64)
        self.fusion_3 = DecoderFusion(64, 3)
        self.convd4x = UpsampleConvLayer(64, 32)
        self.dense_2 = residual_group(32)
        self.fusion_2 = DecoderFusion(32, 4)
        self.convd2x = UpsampleConvLayer(32, 16)
        self.dense_1 = residual_group(16)
        self.fusion_1 = DecoderFusion(16, 5)
        self.conv_output = ConvLayer(16, 3, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res1x = self.conv_input(x)
        memory = [res1x]
        x = self.dense0(res1x) + res1x
        res2x = self.fusion1(self.conv2x(x), memory)
        memory.append(res2x)
        res2x = self.dense1(res2x) + res2x
        res4x = self.fusion2(self.conv4x(res2x), memory)
        memory.append(res4x)
        res4x = self.dense2(res4x) + res4x
        res8x = self.fusion3(self.conv8x(res4x), memory)
        memory.append(res8x)
        res8x = self.dense3(res8x) + res8x
        res16x = self.fusion4(self.conv16x(res8x), memory)

        doubled = res16x * 2
        res16x = self.dehaze(doubled) + doubled - res16x
        memory_up = [res16x]

        skips = (res8x, res4x, res2x, x)
        ups = (self.convd16x, self.convd8x, self.convd4x, self.convd2x)
        denses = (self.dense_4, self.dense_3, self.dense_2, self.dense_1)
        fusions = (self.fusion_4, self.fusion_3, self.fusion_2, self.fusion_1)
        out = res16x
        for skip, up, dense, fusion in zip(skips, ups, denses, fusions, strict=True):
            up_feature = _resize_to(up(out), skip)
            merged = up_feature + skip
            out = fusion(dense(merged) + merged - up_feature, memory_up)
            memory_up.append(out)
        return self.conv_output(out)


# --- the authors' pickled whole-model checkpoint ---------------------------------------------


class AuthorsModulePlaceholder(nn.Module):
    """Stands in for an authors' class while unpickling: keeps submodules/parameters, no code."""

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("placeholder for an unpickled authors' module; use its state_dict()")


def is_authors_class(module: str, name: str) -> bool:
    """True for classes of the authors' `networks` package (or their names saved from __main__)."""
    top = module.split(".")[0]
    return top == AUTHORS_PACKAGE or (top == "__main__" and name in AUTHORS_CLASSES)


class AuthorsUnpickler(pickle.Unpickler):
    """Full unpickler that maps the authors' classes to `AuthorsModulePlaceholder`."""

    def find_class(self, module: str, name: str) -> Any:
        if is_authors_class(module, name):
            return AuthorsModulePlaceholder
        return super().find_class(module, name)


def _load_with_authors_unpickler(file: Any, **kwargs: Any) -> Any:
    return AuthorsUnpickler(file, **kwargs).load()


#: what torch.load(pickle_module=...) needs: an `Unpickler` class and a `load` function
AUTHORS_PICKLE_MODULE = types.SimpleNamespace(
    Unpickler=AuthorsUnpickler, load=_load_with_authors_unpickler, __name__="authors_pickle"
)


def load_pickled_model(path: str | Path) -> Any:
    """Fully unpickle a trusted checkpoint (e.g. the authors' model.pkl) without their code."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path} (check the path)")
    try:
        with warnings.catch_warnings():
            # legacy-format pickles carry the authors' source; placeholders have none to compare
            warnings.filterwarnings("ignore", message=".*source code.*")
            return torch.load(
                path, map_location="cpu", weights_only=False, pickle_module=AUTHORS_PICKLE_MODULE
            )
    except (pickle.UnpicklingError, AttributeError, ImportError, ModuleNotFoundError) as exc:
        raise WeightsError(f"cannot unpickle {path}: {exc}") from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise WeightsError(
            f"cannot read weights file {path}: {str(exc).strip()[:200]} (is it a torch checkpoint?)"
        ) from None


def convert_to_state_dict(src: str | Path, dst: str | Path) -> dict[str, torch.Tensor]:
    """Convert a trusted checkpoint (e.g. the authors' pickled model.pkl) to a plain state_dict.

    The result is checked strictly against MSBDN-DFF, saved to `dst` (loadable with
    weights_only=True, so no trust is needed afterwards) and returned.
    """
    state = extract_state_dict(load_pickled_model(src))
    with torch.device("meta"):  # keys and shapes only: no memory, no initialisation
        template = MSBDNDFF()
    check_state_dict(template, state, str(src))
    plain = {key: value.detach().clone().contiguous() for key, value in state.items()}
    torch.save(plain, Path(dst))
    return plain


@register_method
class MSBDNDFFMethod(NeuralMethod):
    """MSBDN-DFF on [0,1] RGB (no normalisation); padded to a multiple of 16, clamped output."""

    name = "msbdn-dff"
    display_name = "MSBDN-DFF"
    citation = (
        "Dong et al., Multi-Scale Boosted Dehazing Network with Dense Feature Fusion, CVPR 2020"
    )
    #: the LNet-GIE paper's Tables 1-2 row (measured on the paper's own data set)
    paper = PaperValues(
        "MSBDN-DFF",
        28.7328,
        0.8123,
        36845053,
        122641,
        "counts reused fusion convs again per call; the module holds 31,353,061",
    )
    releases = (
        Release(
            tag="reside",
            file_name="model.pkl",
            url="https://drive.google.com/open?id=1da13IOlJ3FQfH6Duj_u1exmZzgXPaYXe",
            direct=False,
            training_set="RESIDE (the authors' HDF5 training set, RESIDE_HDF5_all)",
            terms="no licence stated in the authors' repository",
            published=(
                PublishedScore("SOTS (500 pairs)", 33.79, 0.9840, "MSBDN-DFF paper (CVPR 2020)"),
            ),
            note="a pickled whole model: `weights add` needs --trust-weights",
        ),
    )
    #: BookerDeWitt/MSBDN-DFF train.py (commit ab515e2): MSELoss, Adam lr 1e-4, x0.1 every 50
    #: of 100 epochs (training_settings); --clip 0.25 is parsed but not applied in that script
    recipe = TrainingRecipe(
        loss="mse",
        lr=1e-4,
        schedule="step",
        decay_every=0.5,
        decay_gamma=0.1,
        source="MSBDN-DFF train.py: MSELoss, Adam lr 1e-4, x0.1 every 50 of 100 epochs",
    )
    size_multiple = 16
    #: the bottleneck (1/16 scale) reflect-pads by 1, so it needs 2 pixels: at least 32 in
    min_size = 32

    def build_module(self) -> nn.Module:
        return MSBDNDFF()

    def read_checkpoint(self, path: Path, trust: bool) -> Any:
        """Safe load by default (a pickled model is refused); with trust, the authors' model.pkl."""
        if not trust:
            return read_checkpoint(path, trust=False)
        return load_pickled_model(path)
