"""What a study takes from a run folder: methods, inputs with samples, per-image metric values.

This is the only module that reads a run folder, and it does so through the public readers that
`check` and `report` use (`load_run`, `RunStore.sample_path`), so a change to the run layout is
ported here and nowhere else in the study package.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..check.runs import load_run
from ..errors import CheckError, UsageError
from ..metrics import get_metric
from ..report.improvement import reference_spec
from ..run.store import RunStore

INPUT = "_hazy"  # the unprocessed input's sample folder (the hidden reference of a rating study)


class StudyError(UsageError):
    """A study that cannot be made, served or analysed as asked (one line, what to do)."""


@dataclass
class RunSource:
    """The parts of a run folder a study uses."""

    root: Path
    run_id: str
    specs: list[str]
    inputs: list[str]  # image ids that have a sample of the input and of every spec
    metrics: dict[str, bool]  # metric name -> higher is better
    values: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # specs left out: no sample of every input

    def image_path(self, spec: str, image_id: str) -> Path:
        """The stored sample PNG of `spec` (or INPUT) for `image_id`."""
        return RunStore(self.root).sample_path(spec, image_id)


def read_run(path: str | Path, methods: list[str] | None = None) -> RunSource:
    """The run's specs (or `methods`), inputs with a sample of each, and their metric values."""
    try:
        run = load_run(path)
    except CheckError as exc:
        raise StudyError(str(exc)) from None
    store = RunStore(run.root)
    # the input scored as a method (kind "reference") is already the hidden reference
    reference = reference_spec(store.methods())
    specs = [s for s in run.specs() if s != reference]
    if methods:
        unknown = [m for m in methods if m not in specs]
        if unknown:
            raise StudyError(
                f"--methods {','.join(unknown)} not in run {run.root} (specs: {', '.join(specs)})"
            )
        specs = list(methods)
    sampled = [str(i) for i in run.manifest.get("sample_images", [])]
    sampled = [i for i in sampled if store.sample_path(INPUT, i).is_file()]
    skipped: list[str] = []
    if not methods:  # by default, the methods that kept a sample of every input
        skipped = [s for s in specs if not all(store.sample_path(s, i).is_file() for i in sampled)]
        specs = [s for s in specs if s not in skipped]
    inputs = [i for i in sampled if all(store.sample_path(s, i).is_file() for s in specs)]
    metrics: dict[str, bool] = {}
    for name in run.manifest.get("metrics") or []:
        try:
            metrics[str(name)] = get_metric(str(name)).higher_is_better
        except ValueError:  # MetricError: unknown to this version, so no direction: left out
            continue
    values: dict[tuple[str, str], dict[str, float]] = {}
    rows = run.rows[run.rows["spec"].isin(specs) & run.rows["image_id"].isin(inputs)]
    for row in rows.to_dict("records"):
        if str(row.get("status", "ok")) != "ok":
            continue
        scores = {m: float(row[m]) for m in metrics if m in row and _finite(row[m])}
        values[(str(row["spec"]), str(row["image_id"]))] = scores
    return RunSource(run.root, run.name, specs, inputs, metrics, values, skipped)


def _finite(value: object) -> bool:
    """True for a number that is not NaN or infinite."""
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
