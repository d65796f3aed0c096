"""`benchmark run`: plan the methods, score them on a split, profile them, store every row."""

from .config import RunConfig
from .runner import Runner, RunOutcome
from .store import RunStore

__all__ = ["RunConfig", "RunOutcome", "RunStore", "Runner"]
