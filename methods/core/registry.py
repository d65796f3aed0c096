"""The method registry: `@register_method`, `get_method`, entry-point plugins, spec lookup."""

from __future__ import annotations

import difflib
import importlib.metadata
import re
import warnings
from pathlib import Path
from typing import TypeVar

import torch

from .base import Method
from .errors import MethodError, SpecError, UnknownMethodError
from .neural import NeuralMethod
from .paper import PaperValues
from .spec import Spec, expand_grid, split_spec_text

ENTRY_POINT_GROUP = "dehaze_bench.methods"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_REGISTRY: dict[str, type[Method]] = {}
_plugins_loaded = False

M = TypeVar("M", bound=type[Method])


def register_method(cls: M) -> M:
    """Class decorator: make a Method subclass available under its `name`."""
    name = getattr(cls, "name", "")
    if not _NAME_RE.match(name or ""):
        raise ValueError(f"method name {name!r} must be lower-case letters, digits, '-', '_'")
    existing = _REGISTRY.get(name)
    same = existing is None or (existing.__module__, existing.__qualname__) == (
        cls.__module__,
        cls.__qualname__,
    )
    if not same:
        raise ValueError(f"method name {name!r} is already registered by {existing!r}")
    _REGISTRY[name] = cls
    return cls


def _load_plugins() -> None:
    """Import third-party methods registered under the `dehaze_bench.methods` entry-point group."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
        except Exception as exc:  # a broken plugin must not break the suite
            warnings.warn(f"plugin {entry.name!r} failed to load: {exc}", stacklevel=2)
            continue
        if isinstance(loaded, type) and issubclass(loaded, Method):
            register_method(loaded)


def available_methods() -> list[str]:
    """Names of all registered methods (built-in and plugins), sorted."""
    _load_plugins()
    return sorted(_REGISTRY)


def method_class(name: str) -> type[Method]:
    """The class registered under `name`; unknown names get a 'did you mean' hint."""
    _load_plugins()
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownMethodError(
            f"unknown method {name!r}{hint} (available: {', '.join(sorted(_REGISTRY))})"
        ) from None


def paper_values(name: str) -> PaperValues | None:
    """The paper's Tables 1-2 row of a registered method; None for others and unknown names."""
    try:
        return method_class(name).paper
    except UnknownMethodError:
        return None


def parse_spec(text: str) -> Spec:
    """The validated, canonical `Spec` of a spec text such as `lnet-gie:rm=1.0`."""
    if isinstance(text, Spec):
        return text
    name, raw = split_spec_text(text)
    return Spec.from_raw(name, method_class(name).all_params(), raw)


def expand_spec(text: str) -> list[Spec]:
    """One `Spec` per combination of a grid such as `lnet-gie:rm=[0.25,0.5]` (order kept)."""
    return [parse_spec(item) for item in expand_grid(text)]


def canonical_spec(text: str) -> str:
    """The canonical spec text of a variant (validates it; builds nothing heavy)."""
    return parse_spec(text).text


def resolve_device(device: str | torch.device | None) -> torch.device:
    """'auto' (or None) means CUDA when available, else CPU; 'cuda' without CUDA is an error."""
    text = "auto" if device is None else str(device)
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(text)
    except RuntimeError:
        raise MethodError(f"unknown device {text!r} (use cpu, cuda, cuda:N or auto)") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise MethodError("--device cuda asked for, but torch sees no CUDA device (use cpu/auto)")
    return dev


def get_method(
    spec: str | Spec,
    device: str | torch.device | None = "cpu",
    weights: str | Path | None = None,
    trust_weights: bool = False,
    use_shipped: bool = True,
) -> Method:
    """Build a method from its spec on `device`; load `weights`, else any shipped weights."""
    parsed = parse_spec(spec)
    method = method_class(parsed.name)(device=resolve_device(device), **parsed.values)
    if isinstance(method, NeuralMethod):
        if weights is not None:
            method.load_weights(weights, trust=trust_weights)
        elif use_shipped:
            method.load_shipped_weights()
    elif weights is not None:
        raise SpecError(f"{parsed.name} is a classical method and takes no weights")
    return method
