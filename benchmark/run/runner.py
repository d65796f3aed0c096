"""`benchmark run`: score and profile every method on one split, into a resumable run folder.

The runner plans the methods (weights resolved once), loads the data, chooses samples and the
metric set, and hands the pending methods to the one method lifecycle (`lifecycle.py`) on the
scheduler the run asked for (`scheduler.py`: serial here, or Dask). Failures become rows; a
method that fails on several consecutive images is skipped; the other methods go on.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

import methods

from .. import metrics
from ..data import Split, StreamedSplit, VideoDataset, is_paired, open_dataset, open_split
from ..environment import device_name
from ..images import save_png, to_uint8
from ..metrics.flicker import FRAME_CHANGE_COLUMNS
from ..metrics.scoring import metric_params_record, metrics_for_dataset
from ..weights.resolver import WeightsChoice
from .config import RunConfig
from .data_report import DataReport, build_data_report
from .lifecycle import MethodLifecycle
from .lock import RunLock
from .manifest import RunManifest, parse_manifest, run_identity, run_manifest
from .plan import PlannedMethod, default_run_id, plan_methods
from .samples import choose_samples, haze_level, input_haze_key
from .scheduler import RunContext, Scheduler
from .schedulers import driver_device, scheduler_class
from .store import RunStore
from .throughput import sized_fields

#: statuses after which a resumed run leaves a method alone (failed ones are retried)
FINAL_STATUSES = ("done", "not scored")
#: the kind of method every run without ground truth scores as Table 1's reference row
REFERENCE_KIND = "reference"


@dataclass
class RunOutcome:
    """What a run produced, for the summary and the exit code."""

    run_dir: Path
    complete: bool
    problems: list[str]
    data_problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all scored; 1 a method asked for is not fully scored; 3 only the data had problems."""
        if not self.complete:
            return 1
        return 3 if self.data_problems else 0


class Runner:
    """Runs one configuration into one run folder."""

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.device = driver_device(config)  # where workers score elsewhere: only plans here
        if self.device.type == "cuda":
            # FP32 by default, so GPU scores match the CPU's (TF32 convs drift ~1e-3)
            torch.backends.cudnn.allow_tf32 = config.tf32
            torch.backends.cuda.matmul.allow_tf32 = config.tf32
        self.dataset = open_dataset(config.data, **config.data_options)
        ids = self.dataset.ids(config.split)
        if config.limit is not None:
            ids = ids[: config.limit]
        if not ids:
            raise methods.SpecError(f"the {config.split} split of {self.dataset.name} is empty")
        self.ids = ids
        # paired, video (frame-pair metrics), a --reference-frame (aligned ones): as the data is
        self.metrics = metrics_for_dataset(config.metrics, self.dataset, config.metric_params)
        self.metric_params = metric_params_record(config.metric_params)  # path and sha256
        self.planned = plan_methods(config, self.device)
        self.added_reference = self._add_reference()
        run_id = config.run_id or default_run_id(self.dataset, config.split)
        self.store = RunStore(Path(config.out) / "runs" / run_id)
        self.data_report: DataReport | None = None
        self.where: dict[str, Any] | None = None  # the scheduler's manifest (None: serial, here)
        self.other_profiles: dict[str, Any] = {}  # profiles on the cluster's other devices

    def _add_reference(self) -> str | None:
        """On data without ground truth, plan the unprocessed input (Table 1's reference row)."""
        if is_paired(self.dataset) or any(p.method.kind == REFERENCE_KIND for p in self.planned):
            return None
        names = [n for n in methods.available_methods() if _kind(n) == REFERENCE_KIND]
        if not names:
            return None
        method = methods.get_method(methods.parse_spec(names[0]), device=self.device)
        choice = WeightsChoice(method.spec, neural=False)
        self.planned.append(PlannedMethod(method, explicit=False, weights=choice))
        return method.spec

    # --- the run ------------------------------------------------------------------------
    def run(self) -> RunOutcome:
        """Lock the run folder, then load data once and profile and score each method."""
        context = RunContext(
            self.config,
            self.dataset,
            self.device,
            self.metrics,
            self.is_video,
            self.planned,
            self._log,
        )
        with (
            RunLock(self.store.root, wait=self.config.wait, log=self._log),
            scheduler_class(self.config.scheduler)(context) as scheduler,
        ):
            return self._run_locked(scheduler)

    def _run_locked(self, scheduler: Scheduler) -> RunOutcome:
        resuming = self.store.exists()
        if resuming:
            self.store.check_identity(self._resume_identity())
        verb = "resuming" if resuming else "starting"
        added = (
            f" ({self.added_reference} added as the reference row: no ground truth)"
            if self.added_reference
            else ""
        )
        self._log(f"{verb} run {self.store.root.name} in {self.store.root}{added}")
        for planned in self.planned:
            notice = planned.weights.notice()
            if notice:
                self._log(notice)
        retried = self.store.drop_failed_rows()
        if retried:
            self._log(f"retrying {retried} image(s) that failed before")
        started = time.perf_counter()
        split = open_split(self.dataset, self.ids, input_haze_key)
        scheduler.context.split = split
        try:
            return self._run_split(split, started, scheduler)
        finally:
            if isinstance(split, StreamedSplit):
                split.close()

    def _run_split(self, split: Split, started: float, scheduler: Scheduler) -> RunOutcome:
        """Choose samples, then profile and score each pending method over `split`."""
        how = "scanned; frames decoded on demand" if isinstance(split, StreamedSplit) else "loaded"
        self._log(
            f"data: {self.dataset.name} ({self.config.split} split, {len(self.ids)} images, "
            f"{how} in {time.perf_counter() - started:.1f} s); device: {device_name(self.device)}"
        )
        self.data_report = build_data_report(self.dataset, split)
        self.data_report.audit([p.method for p in self.planned], split)  # e.g. missing outputs
        for line in self.data_report.lines():
            self._log(line)
        haze = haze_level(split, self.device, self.config.batch_size)
        old_samples = (
            self.store.read_manifest().get("sample_images") if self.store.exists() else None
        )
        samples = old_samples or choose_samples(split, haze)
        self.where = scheduler.manifest()
        self.store.write_manifest(self.manifest(samples, len(self.ids)).to_dict())
        self._save_reference_samples(split, samples)
        finished = self._finished_specs()
        sized = sized_fields(self.config.profile_sizes)
        pending = []
        for planned in self.planned:
            if planned.method.spec in finished:
                self._log(f"{planned.method.spec}: already complete in this run")
            else:
                pending.append(planned)
        with (
            self.store.per_image_writer(self.row_metrics) as rows,
            self.store.methods_writer(sized) as table,
        ):
            lifecycle = MethodLifecycle(
                scheduler,
                self.store,
                split,
                samples,
                self.config.batch_size,
                self._log,
                self.config.progress,
            )
            lifecycle.run(pending, rows, table)
            self.other_profiles = lifecycle.other_profiles
        self.store.write_manifest(self.manifest(samples, len(self.ids)).to_dict())
        problems = self.final_problems()
        data_problems = self.data_report.problems()
        return RunOutcome(self.store.root, not problems, problems, data_problems)

    def final_problems(self) -> list[str]:
        """What is not scored now, per method asked for, read back from the run folder."""
        table = self.store.methods()
        last = {str(row["spec"]): row for _, row in table.iterrows()}
        rows = self.store.per_image()
        ok = rows[rows["status"] == "ok"].groupby("spec").size()
        problems = []
        for planned in self.planned:
            spec = planned.method.spec
            row = last.get(spec)
            status = str(row["status"]) if row is not None else "not run"
            reason = str(row["reason"]) if row is not None else "interrupted before it started"
            scored = int(ok.get(spec, 0))
            if status == "not scored":
                if planned.explicit:
                    problems.append(f"{spec}: {reason}")
            elif status != "done":
                problems.append(f"{spec}: {status}: {reason}".replace(": :", ":"))
            elif scored < self.data_report.n_valid:
                valid = self.data_report.n_valid
                problems.append(f"{spec}: {scored} of {valid} valid pairs scored")
        return problems

    def _resume_identity(self) -> dict[str, Any]:
        """identity(), less the added reference when the run being resumed was begun without it."""
        identity = self.identity()
        spec = self.added_reference
        if spec and spec not in (self.store.read_manifest().get("specs") or []):
            identity["specs"] = [s for s in identity["specs"] if s != spec]
            identity["weights"] = {k: v for k, v in identity["weights"].items() if k != spec}
        return identity

    def identity(self) -> dict[str, Any]:
        """The manifest keys that make a run id resumable."""
        identity = run_identity(self.dataset, self.config, [p.method for p in self.planned])
        identity["metrics"] = self.metric_names
        if self.metric_params:  # scores of another NIQE model must not mix into this run
            identity["metric_models"] = {k: v["sha256"] for k, v in self.metric_params.items()}
        return identity

    @property
    def is_video(self) -> bool:
        """True for video data: consecutive frames, so frame changes (flicker) are recorded."""
        return isinstance(self.dataset, VideoDataset)

    @property
    def row_metrics(self) -> list[str]:
        """per_image.csv's value columns: the metrics, and on video the frame changes."""
        return self.metric_names + (list(FRAME_CHANGE_COLUMNS) if self.is_video else [])

    @property
    def metric_names(self) -> list[str]:
        """The names of the metrics this run computes, in order (per_image.csv's columns)."""
        return metrics.metric_names(self.metrics)

    def manifest(self, samples: list[str], n_images: int) -> RunManifest:
        """The run's manifest as it stands now (keeps the first `created` time)."""
        old = self.store.read_manifest() if self.store.exists() else {}
        methods_run = [p.method for p in self.planned]
        manifest = run_manifest(
            self.dataset,
            self.config,
            methods_run,
            self.device,
            self.store.root.name,
            samples,
            n_images,
            old,
        )
        manifest.update(metrics=self.metric_names, paired=is_paired(self.dataset))
        if self.metric_params:
            manifest["metric_params"] = self.metric_params
            manifest["metric_models"] = self.identity()["metric_models"]
        manifest["metric_model_names"] = {m.name: m.model for m in self.metrics if m.model}
        unavailable = {m.name: m.needs for m in metrics.all_metrics() if not m.available}
        manifest["metrics_unavailable"] = {
            k: v for k, v in unavailable.items() if k not in self.metric_names
        }
        if self.data_report is not None:
            manifest["data_report"] = self.data_report.to_dict()
        if self.where is not None:  # where a distributed run ran
            manifest["cluster"] = {**self.where, "other_device_profiles": self.other_profiles}
        return parse_manifest(manifest)

    def _finished_specs(self) -> set[str]:
        """Specs that need nothing more: all scored, or not scoreable (no weights)."""
        frame = self.store.methods()
        if frame.empty:
            return set()
        final = frame[frame["status"].isin(FINAL_STATUSES)]
        return set(final["spec"].astype(str))

    def _save_reference_samples(self, split: Split, samples: list[str]) -> None:
        """The inputs (and clear images) of the samples, in data order (one pass on video)."""
        where = {image_id: k for k, image_id in enumerate(split.ids)}
        for index in sorted(where[i] for i in samples if i in where):
            image_id = split.ids[index]
            hazy, clear = split.tensors([index], torch.device("cpu"))
            for kind, image in (("hazy", hazy), ("clear", clear)):
                path = self.store.sample_path(f"_{kind}", image_id)
                if image is not None and not path.exists():
                    save_png(to_uint8(image[0]), path)

    def _log(self, message: str) -> None:
        if self.config.progress:
            tqdm.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)


def _kind(name: str) -> str:
    """The kind of a registered method (neural, classical, reference)."""
    return str(methods.method_class(name).kind)
