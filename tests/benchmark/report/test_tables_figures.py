"""The Pareto front and the table writers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.report.figures import pareto_front
from benchmark.report.table_formats import latex_escape, to_latex, to_markdown
from benchmark.report.tables import table2, table2_notes


def test_pareto_front() -> None:
    cost = np.array([1.0, 10.0, 100.0, 5.0, 50.0])
    quality = np.array([20.0, 25.0, 26.0, 19.0, 24.0])
    assert sorted(pareto_front(cost, quality).tolist()) == [0, 1, 2]


def test_markdown_and_latex_tables() -> None:
    frame = pd.DataFrame({"Method": ["DA_dehazing", "a|b"], "PSNR": [28.1, float("nan")]})
    md = to_markdown(frame, ["† note"])
    assert "| DA_dehazing | 28.1 |" in md and "a\\|b" in md and "| – |" in md and "† note" in md
    tex = to_latex(frame, "Cap 50%", "tab:x")
    assert "DA\\_dehazing" in tex and "\\toprule" in tex and "Cap 50\\%" in tex
    assert latex_escape("a_b&c") == "a\\_b\\&c"


def _cost_summary(devices: list[str]) -> pd.DataFrame:
    """A summary.csv-like frame of two methods, one fused neural and one classical."""
    return pd.DataFrame(
        {
            "spec": ["lnet-gie", "dcp"],
            "method": ["lnet-gie", "dcp"],
            "display_name": ["LNet-GIE", "DCP"],
            "params": [14, 0],
            "latency_median_ms": [0.6, 2.1],
            "eval_height": [256, 256],
            "eval_width": [256, 256],
            "device_name": devices,
            "backend": ["auto", None],
            "backend_path": ["fused", None],
        }
    )


def test_table2_names_the_device_once_in_its_caption() -> None:
    summary = _cost_summary(["CPU X (2 logical cores)"] * 2)
    frame = table2(summary)
    assert "Device" not in frame.columns
    assert frame["Backend"].tolist() == ["auto (fused)", "–"]
    notes = table2_notes(summary, {"torch_threads": 2, "versions": {"torch": "2.13.0"}})
    assert notes[0].startswith("Measured on CPU X (2 logical cores), 2 torch threads")
    assert "median/p90" in notes[0]  # the protocol is stated with the device
    mixed = table2(_cost_summary(["CPU X", "GPU Y"]))  # merged runs: per-row devices again
    assert mixed["Device"].tolist() == ["CPU X", "GPU Y"]
