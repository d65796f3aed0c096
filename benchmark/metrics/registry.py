"""The metric registry: each metric declares its name, unit, direction and digits once.

The runner computes the registered metrics, and tables, `check` and `ablation` read how to show
and compare them from here, so a new metric is one `register_metric` call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from torch import Tensor

from ..errors import MetricError

#: full-reference: against ground truth; no-reference: the output (and its input) alone;
#: frame-pair: consecutive output frames of one video; aligned: against a reference frame
#: (--reference-frame) after optical-flow alignment
Kind = Literal["full-reference", "no-reference", "frame-pair", "aligned"]


@dataclass(frozen=True)
class Metric:
    """One image-quality metric: how it is computed, shown and compared."""

    name: str  # column name in per_image.csv
    label: str  # table heading
    #: (output, ground truth / input / reference frame) -> float64 (N,); frame-pair: (previous
    #: output frames, output frames)
    fn: Callable[[Tensor, Tensor], Tensor]
    higher_is_better: bool
    digits: int
    unit: str = ""
    kind: Kind = "full-reference"
    min_effect: float = 0.0  # smallest difference that matters in a regression check
    default: bool = True  # computed when no metric set is chosen
    headline: bool = False  # shown with its CI in Table 1, the console summary and the bar plot
    relative: bool = False  # no-reference metric of the output *relative to its input* (e, r)
    #: a parameterised metric (NIQE's fitted model): builds `fn` from a file; None once bound
    loader: Callable[[str], Callable[[Tensor, Tensor], Tensor]] | None = None
    needs: str = ""  # why it is unavailable until bound, with what to do ("": usable as is)
    model: str = ""  # the parameters `fn` scores with (NIQE: its shipped default model)

    @property
    def available(self) -> bool:
        """False for a parameterised metric that has no default and whose parameters were not given."""
        return not self.needs

    def bind(self, path: str) -> Metric:
        """This metric with its parameters loaded from `path` (the result pickles to workers)."""
        if self.loader is None:
            raise MetricError(f"--metric-params {self.name}=...: {self.name} takes no parameters")
        fn = self.loader(path)
        return dataclasses.replace(
            self, fn=fn, loader=None, needs="", model=f"model {Path(path).name} (--metric-params)"
        )

    @property
    def arrow(self) -> str:
        """The direction marker shown next to the label."""
        return "↑" if self.higher_is_better else "↓"

    def format(self, value: float) -> str:
        """The value with this metric's digits and unit."""
        return f"{value:.{self.digits}f}{self.unit_suffix}"

    @property
    def heading(self) -> str:
        """Table heading: label, unit in brackets, '[95% CI]' for headline metrics."""
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.label}{unit}" + (" [95% CI]" if self.headline else "")

    @property
    def unit_suffix(self) -> str:
        """' dB' for a unit, '' for none."""
        return f" {self.unit}" if self.unit else ""


_METRICS: dict[str, Metric] = {}


def register_metric(metric: Metric) -> Metric:
    """Make `metric` available under its name (names are unique)."""
    if metric.name in _METRICS and _METRICS[metric.name] != metric:
        raise ValueError(f"metric {metric.name!r} is already registered")
    _METRICS[metric.name] = metric
    return metric


def get_metric(name: str) -> Metric:
    """The registered metric called `name`."""
    try:
        return _METRICS[name]
    except KeyError:
        known = ", ".join(_METRICS)
        raise MetricError(f"unknown metric {name!r} (metrics: {known})") from None


def all_metrics() -> list[Metric]:
    """Every registered metric, in registration order."""
    return list(_METRICS.values())


def default_metrics(kind: Kind = "full-reference") -> list[Metric]:
    """The metrics computed by default on data of this kind."""
    return [m for m in _METRICS.values() if m.kind == kind and m.default]


def metric_names(metrics: Iterable[Metric]) -> list[str]:
    """The names of `metrics`, in order."""
    return [m.name for m in metrics]
