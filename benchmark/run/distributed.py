"""A Dask cluster for a run: start `local:N` or join `tcp://HOST:PORT`, survey its workers.

The survey asks every worker for its device and for the data set's fingerprint as it sees it,
so a data folder or weights file that is not on a shared filesystem is one clear line before
any work starts, not a run of error rows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from ..data import PairedDataset, VideoDataset
from ..errors import DatasetError, UsageError, one_line
from ..metrics import metric_names
from ..metrics.scoring import metrics_for_dataset
from .config import RunConfig
from .tasks import WorkContext, survey_worker

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


def work_context(config: RunConfig, dataset: PairedDataset | None = None) -> WorkContext:
    """The run's options as workers need them (paths made absolute: workers have their own cwd).

    With the driver's `dataset`, the metric set it chose and whether frames are video travel too.
    """
    chosen = (
        []
        if dataset is None
        else metrics_for_dataset(config.metrics, dataset, config.metric_params)
    )
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
        metrics=tuple(metric_names(chosen)),
        bound_metrics=tuple(m for m in chosen if m.name in config.metric_params),
        video=dataset is not None and isinstance(dataset, VideoDataset),
    )


class DaskCluster:
    """A connected Dask client (and the LocalCluster it started, if any) with surveyed workers."""

    def __init__(
        self, config: RunConfig, dataset: PairedDataset, log: Callable[[str], None]
    ) -> None:
        self.address = check_scheduler(config.scheduler or "")
        self.context = work_context(config, dataset)
        self.weights = [str(Path(p).expanduser().resolve()) for p in config.weights.values()]
        self.dataset = dataset
        self.log = log
        self.client: Any = None
        self.cluster: Any = None
        self.workers: dict[str, dict[str, Any]] = {}

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

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

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
        self.workers = self.client.run(survey_worker, self.context, self.weights)
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
