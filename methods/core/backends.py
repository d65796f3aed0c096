"""Inference backends of a neural method (the `backend` spec key): how, not what, is computed.

`auto` runs a method's fused CPU kernel where it has one (proven equal to the eager network in
its tests) and the eager module otherwise; `eager` is the plain module; `channels_last` converts
module and input to NHWC; `compile` is torch.compile (its compile time is measured on the first
call and kept apart from any latency); `amp` is bf16/fp16 autocast, CUDA only. Every backend but
`eager` is checked against the eager module on its first batch (the max abs difference is kept).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from .errors import SpecError
from .spec import Spec

BACKENDS = ("auto", "eager", "channels_last", "compile", "amp")
#: spec keys that change how a variant is computed, not its numbers' meaning or its weights
INFERENCE_ONLY_KEYS = frozenset({"tile", "overlap", "backend"})


def weights_spec_of(spec: Spec) -> Spec:
    """The spec that keys a variant's weights: inference-only keys back at their defaults."""
    return spec.with_values(**dict.fromkeys(INFERENCE_ONLY_KEYS & spec.values.keys()))


def check_backend(name: str, device: torch.device) -> None:
    """Refuse a backend the device cannot run, in one line."""
    if name == "amp" and device.type != "cuda":
        raise SpecError("backend=amp (bf16/fp16 autocast) needs a CUDA device; use eager on CPU")


def amp_dtype() -> torch.dtype:
    """bf16 where the GPU supports it, else fp16."""
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


@dataclass
class BackendState:
    """What a backend did: its precision, compile seconds and first-batch difference to eager."""

    name: str
    path: str = ""  # what actually ran: fused, eager, channels_last, ... (auto resolves to one)
    precision: str = "float32"
    compile_seconds: float | None = None
    max_abs_diff_vs_eager: float | None = None
    _compiled: Any = field(default=None, repr=False)  # the compiled / NHWC module, built lazily

    def to_dict(self) -> dict[str, Any]:
        """The facts a manifest or methods.csv records."""
        return {
            "backend": self.name,
            "backend_path": self.path or self.name,
            "precision": self.precision,
            "compile_seconds": self.compile_seconds,
            "max_abs_diff_vs_eager": self.max_abs_diff_vs_eager,
        }


def wrap_module(
    state: BackendState, module: nn.Module, device: torch.device, name: str
) -> Callable[[torch.Tensor], Any]:
    """The callable that runs `module` under backend `name` (the module itself for eager)."""
    if name == "channels_last":

        def run_channels_last(x: torch.Tensor) -> Any:
            if state._compiled is None:  # an NHWC copy, so that eager stays the reference
                state._compiled = copy.deepcopy(module).to(memory_format=torch.channels_last)
            return state._compiled(x.contiguous(memory_format=torch.channels_last))

        return run_channels_last
    if name == "compile":

        def run_compiled(x: torch.Tensor) -> Any:
            if state._compiled is None:
                state._compiled = torch.compile(module, dynamic=False)
                start = time.perf_counter()
                out = state._compiled(x)  # the first call compiles
                state.compile_seconds = time.perf_counter() - start
                return out
            return state._compiled(x)

        return run_compiled
    if name == "amp":
        dtype = amp_dtype()
        state.precision = str(dtype).removeprefix("torch.")

        def run_amp(x: torch.Tensor) -> Any:
            with torch.autocast(device_type=device.type, dtype=dtype):
                return module(x)

        return run_amp
    return module


def record_difference(state: BackendState, ours: torch.Tensor, eager: torch.Tensor) -> None:
    """Keep the max abs difference between a backend's first batch and the eager module's."""
    if state.max_abs_diff_vs_eager is None:
        diff = (ours.float() - eager.float()).abs().max()
        state.max_abs_diff_vs_eager = float(diff)
