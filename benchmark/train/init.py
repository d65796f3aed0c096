"""Where training starts (--init): random, a weights file, or a method's own named init.

What a named init means (e.g. LNet-GIE's Procedure 1) lives with the method, behind the
`NeuralMethod` hooks `default_init`, `named_inits` and `apply_init`; this module only routes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from methods import InitError, NeuralMethod, Spec, available_methods, get_method, method_class

from ..errors import TrainingError
from ..files import sha256_file
from .config import TrainConfig

RANDOM = "random"


def check_trainable(spec: Spec) -> None:
    """TrainingError for classical methods (before any data is loaded)."""
    if not issubclass(method_class(spec.name), NeuralMethod):
        raise TrainingError(f"{spec} is a classical method: it has nothing to train")


def named_inits_anywhere() -> dict[str, str]:
    """Every named init some registered method offers: name -> what it is."""
    found: dict[str, str] = {}
    for name in available_methods():
        cls = method_class(name)
        if issubclass(cls, NeuralMethod):
            found.update({k: v for k, v in cls.named_inits.items() if k not in found})
    return found


def _from_file(method: NeuralMethod, path: Path, trust: bool) -> dict[str, Any]:
    """Start from `path`: the method's own reading of it if it has one, else its weights."""
    if not path.is_file():
        choices = " or ".join([RANDOM, *named_inits_anywhere()])
        raise TrainingError(f"--init {path}: file not found (give a weights file, {choices})")
    entry = method.apply_init(str(path), trust=trust)
    if entry is not None:
        return entry
    method.load_weights(path, trust=trust)
    return {"kind": "weights", "source": "file", "path": str(path), "sha256": sha256_file(path)}


def initialise(method: NeuralMethod, init: str | None, seed: int, trust: bool) -> dict[str, Any]:
    """Apply --init to a freshly built (seeded) method and return the sidecar's "init" entry."""
    choice = init if init is not None else method.default_init()
    if choice == RANDOM:
        return {"kind": "random", "source": "module default init", "seed": seed}
    try:
        if choice in method.named_inits:
            entry = method.apply_init(choice, trust=trust)
            assert entry is not None, f"{method.name}.apply_init({choice!r}) described nothing"
            return entry
        elsewhere = named_inits_anywhere()
        if choice in elsewhere:
            raise TrainingError(
                f"--init {choice} is {elsewhere[choice]}; for other methods use random or a PATH"
            )
        return _from_file(method, Path(choice), trust)
    except InitError as exc:
        raise TrainingError(str(exc)) from None


def build_method(
    config: TrainConfig, spec: Spec, device: torch.device
) -> tuple[NeuralMethod, dict[str, Any]]:
    """The method with seeded default init, then --init applied; in train mode."""
    torch.manual_seed(config.seed)
    method = get_method(spec, device=device, use_shipped=False)
    assert isinstance(method, NeuralMethod)  # check_trainable ran first
    init = initialise(method, config.init, config.seed, config.trust_weights)
    method.module.to(device).train()
    return method, init
