"""The Python API of a run: `benchmark.run(...)` and `benchmark.load_run(...)`, for notebooks.

The command line's `run` verb is a thin layer over the same three steps (`plan_run`, `execute`,
`Run`), so options, checks and errors are the same: the suite's exception types, never
SystemExit. A `Run` reads its tables back from its folder, so a finished run loads the same.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import UsageError
from .config import RunConfig
from .manifest import RunManifest
from .runner import Runner
from .store import RunStore

#: the data set's options (the CLI's --size, --data-seed, --stride, --max-frames, --reference-frame)
DATA_OPTIONS = {
    "size": "size",
    "data_seed": "seed",
    "stride": "stride",
    "max_frames": "max_frames",
    "reference_frame": "reference_frame",
}
#: CLI spellings that differ from RunConfig's field names
ALIASES = {"latency_budget": "latency_budget_s", "profile_size": "profile_sizes"}


def run(methods: str | Sequence[str] = "all", data: str | None = None, **options: Any) -> Run:
    """Score and profile `methods` on `data` (None: the built-in synthetic set) into a run folder.

    `options` are the CLI's `run` options in Python spelling (limit=16, out="reports",
    run_id=..., device=..., batch_size=..., weights={"gcanet": "g.pth"}, metrics="psnr,ssim",
    scheduler="local:2", size=64, report=True, ...). Returns the finished `Run`.
    """
    report = bool(options.pop("report", True))
    return execute(plan_run(methods, data, **options), report=report)


def load_run(folder: str | Path) -> Run:
    """The `Run` of a finished (or interrupted) run folder, e.g. "reports/runs/<id>"."""
    store = RunStore(Path(folder))
    store.read_manifest()  # a folder that is no run (or a newer schema) is one clear error
    return Run(store.root)


def plan_run(
    methods: str | Sequence[str] = "all",
    data: str | None = None,
    command: Sequence[str] | None = None,
    **options: Any,
) -> Runner:
    """The checked configuration with its methods planned and weights resolved (nothing run)."""
    return Runner(run_config(methods, data, command, **options))


def execute(runner: Runner, report: bool = True) -> Run:
    """Run what `plan_run` planned, then (by default) write its report; the finished `Run`."""
    from ..report.metric_gaps import default_gap_notes, gap_problems, metric_gaps

    outcome = runner.run()
    if report:
        from ..report import build_report

        build_report(outcome.run_dir)
    gaps = metric_gaps(RunStore(outcome.run_dir))
    # a metric asked for (--metrics, or a model bound with --metric-params) and computed for no
    # image: the run is incomplete (its status says so); a default one is a note
    config = runner.config
    asked = {*(config.metrics or ()), *config.metric_params}
    problems = [*outcome.problems, *gap_problems(gaps, asked)]
    notes = [gap.text() for gap in gaps if not gap.none] + default_gap_notes(gaps, asked)
    return Run(outcome.run_dir, list(outcome.data_problems), problems, notes)


def run_config(
    methods: str | Sequence[str] = "all",
    data: str | None = None,
    command: Sequence[str] | None = None,
    **options: Any,
) -> RunConfig:
    """A RunConfig from API/CLI options, each checked as the command line checks it."""
    from .. import options as common
    from .distributed import check_scheduler

    names = {f.name for f in fields(RunConfig)}
    values: dict[str, Any] = {"data_options": {}}
    for key, value in options.items():
        key = ALIASES.get(key, key)
        if value is None:
            continue
        if key in DATA_OPTIONS:
            check = {"data_seed": int, "size": common.frame_size, "reference_frame": str}.get(
                key, common.positive_int
            )
            values["data_options"][DATA_OPTIONS[key]] = _checked(key, value, check)
        elif key in names and key not in ("methods", "data", "data_options", "command"):
            values[key] = value
        else:
            known = sorted((names | set(DATA_OPTIONS)) - {"data_options", "command"})
            raise UsageError(f"run: unknown option {key!r} (options: {', '.join(known)})")
    checks: dict[str, Callable[[Any], Any]] = {
        "limit": common.positive_int,
        "batch_size": common.positive_int,
        "max_consecutive_failures": common.positive_int,
        "device": common.device,
        "run_id": common.run_id,
        "latency_budget_s": common.positive_float,
        "scheduler": check_scheduler,
    }
    for key, check in checks.items():
        if key in values:
            values[key] = _checked(key, values[key], check)
    if "out" in values:
        values["out"] = Path(values["out"])
    if "trained_weights_dir" in values:
        values["trained_weights_dir"] = Path(values["trained_weights_dir"])
    if "weights" in values:
        values["weights"] = _pairs("weights", values["weights"], common.parse_weights)
    if "metric_params" in values:
        values["metric_params"] = _pairs(
            "metric_params", values["metric_params"], common.parse_metric_params
        )
    if "metrics" in values:
        values["metrics"] = _names(values["metrics"]) or None
    if "profile_sizes" in values:
        values["profile_sizes"] = [
            s if isinstance(s, tuple) else _checked("profile_size", s, common.profile_size)
            for s in _as_list(values["profile_sizes"])
        ]
    method_list = [methods] if isinstance(methods, str) else list(methods)
    call = command or [f"benchmark.run({', '.join(_call_args(methods, data, options))})"]
    return RunConfig(methods=method_list, data=data, command=list(call), **values)


@dataclass
class Run:
    """A run folder as pandas frames: rows per image, per method, the summary and the tables."""

    folder: Path
    data_problems: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: what the run could not compute for some images, and why (e.g. NIQE on tiny frames)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)

    @property
    def store(self) -> RunStore:
        return RunStore(self.folder)

    @property
    def exit_code(self) -> int:
        """The CLI's status: 0 all scored, 1 a method asked for is not fully scored, 3 data only."""
        if self.problems:
            return 1
        return 3 if self.data_problems else 0

    @cached_property
    def manifest(self) -> RunManifest:
        """manifest.json, typed: what ran, where, with which weights."""
        return self.store.manifest()

    @property
    def per_image(self) -> pd.DataFrame:
        """per_image.csv: one row per (method spec, image), every metric."""
        return self.store.per_image()

    @property
    def methods(self) -> pd.DataFrame:
        """methods.csv, one row per method spec (its last status): weights, profile, device."""
        return self.store.methods()

    @property
    def summary(self) -> pd.DataFrame:
        """summary.csv (recomputed from the rows when the report was not written)."""
        from ..report import load_summary

        return load_summary(self.folder)

    def table1(self) -> pd.DataFrame:
        """Table 1 (quality) as the report shows it: formatted cells."""
        from ..report.tables import table1

        return table1(self.summary)

    def table2(self) -> pd.DataFrame:
        """Table 2 (size and cost) as the report shows it."""
        from ..report.tables import table2

        return table2(self.summary)

    def __repr__(self) -> str:
        return f"Run({str(self.folder)!r})"


def _checked(name: str, value: Any, check: Callable[[str], Any]) -> Any:
    """`value` through the CLI's own check for option `name`; its complaint as a UsageError."""
    try:
        return check(str(value))
    except (argparse.ArgumentTypeError, UsageError, ValueError) as exc:
        raise UsageError(f"{name}={value!r}: {str(exc).removeprefix('--scheduler ')}") from None


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str | tuple) else list(value)


def _names(value: str | Iterable[str]) -> list[str]:
    """Metric names from "psnr,ssim" or ["psnr", "ssim"]."""
    items = [value] if isinstance(value, str) else list(value)
    return [n.strip() for item in items for n in str(item).split(",") if n.strip()]


def _pairs(
    name: str, value: Mapping[str, Any] | Iterable[str], parse: Callable[[list[str]], dict]
) -> dict[str, str]:
    """{NAME: PATH} from a mapping or NAME=PATH strings, parsed as the CLI parses them."""
    if isinstance(value, Mapping):
        value = [f"{k}={v}" for k, v in value.items()]
    return parse([str(v) for v in _as_list(value)])


def _call_args(methods: Any, data: Any, options: Mapping[str, Any]) -> list[str]:
    """The API call's arguments as text, for the manifest's `command`."""
    return [repr(methods), f"data={data!r}", *(f"{k}={v!r}" for k, v in options.items())]
