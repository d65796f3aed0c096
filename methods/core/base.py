"""The one interface every method has: spec parameters, `enhance`, size and weights metadata.

A method class declares its spec parameters (`params`) and implements `_enhance` (classical) or
`build_module` plus, where the authors' conventions need it, `preprocess`/`postprocess`
(neural). The harness only ever calls `enhance`, so it never special-cases a method.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import torch
from torch import nn

from .backends import BackendState
from .errors import SpecError
from .paper import PaperValues
from .params import Param
from .spec import Spec
from .weights import WeightsInfo


class Method:
    """Base of every method: holds the parsed spec parameters and the device."""

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    kind: ClassVar[Literal["neural", "classical", "reference", "outputs"]] = "classical"
    citation: ClassVar[str] = ""
    #: the LNet-GIE paper's Tables 1-2 row for this method (None: not in the paper)
    paper: ClassVar[PaperValues | None] = None
    params: ClassVar[Mapping[str, Param]] = {}
    #: True: `enhance(x, ids=...)` must name each image of the batch (its id in the data set),
    #: which `_enhance(x, ids)` then receives; the harness passes the ids to every method that
    #: asks (e.g. published outputs, looked up by name)
    needs_ids: ClassVar[bool] = False
    #: False: the method is not run here, so its cost (params, latency, memory) is not measured
    measured: ClassVar[bool] = True
    #: False: left out of `--methods all` (the method means nothing without its spec parameters)
    in_all: ClassVar[bool] = True

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
    def spec(self) -> Spec:
        """Canonical spec: the name plus the non-default parameters, sorted by key."""
        return Spec(self.name, self.values, self.all_params())

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
    def backend(self) -> BackendState | None:
        """The inference backend of a neural method (None: plain torch, no backend choice)."""
        return None

    @property
    def is_ready(self) -> bool:
        """True when the method can be scored (classical, or neural with loaded weights)."""
        return True

    def not_ready_reason(self) -> str:
        """Why the method cannot be scored, with what to do about it ('' when it can)."""
        return ""

    def enhance(self, x: torch.Tensor, ids: Sequence[str] | None = None) -> torch.Tensor:
        """Enhance float32 (N,3,H,W) images in [0,1] on `self.device`; same shape, in [0,1].

        `ids` names the N images (data-set ids); only a method with `needs_ids` uses them.
        """
        if not isinstance(x, torch.Tensor) or x.ndim != 4 or x.shape[1] != 3:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"{self.name}: expected a (N,3,H,W) tensor, got {shape}")
        if self.needs_ids and (ids is None or len(ids) != x.shape[0]):
            got = "none" if ids is None else str(len(ids))
            raise ValueError(
                f"{self.name}: needs the id of each of the {x.shape[0]} image(s) (got {got}): "
                "call enhance(x, ids=[...])"
            )
        with torch.inference_mode():
            xin = x.to(self.device, torch.float32)
            y = self._enhance_ids(xin, list(ids or ())) if self.needs_ids else self._enhance(xin)
            if y.shape != x.shape:
                raise RuntimeError(
                    f"{self.name}: output shape {tuple(y.shape)} differs from input "
                    f"{tuple(x.shape)}"
                )
            if y.numel() == 0:
                return y
            # min and max in one float32 pass: NaN propagates into both and +-Inf shows in one,
            # and values already in [0, 1] (most methods' outputs) need no clamp. At 1080p this
            # costs 0.3 ms where a float64 sum took 57 ms and torch.isfinite(y).all() 15 ms.
            low, high = (float(v) for v in torch.aminmax(y))
            if not (math.isfinite(low) and math.isfinite(high)):
                raise FloatingPointError(f"{self.name}: output contains NaN or Inf")
            if _shares_memory(y, xin) or _shares_memory(y, x):
                return y.clamp(0.0, 1.0)  # a copy: the caller's input stays untouched
            if low >= 0.0 and high <= 1.0:
                return y
            return y.clamp_(0.0, 1.0)  # a fresh output: clamp in place, no 1080p allocation

    def audit(self, ids: Sequence[str], sizes: Sequence[tuple[int, int] | None]) -> list[str]:
        """Problems this method sees before scoring these inputs (ids, (H, W) sizes): one line
        each, for the run's data report (none for a method that computes its outputs)."""
        return []

    def _enhance(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _enhance_ids(self, x: torch.Tensor, ids: list[str]) -> torch.Tensor:
        """`_enhance` of a method with `needs_ids`: the batch and the id of each image."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec} on {self.device}>"


def _shares_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when two tensors are (views of) the same storage."""
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


class ClassicalMethod(Method):
    """A hand-designed algorithm written in batched torch (runs on CPU and GPU alike)."""

    kind = "classical"
