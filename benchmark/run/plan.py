"""The methods of a run: every requested spec built once, weights matched, ids named."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import torch

import methods
from methods import Method, Spec, split_method_list, weights_spec_of

from ..data import PairedDataset
from ..errors import UsageError
from ..weights.resolver import WeightsChoice, planned_method, resolve_weights, user_weights_for
from .config import RunConfig


@dataclass
class PlannedMethod:
    """A method to run: the built instance, its resolved weights, and whether it was named."""

    method: Method
    explicit: bool
    weights: WeightsChoice = field(default_factory=lambda: WeightsChoice(""))


def requested_specs(method_list: Sequence[str]) -> tuple[list[Spec], bool]:
    """The canonical specs `--methods` names, once each, and whether all were named explicitly."""
    explicit = True
    requested: list[str] = []
    for spec in split_method_list(method_list):
        if spec == "all":
            explicit = False
            names = methods.available_methods()  # less those that need a spec to mean anything
            requested.extend(n for n in names if methods.method_class(n).in_all)
        else:
            requested.extend(methods.expand_spec(spec))
    if not requested:
        raise UsageError("--methods names no method: give names or specs (see list), or all")
    specs = list(dict.fromkeys(methods.parse_spec(spec) for spec in requested))
    return specs, explicit


def plan_methods(config: RunConfig, device: torch.device) -> list[PlannedMethod]:
    """Build every requested method variant once, with its weights resolved (the run's only
    weights decision: workers receive the same choice)."""
    specs, explicit = requested_specs(config.methods)
    planned: list[PlannedMethod] = []
    for spec in specs:
        choice = resolve_weights(spec, config.weights, config.trained_weights_dir)
        method = planned_method(choice, device=device, trust=config.trust_weights)
        named = user_weights_for(spec, config.weights) is not None
        planned.append(PlannedMethod(method, explicit or named, choice))
    unknown = (
        set(config.weights)
        - {p.method.spec for p in planned}
        - {weights_spec_of(p.method.spec) for p in planned}
        - {p.method.name for p in planned}
    )
    if unknown:
        raise methods.SpecError(
            f"--weights given for {', '.join(sorted(unknown))}, which is not among the methods run"
        )
    return planned


def default_run_id(dataset: PairedDataset, split: str) -> str:
    """A readable, unique run id: date-time plus data set and split."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', dataset.name)}-{split}"
