"""A run's manifest: what identifies a resumable run, and everything that describes it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import torch

from methods import Method

from ..data import PairedDataset
from ..environment import environment
from .config import RunConfig
from .store import RunStore


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
    store: RunStore,
    samples: list[str],
    n_images: int,
    old: Mapping[str, Any],
) -> dict[str, Any]:
    """The whole manifest: identity, environment, data set, methods and sample images."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {
        **run_identity(dataset, config, methods_run),
        "run_id": store.root.name,
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
