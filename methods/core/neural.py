"""Neural methods: a network plus the adapter that owns its conventions and checkpoint format.

A subclass implements `build_module` and, where the authors' conventions need it,
`preprocess`/`postprocess`/`convert_state_dict`/`read_checkpoint`. Methods with their own ways
to start training (named inits, an init comparison) override the training hooks.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np
import torch
from torch import nn

from .backends import (
    BACKENDS,
    BackendState,
    check_backend,
    record_difference,
    weights_spec_of,
    wrap_module,
)
from .base import Method
from .errors import InitError, SpecError
from .padding import pad_for_network
from .params import Param
from .recipe import TrainingRecipe
from .releases import Release, trained_dir
from .spec import Spec
from .tiling import tiled_apply
from .weights import (
    WeightsInfo,
    load_weights_file,
    read_checkpoint,
    shipped_weights_for,
    trained_weights_for,
)


@dataclass
class _LoadedWeights:
    info: WeightsInfo | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class InitComparison(NamedTuple):
    """What `train --compare-init` trains: label -> init value (as for --init), and its subject."""

    inits: dict[str, str]
    title: str  # what is compared, for the plot title: "random vs ... initialisation"


class NeuralMethod(Method):
    """A network plus the adapter that owns its input/output conventions and checkpoint format."""

    kind = "neural"
    #: inputs are reflect-padded to a multiple of this and cropped back (any H, W works)
    size_multiple: ClassVar[int] = 1
    #: smaller inputs are reflect-padded up to this (networks whose deepest level needs pixels)
    min_size: ClassVar[int] = 1
    params: ClassVar[Mapping[str, Param]] = {
        "tile": Param(
            0,
            int,
            "tile size for tiled inference, 0 = whole image",
            lambda v: v == 0 or v >= 16,
            "need tile = 0 or tile >= 16",
        ),
        "overlap": Param(
            32, int, "overlap between tiles in pixels", lambda v: v >= 0, "need overlap >= 0"
        ),
        "backend": Param(
            "auto",
            str,
            "inference backend: auto (fused CPU kernel where proven equal, else eager), eager, "
            "channels_last, compile, amp (CUDA)",
            lambda v: v in BACKENDS,
            f"need one of {', '.join(BACKENDS)}",
        ),
    }
    #: what backend=auto runs where there is no fused CPU kernel (a faster backend, measured)
    auto_backend: ClassVar[str] = "eager"
    #: named training starts besides "random" and a weights file: name -> what it is
    named_inits: ClassVar[Mapping[str, str]] = {}
    #: why a first training step can get no gradient at all ("" when nothing specific is known)
    dead_start_hint: ClassVar[str] = ""
    #: the authors' released checkpoints, the default first (catalogue, like timm's default_cfgs)
    releases: ClassVar[tuple[Release, ...]] = ()
    #: the authors' loss/optimiser/schedule for `train` (None: the LNet-GIE paper's protocol)
    recipe: ClassVar[TrainingRecipe | None] = None

    def __init__(self, device: str | torch.device = "cpu", **values: Any) -> None:
        super().__init__(device, **values)
        tile, overlap = self.values["tile"], self.values["overlap"]
        if not tile and overlap != self.all_params()["overlap"].default:
            raise SpecError(f"{self.name}: overlap only applies with tiling: add tile=N (N >= 16)")
        if tile and overlap * 2 >= tile:
            raise SpecError(f"{self.name}: overlap must be less than half the tile size")
        check_backend(self.values["backend"], self.device)
        self._module = self.build_module().to(self.device).eval()
        self._loaded = _LoadedWeights()
        self._set_backend()

    # --- to implement -------------------------------------------------------------------
    def build_module(self) -> nn.Module:
        """Build the network for this variant (random init)."""
        raise NotImplementedError

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """Map [0,1] RGB to what the network expects (default: unchanged)."""
        return x

    def postprocess(self, out: Any, x: torch.Tensor) -> torch.Tensor:
        """Map the network output (and the padded [0,1] input) back to [0,1] RGB."""
        return out

    def convert_state_dict(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Map an authors' checkpoint layout to our module's keys (default: unchanged)."""
        return state

    def read_checkpoint(self, path: Path, trust: bool) -> Any:
        """Read a checkpoint file (default: safe torch.load); override for special formats."""
        return read_checkpoint(path, trust=trust)

    def _set_backend(self) -> None:
        name = self.values["backend"]
        resolved = self.auto_backend if name == "auto" else name
        self._backend = BackendState(name, path=resolved)
        self._run_module = wrap_module(self._backend, self._module, self.device, resolved)
        self._backend_is_eager = resolved == "eager"

    def fused_cpu_forward(self, x: torch.Tensor) -> torch.Tensor | None:
        """A fused CPU kernel equal to `forward` (backend=auto on CPU); None when there is none."""
        return None

    def fused_bgr_uint8(self, bgr: np.ndarray) -> np.ndarray | None:
        """A fused 8-bit kernel: (H, W, 3) uint8 BGR in and out; None when there is none."""
        return None

    def enhance_bgr_uint8(self, bgr: np.ndarray) -> np.ndarray | None:
        """One 8-bit BGR video frame through the fused 8-bit kernel, where backend=auto would fuse.

        None where it would not (another backend, CUDA, tiling, non-finite weights, a size the
        kernel does not take): the caller then takes the float path through `enhance`.
        """
        if self.values["tile"] or self._backend.name != "auto" or self.device.type != "cpu":
            return None
        if not self._fusable():
            return None
        with torch.inference_mode():
            out = self.fused_bgr_uint8(bgr)
        if out is not None:
            self._backend.path = "fused"
        return out

    # --- the adapter path ---------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Differentiable adapter path on [0,1] input: pad, pre, network, post, crop."""
        return self._adapted(self._module, x)

    def _adapted(self, network: Any, x: torch.Tensor) -> torch.Tensor:
        padded, crop = pad_for_network(x, self.size_multiple, self.min_size)
        out = self.postprocess(network(self.preprocess(padded)), padded)
        return crop(out)

    def infer(self, x: torch.Tensor) -> torch.Tensor:
        """The adapter path under the spec's backend (checked against eager on its first batch)."""
        out = None
        # fused kernels' ReLUs map NaN to 0: weights with NaN/Inf run through torch, whose NaN
        # output `enhance` reports
        if self._backend.name == "auto" and self.device.type == "cpu" and self._fusable():
            out = self.fused_cpu_forward(x)
            if out is not None:
                self._backend.path = "fused"
        if out is None:
            if self._backend_is_eager:
                return self.forward(x)
            out = self._adapted(self._run_module, x)
        if self._backend.max_abs_diff_vs_eager is None:
            record_difference(self._backend, out.clamp(0, 1), self.forward(x).clamp(0, 1))
        return out.float()

    def _fusable(self) -> bool:
        """A fused CPU kernel exists and every parameter is finite (weights may load later)."""
        if type(self).fused_cpu_forward is NeuralMethod.fused_cpu_forward:
            return False
        return all(bool(torch.isfinite(p).all()) for p in self._module.parameters())

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        tile = self.values["tile"]
        if tile:
            return tiled_apply(self.infer, x, tile, self.values["overlap"])
        return self.infer(x)

    # --- metadata -----------------------------------------------------------------------
    @property
    def module(self) -> nn.Module:
        return self._module

    @property
    def backend(self) -> BackendState:
        """The inference backend: name, precision, compile seconds, difference to eager."""
        return self._backend

    @property
    def weights_spec(self) -> Spec:
        """The spec that identifies this variant's weights: inference-only keys at defaults."""
        return weights_spec_of(self.spec)

    @property
    def num_params(self) -> int:
        return sum(p.numel() for p in self._module.parameters() if p.requires_grad)

    @property
    def file_size_bytes(self) -> int:
        buffer = io.BytesIO()
        torch.save(self._module.state_dict(), buffer)
        return buffer.tell()

    @property
    def weights(self) -> WeightsInfo | None:
        return self._loaded.info

    @property
    def is_ready(self) -> bool:
        return self._loaded.info is not None

    def not_ready_reason(self) -> str:
        """Why the method cannot be scored, with what to do about it."""
        quote = '"' if self.spec.options else ""
        official = " (or =official: python -m benchmark weights)" if self.releases else ""
        return (
            f"no weights: pass --weights {quote}{self.spec}=PATH{quote}{official}, or train it "
            f"(python -m benchmark train {quote}{self.spec}{quote}, or train all; run then finds "
            "what train wrote to weights/ in the current folder, or to the cache)"
        )

    # --- weights ------------------------------------------------------------------------
    def load_weights(self, path: str | Path, trust: bool = False, source: str = "user") -> None:
        """Load a checkpoint (ours or the authors' format) strictly into the module."""
        info = load_weights_file(
            self._module,
            path,
            convert=self.convert_state_dict,
            trust=trust,
            source=source,
            reader=self.read_checkpoint,
        )
        self._module.to(self.device).eval()
        self._loaded.info = info
        self._set_backend()  # new weights: rebuild the backend's module, check it again

    def load_shipped_weights(self) -> bool:
        """Load the weights shipped for exactly this spec, else the suite-trained ones in the
        cache (`train all`), if there are any."""
        shipped = shipped_weights_for(self.weights_spec)
        if shipped is not None:
            self.load_weights(shipped, source="shipped")
            return True
        trained = trained_weights_for(self.weights_spec, trained_dir())
        if trained is not None:
            self.load_weights(trained, source="suite-trained")
            fingerprint = str(
                ((self.weights.sidecar or {}).get("dataset") or {}).get("fingerprint")
            )
            self._loaded.info = replace(
                self._loaded.info, source=f"suite-trained:{fingerprint[:12]}"
            )
            return True
        return False

    @classmethod
    def training_recipe(cls) -> TrainingRecipe | None:
        """The authors' recipe that `train` uses for this method (None: the paper's protocol)."""
        return cls.recipe

    # --- training hooks (called by a trainer on a freshly built module) -----------------
    def default_init(self) -> str:
        """The start a training run uses when no init is given: "random" (the module's own)."""
        return "random"

    def apply_init(self, choice: str, trust: bool = False) -> dict[str, Any] | None:
        """Apply a named init, or an init file this method reads in its own way.

        Returns the description of what was done (the training sidecar's "init" entry), or None
        when `choice` is an ordinary weights file of this method, for the trainer to load.
        """
        if choice in self.named_inits:
            raise NotImplementedError(f"{self.name} names init {choice!r} but does not apply it")
        return None

    def init_comparison(self, files: Mapping[str, str | Path] | None = None) -> InitComparison:
        """The inits that `train --compare-init` trains; `files` (label -> weights file, from
        `--init-weights NAME=PATH`) are more starts, each read as `--init PATH` would be."""
        raise InitError(
            f"--compare-init is not supported by {self.name}: it has no initialisations to compare"
        )
