"""The one interface every method has: spec parameters, `enhance`, size and weights metadata.

A method class declares its spec parameters (`params`) and implements `_enhance` (classical) or
`build_module` plus, where the authors' conventions need it, `preprocess`/`postprocess`
(neural). The harness only ever calls `enhance`, so it never special-cases a method.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import torch
from torch import nn

from .errors import SpecError
from .padding import pad_for_network
from .tiling import tiled_apply
from .weights import WeightsInfo, load_weights_file, read_checkpoint, shipped_weights_for


@dataclass(frozen=True)
class Param:
    """One spec parameter: its type, default and allowed values."""

    default: Any
    kind: type = float
    help: str = ""
    check: Callable[[Any], bool] | None = None
    check_msg: str = ""

    def parse(self, key: str, text: str) -> Any:
        """Turn the text of `key=text` into a typed value, or raise SpecError."""
        try:
            if self.kind is bool:
                low = text.strip().lower()
                if low not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(text)
                value: Any = low in {"1", "true", "yes", "on"}
            elif self.kind is int:
                value = int(float(text)) if float(text).is_integer() else int(text)
            elif self.kind is float:
                value = float(text)
                if not math.isfinite(value):
                    raise ValueError(text)
            else:
                value = self.kind(text)
        except ValueError:
            raise SpecError(
                f"bad value {key}={text!r}: expected {self.kind.__name__}"
                + (f" ({self.help})" if self.help else "")
            ) from None
        self.validate(key, value)
        return value

    def validate(self, key: str, value: Any) -> None:
        """Raise SpecError if `value` is outside the allowed range."""
        if self.check is not None and not self.check(value):
            raise SpecError(f"bad value {key}={format_value(value)}: {self.check_msg or self.help}")


def format_value(value: Any) -> str:
    """Canonical text of a parameter value (so equal variants get equal spec strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(float(value))
    return str(value)


def spec_string(name: str, values: Mapping[str, Any], params: Mapping[str, Param]) -> str:
    """Canonical spec text: `name` plus the values that differ from their defaults, by key."""
    changed = [
        f"{key}={format_value(value)}"
        for key, value in sorted(values.items())
        if format_value(value) != format_value(params[key].default)
    ]
    return name + (":" + ",".join(changed) if changed else "")


class Method:
    """Base of every method: holds the parsed spec parameters and the device."""

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    kind: ClassVar[Literal["neural", "classical"]] = "classical"
    citation: ClassVar[str] = ""
    params: ClassVar[Mapping[str, Param]] = {}

    def __init__(self, device: str | torch.device = "cpu", **values: Any) -> None:
        self.device = torch.device(device)
        self.values: dict[str, Any] = {}
        for key, param in self.all_params().items():
            value = values.pop(key, param.default)
            param.validate(key, value)
            self.values[key] = value
        if values:
            raise SpecError(f"{self.name}: unknown parameter(s) {', '.join(sorted(values))}")

    @classmethod
    def all_params(cls) -> dict[str, Param]:
        """Spec parameters of this class and its bases (subclass entries win)."""
        merged: dict[str, Param] = {}
        for klass in reversed(cls.__mro__):
            merged.update(getattr(klass, "params", {}) or {})
        return merged

    @property
    def spec(self) -> str:
        """Canonical spec: the name plus the non-default parameters, sorted by key."""
        return spec_string(self.name, self.values, self.all_params())

    @property
    def num_params(self) -> int:
        """Learnable parameters (0 for classical methods)."""
        return 0

    @property
    def file_size_bytes(self) -> int:
        """Bytes of the serialized weights (0 for classical methods)."""
        return 0

    @property
    def module(self) -> nn.Module | None:
        """The torch module for neural methods, else None."""
        return None

    @property
    def weights(self) -> WeightsInfo | None:
        """What weights were loaded (path, sha256, source), or None."""
        return None

    @property
    def is_ready(self) -> bool:
        """True when the method can be scored (classical, or neural with loaded weights)."""
        return True

    def enhance(self, x: torch.Tensor) -> torch.Tensor:
        """Enhance float32 (N,3,H,W) images in [0,1] on `self.device`; same shape, in [0,1]."""
        if not isinstance(x, torch.Tensor) or x.ndim != 4 or x.shape[1] != 3:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"{self.name}: expected a (N,3,H,W) tensor, got {shape}")
        with torch.inference_mode():
            y = self._enhance(x.to(self.device, torch.float32))
        if y.shape != x.shape:
            raise RuntimeError(
                f"{self.name}: output shape {tuple(y.shape)} differs from input {tuple(x.shape)}"
            )
        if not bool(torch.isfinite(y).all()):
            raise FloatingPointError(f"{self.name}: output contains NaN or Inf")
        return y.clamp(0.0, 1.0)

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec} on {self.device}>"


class ClassicalMethod(Method):
    """A hand-designed algorithm written in batched torch (runs on CPU and GPU alike)."""

    kind = "classical"


@dataclass
class _LoadedWeights:
    info: WeightsInfo | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class NeuralMethod(Method):
    """A network plus the adapter that owns its input/output conventions and checkpoint format."""

    kind = "neural"
    #: inputs are reflect-padded to a multiple of this and cropped back (any H, W works)
    size_multiple: ClassVar[int] = 1
    #: smaller inputs are reflect-padded up to this (networks whose deepest level needs pixels)
    min_size: ClassVar[int] = 1
    params: ClassVar[Mapping[str, Param]] = {
        "tile": Param(
            0, int, "tile size for tiled inference, 0 = whole image", lambda v: v == 0 or v >= 16
        ),
        "overlap": Param(32, int, "overlap between tiles in pixels", lambda v: v >= 0),
    }

    def __init__(self, device: str | torch.device = "cpu", **values: Any) -> None:
        super().__init__(device, **values)
        if self.values["tile"] and self.values["overlap"] * 2 >= self.values["tile"]:
            raise SpecError(f"{self.name}: overlap must be less than half the tile size")
        self._module = self.build_module().to(self.device).eval()
        self._loaded = _LoadedWeights()

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

    # --- the adapter path ---------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Differentiable adapter path on [0,1] input: pad, pre, network, post, crop."""
        padded, crop = pad_for_network(x, self.size_multiple, self.min_size)
        out = self.postprocess(self._module(self.preprocess(padded)), padded)
        return crop(out)

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        tile = self.values["tile"]
        if tile:
            return tiled_apply(self.forward, x, tile, self.values["overlap"])
        return self.forward(x)

    # --- metadata -----------------------------------------------------------------------
    @property
    def module(self) -> nn.Module:
        return self._module

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
        target = self.spec if ":" not in self.spec else f'"{self.spec}'
        quote = "" if ":" not in self.spec else '"'
        return (
            f"no weights: pass --weights {target}=PATH{quote} or train it "
            f"(python -m benchmark train {quote}{self.spec}{quote})"
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

    def load_shipped_weights(self) -> bool:
        """Load the weights shipped with the package for exactly this spec, if there are any."""
        shipped = shipped_weights_for(self.spec)
        if shipped is None:
            return False
        self.load_weights(shipped, source="shipped")
        return True
