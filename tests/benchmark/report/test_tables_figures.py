"""The Pareto front and the table writers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.report.figures import pareto_front
from benchmark.report.table_formats import latex_escape, to_latex, to_markdown


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
