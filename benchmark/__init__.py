"""dehaze-bench harness: data sets, metrics, profiling, runs, reports, training and checks.

For notebooks: `benchmark.run("lnet-gie,dcp", limit=16)` scores a run and returns a `Run`
(per_image, methods, summary, table1(), table2(), folder); `benchmark.load_run(folder)` reads a
finished one. Imports are lazy, so `import benchmark` (and `python -m benchmark`) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Run", "load_run", "run"]


def __getattr__(name: str) -> Any:
    """Load the API on first use (`benchmark.run` is the callable `benchmark.run` package)."""
    if name in ("Run", "load_run"):
        return getattr(importlib.import_module(".run.api", __name__), name)
    if name == "run":
        return importlib.import_module(".run", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
