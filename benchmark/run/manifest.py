"""A run's manifest: one typed, versioned record of what identifies and describes a run.

`RunManifest` is written (`to_dict`) and read (`parse_manifest`) here only. Folders written
before the schema was versioned have no `schema` key and are schema 1: they read the same.
A folder from a newer schema is refused in one line rather than misread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

import torch

from methods import Method

from ..data import PairedDataset
from ..environment import environment
from ..errors import RunFolderError
from .config import RunConfig

#: the schema this code writes; 1 = folders from before the key existed (read unchanged)
SCHEMA = 2


@dataclass
class RunManifest:
    """manifest.json as a typed record (keys this code does not know are kept in `extra`)."""

    schema: int = SCHEMA
    run_id: str = ""
    created: str = ""
    updated: str = ""
    command: list[str] | str = field(default_factory=list)
    # the identity: what must agree for a run id to be resumed
    dataset_fingerprint: str | None = None
    split: str = "test"
    limit: int | None = None
    specs: list[str] = field(default_factory=list)
    weights: dict[str, str | None] = field(default_factory=dict)
    metrics: list[str] = field(default_factory=list)
    metric_models: dict[str, str] = field(default_factory=dict)
    # the description
    dataset: dict[str, Any] = field(default_factory=dict)
    n_images: int = 0
    batch_size: int = 8
    tf32: bool | None = None
    profile_sizes: list[str] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)
    methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    sample_images: list[str] = field(default_factory=list)
    paired: bool = True
    metric_params: dict[str, Any] = field(default_factory=dict)
    metrics_unavailable: dict[str, Any] = field(default_factory=dict)
    data_report: dict[str, Any] | None = None
    cluster: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """manifest.json's object (empty optional sections left out, as before the schema)."""
        out = {k: v for k, v in asdict(self).items() if k != "extra"}
        for key in ("metric_models", "metric_params"):
            if not out[key]:
                del out[key]
        for key in ("data_report", "cluster"):
            if out[key] is None:
                del out[key]
        return {**out, **self.extra}


def parse_manifest(data: Mapping[str, Any], where: str = "manifest.json") -> RunManifest:
    """The typed manifest of `data`; schema 1 (no `schema` key) reads; a newer one is refused."""
    schema = data.get("schema", 1)
    if not isinstance(schema, int) or schema > SCHEMA:
        raise RunFolderError(
            f"{where} has manifest schema {schema!r}, newer than this suite reads ({SCHEMA}): "
            "update dehaze-bench to read this run"
        )
    known = {f.name for f in fields(RunManifest)} - {"extra"}
    values = {k: v for k, v in data.items() if k in known}
    values["schema"] = schema
    extra = {k: v for k, v in data.items() if k not in known}
    return RunManifest(**values, extra=extra)


def run_identity(
    dataset: PairedDataset, config: RunConfig, methods_run: Sequence[Method]
) -> dict[str, Any]:
    """The manifest keys that must agree for a run id to be resumed."""
    return {
        "dataset_fingerprint": dataset.fingerprint,
        "split": config.split,
        "limit": config.limit,
        "specs": [m.spec for m in methods_run],
        "weights": {m.spec: (m.weights.sha256 if m.weights else None) for m in methods_run},
    }


def run_manifest(
    dataset: PairedDataset,
    config: RunConfig,
    methods_run: Sequence[Method],
    device: torch.device,
    run_id: str,
    samples: list[str],
    n_images: int,
    old: Mapping[str, Any],
) -> dict[str, Any]:
    """The whole manifest: identity, environment, data set, methods and sample images."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {
        "schema": SCHEMA,
        **run_identity(dataset, config, methods_run),
        "run_id": run_id,
        "created": old.get("created", now),
        "updated": now,
        "command": config.command,
        "dataset": {"name": dataset.name, "info": dataset.info()},
        "n_images": n_images,
        "batch_size": config.batch_size,
        "tf32": config.tf32 if device.type == "cuda" else None,
        "profile_sizes": [f"{h}x{w}" for h, w in config.profile_sizes],
        "environment": environment(device),
        "methods": {
            m.spec: {
                "name": m.name,
                "display_name": m.display_name,
                "kind": m.kind,
                "values": m.values,
                "weights": m.weights.to_dict() if m.weights else None,
                "backend": m.backend.name if m.backend is not None else None,
                "precision": m.backend.precision if m.backend is not None else "float32",
            }
            for m in methods_run
        },
        "sample_images": samples,
    }
