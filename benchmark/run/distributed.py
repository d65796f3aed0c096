"""The Dask scheduler: start `local:N` or join `tcp://HOST:PORT`, survey workers, run tasks.

The survey asks every worker for its device and for the data set's fingerprint as it sees it,
so a data folder or weights file that is not on a shared filesystem is one clear line before
any work starts, not a run of error rows. Profiling is one task on one worker of each device
class; scoring is one task per (method, chunk of images), results handed back as they complete.
Workers build each method from the weights the driver resolved and verify their sha256.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ..errors import DatasetError, UsageError, failure_text, one_line
from ..metrics import Metric, metric_names
from .config import RunConfig
from .plan import PlannedMethod
from .scheduler import MethodWork, RunContext, Scheduler
from .tasks import ChunkResult, MethodRef, WorkContext, profile_task, score_task, survey_worker

LOCAL = re.compile(r"^local:(\d+)$")
INSTALL_HINT = 'pip install -e ".[distributed]" (or pip install "dask[distributed]")'


def check_scheduler(text: str) -> str:
    """`local:N` (N >= 1) or a scheduler address such as tcp://HOST:PORT; else UsageError."""
    text = text.strip()
    match = LOCAL.match(text)
    if (match and int(match.group(1)) >= 1) or re.match(r"^(tcp|tls|ucx|inproc)://\S+$", text):
        return text
    raise UsageError(
        f"--scheduler {text!r}: use local:N (N worker processes here) or tcp://HOST:PORT"
    )


def work_context(
    config: RunConfig, metrics: Sequence[Metric] = (), video: bool = False
) -> WorkContext:
    """The run's options as workers need them (paths made absolute: workers have their own cwd).

    `metrics` is the set the runner chose (never chosen again here); parameterised ones travel
    bound, with their loaded models.
    """
    data = config.data
    if data is not None and data.strip().lower() != "synthetic":
        data = str(Path(data).expanduser().resolve())
    return WorkContext(
        data=data,
        data_options=tuple(sorted(config.data_options.items())),
        device=config.device,
        batch_size=config.batch_size,
        max_consecutive_failures=config.max_consecutive_failures,
        trust_weights=config.trust_weights,
        tf32=config.tf32,
        metrics=tuple(metric_names(list(metrics))),
        bound_metrics=tuple(m for m in metrics if m.name in config.metric_params),
        video=video,
        profile_sizes=tuple(tuple(size) for size in config.profile_sizes),
    )


def method_ref(planned: PlannedMethod) -> MethodRef:
    """What a worker needs to build the same method: spec, resolved weights, registering module."""
    method = planned.method
    return MethodRef(method.spec, planned.weights, type(method).__module__)


class DaskCluster(Scheduler):
    """A connected Dask client (and the LocalCluster it started, if any) with surveyed workers."""

    plans_on_run_device: ClassVar[bool] = False  # workers score on their own devices

    def __init__(self, context: RunContext) -> None:
        super().__init__(context)
        config = context.config
        self.address = check_scheduler(config.scheduler or "")
        self.work = work_context(config, context.metrics, context.video)
        self.weights = sorted({p.weights.path for p in context.planned if p.weights.path})
        self.dataset = context.dataset
        self.log = context.log
        self.client: Any = None
        self.cluster: Any = None
        self.workers: dict[str, dict[str, Any]] = {}
        self._futures: dict[str, list[Any]] = {}
        self._cancelled: set[Any] = set()

    def __enter__(self) -> DaskCluster:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError(f"--scheduler needs Dask distributed: {INSTALL_HINT}") from None
        match = LOCAL.match(self.address)
        try:
            if match:
                self.cluster = LocalCluster(
                    n_workers=int(match.group(1)),
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,  # no "still alive, killing" noise at close
                )
                self.client = Client(self.cluster)
            else:
                self.client = Client(self.address, timeout="20s")
        except OSError as exc:
            self.close()
            raise UsageError(
                f"cannot reach the Dask scheduler {self.address} ({one_line(exc)}): start it "
                "(dask scheduler / dask worker) or check the address"
            ) from None
        try:
            self._survey()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this run started it."""
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def _survey(self) -> None:
        """Ask every worker what it runs on and whether it sees the data and weights."""
        if not self.client.scheduler_info().get("workers"):
            self.client.wait_for_workers(1, timeout=60)
        self.workers = self.client.run(survey_worker, self.work, self.weights)
        for address, info in sorted(self.workers.items()):
            if info["problems"]:
                raise DatasetError(
                    f"worker {address}: {'; '.join(info['problems'])} - workers need the device "
                    "asked for, and the data and weights at the same paths (a shared filesystem)"
                )
            if info["fingerprint"] != self.dataset.fingerprint:
                raise DatasetError(
                    f"worker {address} sees another data set (fingerprint {info['fingerprint']} "
                    f"vs {self.dataset.fingerprint} here): give the workers the same files"
                )
        devices = sorted({info["device_name"] for info in self.workers.values()})
        self.log(
            f"Dask scheduler {self.scheduler_address}: {len(self.workers)} worker(s) on "
            f"{', '.join(devices)}"
        )
        link = self.dashboard_link
        if link:
            self.log(f"Dask dashboard: {link}")

    @property
    def scheduler_address(self) -> str:
        return str(self.client.scheduler.address)

    @property
    def dashboard_link(self) -> str | None:
        """The dashboard's URL when the scheduler serves one (needs bokeh), else None."""
        if "dashboard" not in self.client.scheduler_info().get("services", {}):
            return None
        return str(self.client.dashboard_link)

    def device_classes(self) -> dict[str, list[str]]:
        """Worker addresses grouped by device name, largest group first (the primary class)."""
        groups: dict[str, list[str]] = {}
        for address, info in sorted(self.workers.items()):
            groups.setdefault(info["device_name"], []).append(address)
        return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def manifest(self) -> dict[str, Any]:
        """What the manifest records about the cluster: address, worker count, each device."""
        return {
            "scheduler": self.address,
            "scheduler_address": self.scheduler_address,
            "n_workers": len(self.workers),
            "workers": {
                address: {"device": info["device"], "device_name": info["device_name"]}
                for address, info in sorted(self.workers.items())
            },
        }

    # --- the Scheduler seam -------------------------------------------------------------
    def profile(self, planned: PlannedMethod, height: int, width: int) -> dict[str, dict]:
        """One profile task per device class, one after another (nothing else runs meanwhile)."""
        method = planned.method
        results: dict[str, dict] = {}
        for device_label, workers in self.device_classes().items():
            future = self.client.submit(
                profile_task,
                self.work,
                method_ref(planned),
                height,
                width,
                self.context.config.latency_budget_s,
                workers=workers[:1],
                allow_other_workers=True,  # that worker may die: never wait for it forever
                pure=False,
            )
            try:
                fields = dict(future.result())
                fields.pop("device_name", None)
            except Exception as exc:  # e.g. the worker died: score anyway, like a serial run
                fields = {
                    "error": f"profiling failed: {failure_text(exc)}",
                    "params": method.num_params,
                    "file_size_bytes": method.file_size_bytes,
                }
            results[device_label] = fields
        return results

    def score(self, work: Sequence[MethodWork]) -> Iterator[tuple[str, ChunkResult]]:
        """One task per chunk; results as they complete, the last of each method marked final."""
        from distributed import as_completed

        chunks: dict[Any, tuple[MethodWork, list[str]]] = {}
        left: dict[str, int] = {}
        for item in work:
            ref = method_ref(item.planned)
            for chunk in item.chunks:
                samples = [i for i in chunk if i in item.samples]
                future = self.client.submit(score_task, self.work, ref, chunk, samples, pure=False)
                chunks[future] = (item, chunk)
                self._futures.setdefault(item.spec, []).append(future)
                left[item.spec] = left.get(item.spec, 0) + 1
        for future in as_completed(list(chunks)):
            item, chunk = chunks[future]
            if future in self._cancelled:
                continue
            result = self._result(future, item, chunk)
            left[item.spec] -= 1
            result.final = left[item.spec] == 0
            yield item.spec, result

    def cancel(self, spec: str) -> None:
        """Cancel the open tasks of `spec`; results that still come are dropped."""
        open_futures = [f for f in self._futures.get(spec, []) if not f.done()]
        self._cancelled.update(open_futures)
        self.client.cancel(open_futures)

    def _result(self, future: Any, item: MethodWork, chunk: list[str]) -> ChunkResult:
        """The chunk's result; a task Dask gave up on (workers kept dying) is error rows."""
        try:
            return future.result()
        except Exception as exc:
            text = f"task failed on the cluster: {failure_text(exc)}"
            method = item.planned.method
            rows = [
                {"spec": method.spec, "method": method.name, "image_id": image_id}
                | {"status": "error", "error": text}
                for image_id in chunk
            ]
            return ChunkResult(rows, status="failed", reason=text)
