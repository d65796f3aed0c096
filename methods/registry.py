"""The method registry: `@register_method`, spec parsing, `get_method`, entry-point plugins.

A spec is `name` or `name:key=value,...`; grids such as `lnet-gie:rm=[0.25,0.5],wm=[0.5,1.0]`
expand to one spec per combination (`expand_spec`).
"""

from __future__ import annotations

import difflib
import importlib.metadata
import itertools
import re
import warnings
from pathlib import Path
from typing import Any, TypeVar

import torch

from .base import Method, NeuralMethod, spec_string
from .errors import MethodError, SpecError, UnknownMethodError

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


def _split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside square brackets."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """Split `name:key=value,...` into the name and raw (text) values."""
    if not isinstance(spec, str) or not spec.strip():
        raise SpecError("empty method spec (expected NAME or NAME:key=value,...)")
    name, _, rest = spec.strip().partition(":")
    raw: dict[str, str] = {}
    if rest.strip():
        for item in _split_top_level(rest):
            key, eq, value = item.partition("=")
            if not eq or not key.strip() or not value.strip():
                raise SpecError(f"bad spec {spec!r}: expected key=value, got {item!r}")
            if key.strip() in raw:
                raise SpecError(f"bad spec {spec!r}: {key.strip()!r} given twice")
            raw[key.strip()] = value.strip()
    return name.strip().lower(), raw


def parse_values(cls: type[Method], raw: dict[str, str]) -> dict[str, Any]:
    """Typed, validated parameter values for `cls` from raw text values."""
    known = cls.all_params()
    values: dict[str, Any] = {}
    for key, text in raw.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            options = ", ".join(sorted(known)) or "none"
            raise SpecError(f"{cls.name} has no parameter {key!r}{hint} (parameters: {options})")
        values[key] = known[key].parse(key, text)
    return values


def expand_spec(spec: str) -> list[str]:
    """Expand grid values `key=[a,b]` into one spec per combination (order preserved)."""
    name, raw = parse_spec(spec)
    keys, choices = [], []
    for key, text in raw.items():
        if text.startswith("[") and text.endswith("]"):
            options = [v.strip() for v in text[1:-1].split(",") if v.strip()]
            if not options:
                raise SpecError(f"bad spec {spec!r}: empty grid for {key!r}")
        elif "[" in text or "]" in text:
            raise SpecError(f"bad spec {spec!r}: unbalanced brackets in {key}={text}")
        else:
            options = [text]
        keys.append(key)
        choices.append(options)
    specs = []
    for combo in itertools.product(*choices):
        body = ",".join(f"{k}={v}" for k, v in zip(keys, combo, strict=True))
        specs.append(name + (":" + body if body else ""))
    return specs


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


def canonical_spec(spec: str) -> str:
    """The canonical spec string of a variant (validates it; builds nothing heavy)."""
    name, raw = parse_spec(spec)
    cls = method_class(name)
    values = parse_values(cls, raw)
    params = cls.all_params()
    for key, param in params.items():
        param.validate(key, values.setdefault(key, param.default))
    return spec_string(name, values, params)


def get_method(
    spec: str,
    device: str | torch.device | None = "cpu",
    weights: str | Path | None = None,
    trust_weights: bool = False,
    use_shipped: bool = True,
) -> Method:
    """Build a method from its spec on `device`; load `weights`, else any shipped weights."""
    name, raw = parse_spec(spec)
    cls = method_class(name)
    method = cls(device=resolve_device(device), **parse_values(cls, raw))
    if isinstance(method, NeuralMethod):
        if weights is not None:
            method.load_weights(weights, trust=trust_weights)
        elif use_shipped:
            method.load_shipped_weights()
    elif weights is not None:
        raise SpecError(f"{name} is a classical method and takes no weights")
    return method
