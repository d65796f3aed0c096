"""Run folders as a check reads them: `RunData`, `load_run`, the same-data rule, spec lookup."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import methods

from ..errors import CheckError
from ..run.store import RunStore
from .number_text import short


@dataclass
class RunData:
    """A run folder read once: manifest, per-image rows, method rows."""

    root: Path
    manifest: dict[str, Any]
    rows: pd.DataFrame
    methods: pd.DataFrame

    @property
    def name(self) -> str:
        """The run id (the folder name when the manifest has none)."""
        return str(self.manifest.get("run_id") or self.root.name)

    def specs(self) -> list[str]:
        """Specs in the run: the manifest's order, then any others found in the rows."""
        found = [*self.manifest.get("specs", []), *self.rows["spec"], *self.methods["spec"]]
        return list(dict.fromkeys(str(s) for s in found))

    def spec_rows(self, spec: str) -> pd.DataFrame:
        """Per-image rows of one spec, indexed by image id."""
        rows = self.rows[self.rows["spec"] == spec]
        return rows.set_index("image_id", drop=False)

    def method_row(self, spec: str) -> dict[str, Any] | None:
        """The spec's last methods.csv row (status, cost, latency repeats), if any."""
        rows = self.methods[self.methods["spec"] == spec]
        return None if rows.empty else rows.iloc[-1].to_dict()

    def device_name(self, spec: str) -> str:
        """The device the spec was profiled on (methods.csv, else the manifest's)."""
        row = self.method_row(spec) or {}
        name = row.get("device_name")
        if isinstance(name, str) and name:
            return name
        return str(self.manifest.get("environment", {}).get("device_name", "unknown device"))

    def weights_sha(self, spec: str) -> str | None:
        """The sha256 of the weights the spec ran with (None for none)."""
        return (self.manifest.get("weights") or {}).get(spec)

    def recorded(self, spec: str) -> dict[str, Any]:
        """What the manifest recorded about the spec's method (values, display name, weights)."""
        return (self.manifest.get("methods") or {}).get(spec) or {}


def load_run(path: str | Path, role: str = "run") -> RunData:
    """Read a run folder; a path that is not one is a CheckError naming it."""
    store = RunStore(Path(path))
    if not store.exists():
        raise CheckError(f"{role} {path} is not a run folder (no manifest.json inside)")
    rows = store.per_image()
    rows["spec"] = rows["spec"].astype(str)
    rows["image_id"] = rows["image_id"].astype(str)
    methods_frame = store.methods()
    methods_frame["spec"] = methods_frame["spec"].astype(str)
    return RunData(store.root, store.read_manifest(), rows, methods_frame)


def check_same_data(candidate: RunData, baseline: RunData) -> None:
    """Refuse runs made on different data sets or splits: their images are not the same."""
    for key, what in (("dataset_fingerprint", "data set fingerprints"), ("split", "splits")):
        cand, base = candidate.manifest.get(key), baseline.manifest.get(key)
        if cand != base:
            raise CheckError(
                f"cannot compare: different {what} (candidate {short(cand)} vs baseline "
                f"{short(base)}); rerun the candidate on the baseline's data and split"
            )


def metric_model_mismatches(
    candidate: RunData, baseline: RunData
) -> dict[str, tuple[str | None, str | None]]:
    """Metrics scored with different fitted models (e.g. NIQE's): name -> (candidate, baseline
    sha256; None where a run had no model for it). Their scores are not comparable."""
    cand = candidate.manifest.get("metric_params") or {}
    base = baseline.manifest.get("metric_params") or {}
    out: dict[str, tuple[str | None, str | None]] = {}
    for name in sorted(set(cand) | set(base)):
        shas = ((cand.get(name) or {}).get("sha256"), (base.get(name) or {}).get("sha256"))
        if shas[0] != shas[1]:
            out[name] = shas
    return out


def resolve_spec(text: str, specs: list[str], root: Path) -> str:
    """The run's spec for `text`, canonicalised when the method is registered."""
    if text in specs:
        return text
    try:
        canonical = methods.parse_spec(text).text
    except Exception:  # unknown method, bad spec or a plugin failing: the message below says so
        canonical = text
    if canonical in specs:
        return canonical
    raise CheckError(f"{text!r} is not in run {root} (specs there: {', '.join(specs) or 'none'})")
