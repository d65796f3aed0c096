"""Method specs: `name:key=value,...` text parsed once into a `Spec`, the only spec parser.

A `Spec` is the canonical text of a variant (a `str`, so it keys rows, files and dicts as it
is) that also carries the method name and every typed parameter value. Grids such as
`lnet-gie:rm=[0.25,0.5],wm=[0.5,1.0]` expand to one spec text per combination.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import SpecError
from .params import Param, format_value


def split_top_level(text: str, sep: str = ",") -> list[str]:
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


def split_spec_text(text: str) -> tuple[str, dict[str, str]]:
    """Split `name:key=value,...` into the lower-case name and the raw (text) values."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty method spec (expected NAME or NAME:key=value,...)")
    name, _, rest = text.strip().partition(":")
    raw: dict[str, str] = {}
    if rest.strip():
        for item in split_top_level(rest):
            key, eq, value = item.partition("=")
            if not eq or not key.strip() or not value.strip():
                raise SpecError(f"bad spec {text!r}: expected key=value, got {item!r}")
            if key.strip() in raw:
                raise SpecError(f"bad spec {text!r}: {key.strip()!r} given twice")
            raw[key.strip()] = value.strip()
    return name.strip().lower(), raw


def spec_name(text: str) -> str:
    """The method name of a spec text (e.g. read back from a results file)."""
    return split_spec_text(text)[0]


def spec_options(text: str) -> str:
    """The `key=value,...` part of a spec text ('' for a method's defaults)."""
    return text.strip().partition(":")[2]


def expand_grid(text: str) -> list[str]:
    """Expand grid values `key=[a,b]` into one spec text per combination (order preserved)."""
    name, raw = split_spec_text(text)
    keys, choices = [], []
    for key, value in raw.items():
        if value.startswith("[") and value.endswith("]"):
            options = [v.strip() for v in value[1:-1].split(",")]
            if not any(options):
                raise SpecError(f"bad spec {text!r}: empty grid for {key!r}")
            if not all(options):
                raise SpecError(f"bad spec {text!r}: an empty value in the grid {key}={value}")
        elif "[" in value or "]" in value:
            raise SpecError(f"bad spec {text!r}: unbalanced brackets in {key}={value}")
        else:
            options = [value]
        keys.append(key)
        choices.append(options)
    return [
        name
        + (":" + ",".join(f"{k}={v}" for k, v in zip(keys, combo, strict=True)) if keys else "")
        for combo in itertools.product(*choices)
    ]


def split_method_list(items: Iterable[str]) -> list[str]:
    """Split `--methods` values on commas, keeping `key=value` parts with their spec."""
    specs: list[str] = []
    for item in items:
        for part in (p.strip() for p in split_top_level(item)):
            if not part:
                continue
            if specs and ":" not in part and "=" in part and ":" in specs[-1]:
                specs[-1] += "," + part  # a further key=value of the previous spec
            else:
                specs.append(part)
    return specs


class Spec(str):
    """A method variant: its canonical text (the str value), name and typed parameter values."""

    name: str
    values: dict[str, Any]
    defaults: dict[str, Any]

    def __new__(cls, name: str, values: Mapping[str, Any], params: Mapping[str, Param]) -> Spec:
        for key, param in params.items():
            param.validate(key, values.get(key, param.default))
        full = {key: values.get(key, param.default) for key, param in params.items()}
        changed = [
            f"{key}={format_value(value)}"
            for key, value in sorted(full.items())
            if format_value(value) != format_value(params[key].default)
        ]
        spec = super().__new__(cls, name + (":" + ",".join(changed) if changed else ""))
        spec.name = name
        spec.values = full
        spec.defaults = {key: param.default for key, param in params.items()}
        return spec

    def __getnewargs__(self) -> tuple[Any, ...]:  # pickling (e.g. to worker processes)
        params = {k: Param(v, type(v)) for k, v in self.defaults.items()}
        return (self.name, self.values, params)

    @classmethod
    def from_raw(cls, name: str, params: Mapping[str, Param], raw: Mapping[str, str]) -> Spec:
        """Type and validate raw text values for a method with these parameters."""
        values: dict[str, Any] = {}
        for key, text in raw.items():
            if key not in params:
                close = difflib.get_close_matches(key, list(params), n=1, cutoff=0.5)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                options = ", ".join(sorted(params)) or "none"
                raise SpecError(f"{name} has no parameter {key!r}{hint} (parameters: {options})")
            values[key] = params[key].parse(key, text)
        return cls(name, values, params)

    @property
    def text(self) -> str:
        """The canonical spec text as a plain str."""
        return str.__str__(self)

    @property
    def changed(self) -> dict[str, Any]:
        """The values that differ from the method's defaults."""
        return {
            k: v
            for k, v in self.values.items()
            if format_value(v) != format_value(self.defaults[k])
        }

    @property
    def options(self) -> str:
        """The `key=value,...` part of the canonical text ('' for the defaults)."""
        return spec_options(self.text)

    def with_values(self, **changes: Any) -> Spec:
        """The same method with some values replaced (defaults where a value is None)."""
        params = {k: Param(v, type(v)) for k, v in self.defaults.items()}
        values = {**self.values, **changes}
        values = {k: (self.defaults[k] if v is None else v) for k, v in values.items()}
        return Spec(self.name, values, params)
