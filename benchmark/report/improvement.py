"""Share of images on which a method improves on its own input (paired), with a Wilson 95% CI.

On data without ground truth the run's reference method (`kind == "reference"`: the unprocessed
input) is the baseline: per image, does the method's output score better than the input did on a metric?
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from ..metrics import Metric
from ..stats import paired_bootstrap_ci

REFERENCE_KIND = "reference"


def reference_spec(methods_frame: pd.DataFrame) -> str | None:
    """The spec of the run's reference row (methods.csv `kind == "reference"`), if it has one."""
    if methods_frame.empty or "kind" not in methods_frame.columns:
        return None
    found = methods_frame[methods_frame["kind"].astype(str) == REFERENCE_KIND]["spec"]
    return str(found.iloc[0]) if not found.empty else None


def improved_share(
    rows: pd.DataFrame, spec: str, metric: Metric, reference: str | None
) -> dict[str, Any]:
    """{share, ci_low, ci_high, n} in percent over the images both `spec` and the input scored."""
    empty = {"share": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0}
    if reference is None:
        return empty
    ok = rows[rows["status"] == "ok"]
    mine = ok[ok["spec"] == spec].set_index("image_id")[metric.name].astype(float)
    base = ok[ok["spec"] == reference].set_index("image_id")[metric.name].astype(float)
    both = mine.index.intersection(base.index)
    if spec == reference or both.empty:
        return empty
    a, b = mine.loc[both].to_numpy(), base.loc[both].to_numpy()
    valid = np.isfinite(a) & np.isfinite(b)
    n = int(valid.sum())
    if n == 0:
        return empty
    better = a[valid] > b[valid] if metric.higher_is_better else a[valid] < b[valid]
    k = int(better.sum())
    interval = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return {
        "share": 100.0 * k / n,
        "ci_low": 100.0 * interval.low,
        "ci_high": 100.0 * interval.high,
        "n": n,
    }


def improvement_columns(
    rows: pd.DataFrame, spec: str, metric: Metric, reference: str | None
) -> dict[str, Any]:
    """summary.csv columns `<metric>_improved[_ci_low|_ci_high]` for one spec."""
    share = improved_share(rows, spec, metric, reference)
    name = f"{metric.name}_improved"
    return {
        name: share["share"],
        f"{name}_ci_low": share["ci_low"],
        f"{name}_ci_high": share["ci_high"],
    }


def change_columns(
    rows: pd.DataFrame, spec: str, metric: Metric, reference: str | None
) -> dict[str, Any]:
    """summary.csv columns `<metric>_change[_ci_low|_ci_high]`: the mean change against the
    input per image (frame pair), paired with the reference row, with a bootstrap 95% CI."""
    name = f"{metric.name}_change"
    if reference is None:
        return {name: np.nan, f"{name}_ci_low": np.nan, f"{name}_ci_high": np.nan}
    ok = rows[rows["status"] == "ok"]
    mine = ok[ok["spec"] == spec].set_index("image_id")[metric.name].astype(float)
    base = ok[ok["spec"] == reference].set_index("image_id")[metric.name].astype(float)
    both = mine.index.intersection(base.index)
    if spec == reference or both.empty:
        return {name: np.nan, f"{name}_ci_low": np.nan, f"{name}_ci_high": np.nan}
    mean, low, high = paired_bootstrap_ci(mine.loc[both].to_numpy(), base.loc[both].to_numpy())
    return {name: mean, f"{name}_ci_low": low, f"{name}_ci_high": high}
