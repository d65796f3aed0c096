"""Table 1's weights provenance: shipped or suite-trained (with the training data's fingerprint),
the authors' release (its tag and training set: another protocol), or a user file (its sha256)."""

from __future__ import annotations

from typing import Any

from methods import method_class
from methods.core.errors import MethodError
from methods.core.releases import find_release
from methods.core.spec import spec_name
from methods.core.weights import read_sidecar, shipped_weights_for

#: footnote for rows scored with the authors' weights
OFFICIAL_NOTE = (
    "‡ the authors' released weights, trained on their own data under their own protocol: "
    "not comparable with rows trained on this data set."
)


def provenance_cell(row: Any) -> str:
    """Where a row's weights come from, in a few words ('–' for methods without weights)."""
    source = str(row.get("weights_source") or "")
    sha = str(row.get("weights_sha256") or "")
    spec = str(row.get("spec") or "")
    if not source or source == "nan":
        return "–"
    if source == "shipped":
        return _shipped(spec, sha)
    if source.startswith("suite-trained"):
        fingerprint = source.partition(":")[2]
        return f"suite-trained (data {fingerprint})" if fingerprint else "suite-trained"
    if source.startswith("official:"):
        return _official(spec, source.partition(":")[2])
    if source == "outputs":  # published outputs: the folder's fingerprint stands for weights
        return f"published outputs (folder sha256 {sha[:12]})"
    return f"user file (sha256 {sha[:12]})" if sha else "user file"


def _shipped(spec: str, sha: str) -> str:
    """'shipped (data <fingerprint>)' from the package's sidecar of that exact file."""
    path = shipped_weights_for(spec)
    side = read_sidecar(path) if path is not None else None
    if not side or (sha and side.get("sha256") not in (None, sha)):
        return "shipped"
    fingerprint = str((side.get("dataset") or {}).get("fingerprint") or "")
    return f"shipped (data {fingerprint[:12]})" if fingerprint else "shipped"


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
