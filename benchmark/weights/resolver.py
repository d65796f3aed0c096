"""Which weights a method spec uses: resolved once, in one documented order, then verified on load.

The order (README, "Weights: which file is used"):
  1. the user's `--weights` for the exact spec, else its weights spec (backend/tile/overlap at
     their defaults), else the bare method name; `official[:TAG]` is the authors' release from
     the cache, anything else a file;
  2. the weights shipped in the package for the weights spec;
  3. weights that `train` wrote into the trained-weights folder (`weights/`, sidecar names the spec);
  4. weights that `train all` wrote into the cache (`<cache>/trained/`);
  5. none: a neural method is then "not scored", and building it from this choice raises.

The driver resolves; whoever builds the method (the serial runner, a Dask worker, `enhance`)
builds it from the frozen `WeightsChoice`, whose sha256 the loaded file must match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

import methods
from methods import (
    Method,
    NeuralMethod,
    Spec,
    WeightsError,
    read_sidecar,
    sha256_file,
    shipped_weights_for,
    trained_dir,
    weights_index,
    weights_spec_of,
)

OFFICIAL = "official"


@dataclass(frozen=True)
class WeightsChoice:
    """The weights one spec uses: file (or none), where it was found, its sha256 and sidecar."""

    spec: str  # the canonical spec the choice is for
    path: str | None = None  # absolute path; None: classical, or a neural method without weights
    source: str = ""  # shipped | trained | suite-trained:FP | official:TAG | user ('' for none)
    sha256: str = ""
    sidecar: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)
    #: other files found for this spec but not used: (source, path), for the one-line notice
    unused: tuple[tuple[str, str], ...] = ()
    neural: bool = True

    @property
    def has_weights(self) -> bool:
        """True when a file was chosen."""
        return self.path is not None

    def notice(self) -> str | None:
        """One line when other weights exist for the spec: which is used, how to use another."""
        if not self.unused or not self.has_weights:
            return None
        source, path = self.unused[0]  # the next in the order
        quote = '"' if ":" in self.spec else ""
        return (
            f"{self.spec}: using {self.source} weights {self.path} (sha256 {self.sha256[:12]}); "
            f"{source} weights {path} are also there: --weights {quote}{self.spec}={path}{quote} "
            "scores those"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a manifest or a worker."""
        return {"spec": self.spec, "path": self.path, "source": self.source, "sha256": self.sha256}


def is_official(weights: str) -> bool:
    """True for `official` / `official:TAG` (the authors' release from the cache)."""
    return weights == OFFICIAL or weights.startswith(f"{OFFICIAL}:")


def user_weights_for(spec: Spec, user: Mapping[str, str]) -> str | None:
    """The user's `--weights` entry for `spec`: exact spec, else weights spec, else bare name."""
    for key in (str(spec), str(weights_spec_of(spec)), spec.name):
        if key in user:
            return user[key]
    return None


def resolve_weights(
    spec: str | Spec,
    user: Mapping[str, str] | None = None,
    trained_folder: str | Path | None = Path("weights"),
) -> WeightsChoice:
    """The weights `spec` uses, in the module's documented order (see the module docstring)."""
    spec = methods.parse_spec(spec)
    cls = methods.method_class(spec.name)
    given = user_weights_for(spec, user or {})
    if not issubclass(cls, NeuralMethod):
        if given is not None:
            raise methods.SpecError(f"{spec.name} is a classical method and takes no weights")
        return WeightsChoice(str(spec), neural=False)
    key = str(weights_spec_of(spec))
    found: list[tuple[str, Path]] = []
    if given is not None and is_official(given):
        found.append(_official(spec, given))
    elif given is not None:
        path = Path(given).expanduser().resolve()
        if not path.is_file():
            raise WeightsError(f"weights file not found: {given} (check the --weights path)")
        found.append(("user", path))
    shipped = shipped_weights_for(key)
    if shipped is not None:
        found.append(("shipped", shipped.resolve()))
    if trained_folder is not None:
        trained = weights_index(Path(trained_folder)).get(key)
        if trained is not None:
            found.append(("trained", trained.resolve()))
    cached = weights_index(trained_dir()).get(key) if trained_dir().is_dir() else None
    if cached is not None:
        found.append((_suite_trained(cached), cached))
    if not found:
        return WeightsChoice(str(spec))
    (source, path), *others = found
    unused = tuple((s, str(p)) for s, p in others if Path(p).resolve() != Path(path).resolve())
    return WeightsChoice(
        str(spec),
        str(path),
        source,
        sha256_file(path),
        read_sidecar(path),
        unused[:1] if given is None else (),
    )


def _official(spec: Spec, given: str) -> tuple[str, Path]:
    """The authors' release named by `official[:TAG]`, from the cache (fetched when missing)."""
    from .official import official_weights  # network code: imported only when asked for

    tag = given.partition(":")[2]
    path, release = official_weights(f"{spec.name}:{tag}" if tag else spec.name)
    return f"official:{release.tag}", Path(path).resolve()


def _suite_trained(path: Path) -> str:
    """`suite-trained:FP`: the cache's `train all` weights, named by their training data."""
    fingerprint = str(((read_sidecar(path) or {}).get("dataset") or {}).get("fingerprint"))
    return f"suite-trained:{fingerprint[:12]}"


def build_method(
    choice: WeightsChoice, device: str | torch.device = "cpu", trust: bool = False
) -> Method:
    """The method of `choice.spec` with exactly the chosen file loaded (its sha256 verified).

    A neural method without weights raises: it never produces a score.
    """
    method = methods.get_method(choice.spec, device=device, use_shipped=False)
    if not isinstance(method, NeuralMethod):
        return method
    if choice.path is None:
        raise WeightsError(f"{method.spec}: {method.not_ready_reason()}")
    load_choice(method, choice, trust)
    return method


def load_choice(method: NeuralMethod, choice: WeightsChoice, trust: bool = False) -> None:
    """Load the chosen file into `method`; a file whose sha256 changed since is refused."""
    assert choice.path is not None
    method.load_weights(choice.path, trust=trust, source=choice.source)
    loaded = method.weights.sha256 if method.weights else ""
    if loaded != choice.sha256:
        raise WeightsError(
            f"{choice.path}: sha256 {loaded[:12]} is not the {choice.sha256[:12]} resolved for "
            f"{choice.spec} (the file changed during the run, or a worker sees another file "
            "at that path): give every process the same file"
        )


def planned_method(
    choice: WeightsChoice, device: str | torch.device = "cpu", trust: bool = False
) -> Method:
    """Like `build_method`, but a neural method without weights is returned unloaded (planned)."""
    if choice.neural and choice.path is None:
        return methods.get_method(choice.spec, device=device, use_shipped=False)
    return build_method(choice, device, trust)
