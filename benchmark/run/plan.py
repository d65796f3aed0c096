"""The methods of a run: every requested spec built once, weights matched, ids named."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

import torch

import methods
from methods import Method, NeuralMethod
from methods.core.backends import weights_spec_of
from methods.core.spec import split_method_list
from methods.core.weights import weights_index

from ..data import PairedDataset
from ..errors import UsageError
from ..weights import official_weights
from .config import RunConfig


@dataclass
class PlannedMethod:
    """A method to run: the built instance, and whether the user named it explicitly."""

    method: Method
    explicit: bool


def plan_methods(config: RunConfig, device: torch.device) -> list[PlannedMethod]:
    """Build every requested method variant once (validating specs and weights up front)."""
    explicit = True
    requested: list[str] = []
    for spec in split_method_list(config.methods):
        if spec == "all":
            explicit = False
            names = methods.available_methods()  # less those that need a spec to mean anything
            requested.extend(n for n in names if methods.method_class(n).in_all)
        else:
            requested.extend(methods.expand_spec(spec))
    if not requested:
        raise UsageError("--methods names no method: give names or specs (see list), or all")
    planned: list[PlannedMethod] = []
    seen: set[str] = set()
    for spec in requested:
        canonical = methods.parse_spec(spec)
        if canonical in seen:
            continue
        seen.add(canonical)
        weights_key = weights_spec_of(canonical)  # backend/tile/overlap do not change weights
        weights = config.weights.get(
            canonical, config.weights.get(weights_key, config.weights.get(canonical.name))
        )
        if weights is not None and is_official(weights):
            method = official_method(canonical, weights, device, config.trust_weights)
        else:
            method = methods.get_method(
                canonical, device=device, weights=weights, trust_weights=config.trust_weights
            )
        trained = weights_index(config.trained_weights_dir).get(weights_key)
        if isinstance(method, NeuralMethod) and not method.is_ready and trained is not None:
            method.load_weights(trained, source="trained")
        planned.append(PlannedMethod(method, explicit or weights is not None))
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


def is_official(weights: str) -> bool:
    """True for `official` / `official:TAG` (the authors' release from the cache)."""
    return weights == "official" or weights.startswith("official:")


def official_method(spec: methods.Spec, weights: str, device: torch.device, trust: bool) -> Method:
    """`spec` with its authors' release loaded (fetched into the cache when missing)."""
    tag = weights.partition(":")[2]
    path, release = official_weights(f"{spec.name}:{tag}" if tag else spec.name)
    method = methods.get_method(spec, device=device, use_shipped=False)
    assert isinstance(method, methods.NeuralMethod)
    method.load_weights(path, trust=trust, source=f"official:{release.tag}")
    return method


def default_run_id(dataset: PairedDataset, split: str) -> str:
    """A readable, unique run id: date-time plus data set and split."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', dataset.name)}-{split}"
