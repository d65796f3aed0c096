"""Table 1's weights provenance: shipped or suite-trained (with the training data's fingerprint),
the authors' release (its tag and training set: another protocol), trained in weights/, or a
user file (its sha256). `weights_label` is the one place that text is made."""

from __future__ import annotations

from typing import Any

from methods import (
    MethodError,
    find_release,
    method_class,
    parse_spec,
    read_sidecar,
    shipped_weights_for,
    spec_name,
    trained_dir,
    trained_weights_for,
    weights_spec_of,
)

from ..train.budget import budget_text
from ..weights.resolver import WeightsChoice

#: footnote for rows scored with the authors' weights
OFFICIAL_NOTE = (
    "‡ the authors' released weights, trained on their own data under their own protocol: "
    "not comparable with rows trained on this data set."
)


def provenance_cell(row: Any) -> str:
    """Where a methods.csv row's weights come from, in a few words ('–' without weights)."""
    source = str(row.get("weights_source") or "")
    sha = str(row.get("weights_sha256") or "")
    spec = str(row.get("spec") or "")
    if not source or source == "nan":
        return "–"
    sidecar = None
    if source == "shipped":  # the package's sidecar of that exact file
        path = shipped_weights_for(str(weights_spec_of(parse_spec(spec)))) if spec else None
        sidecar = read_sidecar(path) if path is not None else None
        if sidecar and sha and sidecar.get("sha256") not in (None, sha):
            sidecar = None
    elif source.startswith("suite-trained") and spec:  # that exact file in the cache's trained/
        path = trained_weights_for(spec, trained_dir())
        sidecar = read_sidecar(path) if path is not None else None
        if sidecar and sidecar.get("sha256") != sha:
            sidecar = None
    return weights_label(WeightsChoice(spec, None, source, sha, sidecar))


def weights_label(choice: WeightsChoice) -> str:
    """The Weights column's text for a resolved choice (its source, sha256 and sidecar)."""
    source, sha = choice.source, choice.sha256
    if source == "shipped":
        fingerprint = str(((choice.sidecar or {}).get("dataset") or {}).get("fingerprint") or "")
        return f"shipped (data {fingerprint[:12]})" if fingerprint else "shipped"
    if source.startswith("suite-trained"):
        # the training budget when it is not the recipe's full one ("2 epochs x 4 images")
        budget = budget_text(choice.sidecar) if choice.sidecar else ""
        label = f"suite-trained, {budget}" if budget else "suite-trained"
        fingerprint = source.partition(":")[2]
        return f"{label} (data {fingerprint})" if fingerprint else label
    if source.startswith("official:"):
        return _official(choice.spec, source.partition(":")[2])
    if source == "trained":
        return f"trained in weights/ (sha256 {sha[:12]})" if sha else "trained in weights/"
    if source == "outputs":  # published outputs: the folder's fingerprint stands for weights
        return f"published outputs (folder sha256 {sha[:12]})"
    return f"user file (sha256 {sha[:12]})" if sha else "user file"


def _official(spec: str, tag: str) -> str:
    """'official name:tag, trained on <set>‡'."""
    name = spec_name(spec)
    try:
        release = find_release(name, method_class(name).releases, tag)  # type: ignore[attr-defined]
    except (MethodError, AttributeError):
        return f"official {name}:{tag}‡"
    return f"official {name}:{tag}, trained on {release.training_set}‡"


def has_official(rows: Any) -> bool:
    """True when some row was scored with the authors' weights (the table then needs the note)."""
    return any(str(r.get("weights_source") or "").startswith("official:") for r in rows)
