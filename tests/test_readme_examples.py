"""The README's "How to add a method", "How to add a metric" and "Python API" examples run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _example(section: str) -> str:
    """The first python code block under the README heading `section`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1]
    return re.search(r"```python\n(.*?)```", body, re.S).group(1)


def test_add_a_method_example_registers_and_runs() -> None:
    check = """
import methods
m = methods.get_method("gamma:g=0.5")
x = torch.full((1, 3, 16, 16), 0.25)
assert torch.allclose(m.enhance(x), x.sqrt()) and m.spec == "gamma:g=0.5"
assert "gamma" in methods.available_methods()
"""
    code = _example("How to add a method") + check
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_add_a_metric_example_registers_and_is_used() -> None:
    check = """
from benchmark.metrics import default_metrics, get_metric
from benchmark.report.tables import table1
import pandas as pd
x, y = torch.zeros(2, 3, 8, 8), torch.full((2, 3, 8, 8), 0.5)
assert get_metric("mae").fn(x, y).tolist() == [0.5, 0.5]
assert "mae" in [m.name for m in default_metrics()]
row = {"spec": "dcp", "display_name": "DCP", "status": "done", "n_images": 2, "mae_mean": 0.5,
       "paper_psnr": None, "paper_ssim": None}
assert table1(pd.DataFrame([row]))["MAE"].tolist() == ["0.5000"]
"""
    code = _example("How to add a metric") + check
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_python_api_example_runs_in_a_notebook_sized_session(tmp_path: Path) -> None:
    """The notebook example, as written, in a fresh folder (its reports/ lands there)."""
    check = """
assert run.folder.parent == Path("reports/runs") and len(psnr) == 2
"""
    code = "from pathlib import Path\n" + _example("Python API (notebooks)") + check
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env, timeout=600)
