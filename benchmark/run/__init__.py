"""`benchmark run`: plan the methods, score them on a split, profile them, store every row.

The package is also the API's `benchmark.run(...)`: a package and a function cannot share the
name `benchmark.run` (importing `benchmark.run.runner` rebinds it to this module), so the
module itself is callable and forwards to `benchmark.api.run`.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .config import RunConfig
from .runner import Runner, RunOutcome
from .store import RunStore

__all__ = ["RunConfig", "RunOutcome", "RunStore", "Runner"]


class _CallableModule(types.ModuleType):
    """This package, callable as `benchmark.run(methods, data=None, **options)`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from .api import run

        return run(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
