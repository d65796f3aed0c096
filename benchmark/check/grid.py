"""A method's spec grid in a run: which method, its typed values, what varies, the reference spec."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import methods
from methods import format_value, spec_name, spec_options

from ..errors import CheckError
from .runs import RunData

EXAMPLE_GRID = "lnet-gie:rm=[0.25,0.5,1.0],wm=[0.5,1.0]"
#: a trailing range or remark in a parameter's help text ("multiplier in (0, 1]", "size (odd)")
_RANGE = re.compile(r"(\s+in\s+[\[(].*|\s*\([^()]*\))$")


@dataclass(frozen=True)
class Grid:
    """The specs of one method in a run and the parameters that vary among them."""

    method: str
    display_name: str
    specs: tuple[str, ...]
    values: dict[str, dict[str, Any]]  # spec -> typed parameter values
    varying: tuple[str, ...]  # parameters whose values differ, in declaration order
    default: str | None  # the method's default spec, when the run holds it

    def param_label(self, key: str) -> str:
        """An axis label for a parameter: its help text without a range, then its name."""
        try:
            help_text = methods.method_class(self.method).all_params()[key].help
        except (methods.MethodError, KeyError):
            return key
        words = _RANGE.sub("", help_text).strip()
        return f"{words} {key}" if words else key


def choose_method(run: RunData, method: str | None = None) -> str:
    """The method to tabulate: `method`, else the one with the most specs in the run."""
    counts = Counter(spec_name(spec) for spec in run.specs())
    if method is not None:
        name = method.strip().lower()
        found = counts.get(name, 0)
        if found == 0:
            there = ", ".join(counts) or "none"
            raise CheckError(f"{run.root} holds no {name} specs (methods there: {there})")
        if found == 1:
            raise CheckError(
                f"{run.root} holds one {name} spec: an ablation needs two or more variants, "
                f"e.g. --methods '{name}:KEY=[A,B]'"
            )
        return name
    most = max(counts.values(), default=0)
    if most < 2:
        raise CheckError(
            f"{run.root} holds no spec grid (no method with two or more specs): run e.g. "
            f"--methods '{EXAMPLE_GRID}' first"
        )
    tied = [name for name, n in counts.items() if n == most]
    if len(tied) > 1:
        raise CheckError(
            f"{run.root} holds {most} specs of each of {', '.join(tied)}: "
            "choose one with --method NAME"
        )
    return tied[0]


def spec_values(run: RunData, spec: str) -> dict[str, Any]:
    """A spec's typed parameter values: the manifest's record, else parsed from the spec."""
    recorded = run.recorded(spec).get("values")
    if isinstance(recorded, dict) and recorded:
        return dict(recorded)
    return dict(methods.parse_spec(spec).values)


def find_grid(run: RunData, method: str | None = None) -> Grid:
    """The grid of `method` (default: the method with the most specs) in the run."""
    name = choose_method(run, method)
    specs = tuple(s for s in run.specs() if spec_name(s) == name)
    values = {spec: spec_values(run, spec) for spec in specs}
    keys = list(dict.fromkeys(key for spec in specs for key in values[spec]))
    varying = tuple(
        key for key in keys if len({format_value(values[s].get(key)) for s in specs}) > 1
    )
    default = next((s for s in specs if not spec_options(s)), None)
    return Grid(name, _display_name(run, name, specs), specs, values, varying, default)


def _display_name(run: RunData, name: str, specs: tuple[str, ...]) -> str:
    for spec in specs:
        recorded = run.recorded(spec).get("display_name")
        if isinstance(recorded, str) and recorded:
            return recorded
    try:
        return methods.method_class(name).display_name or name
    except methods.MethodError:
        return name
