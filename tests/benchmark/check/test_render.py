"""The check's report cells and difference figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmark.check import CheckOptions, Comparison
from benchmark.check.comparison_cells import difference_text, effect_text, p_text, value_text
from benchmark.check.figures import plot_differences


def test_cells_use_the_registry_digits_and_units() -> None:
    psnr = Comparison("x", "psnr", 10, 25.0, 25.3, 0.3, 0.25, 0.35)
    assert difference_text(psnr) == "+0.30 [+0.25, +0.35] dB"
    colour = Comparison("x", "ciede2000", 10, 4.5467, 4.8391, 0.2924, 0.28, 0.305)
    assert value_text("ciede2000", 4.5467) == "4.55" and difference_text(colour).startswith("+0.29")
    assert value_text("latency", 9.971) == "9.97 ms" and value_text("errors", 2.0) == "2 failed"
    assert (
        effect_text("psnr", 0.05) == "psnr 0.05 dB"
        and effect_text("latency", 1.1) == "latency ×1.1"
    )
    assert p_text(float("nan")) == "–" and p_text(1e-6) == "<0.0001" and p_text(0.04) == "0.0400"


def test_difference_figure_of_values_equal_up_to_rounding(tmp_path: Path) -> None:
    # a constant shift leaves differences that differ only in the last bits: one bin
    diffs = (np.linspace(3.0, 6.0, 200) + 0.3) - np.linspace(3.0, 6.0, 200)
    assert np.ptp(diffs) > 0
    comparison = Comparison("x", "ciede2000", 200, 4.5, 4.8, 0.3, 0.3, 0.3, diffs=diffs)
    path = plot_differences([comparison], CheckOptions(), tmp_path / "diff.png")
    assert path is not None and path.stat().st_size > 0
