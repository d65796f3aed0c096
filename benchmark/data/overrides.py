"""Process-wide settings held at one value while any block needs them, restored after the last."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class SettingOverride(Generic[T]):
    """A re-entrant, thread-safe override of one global setting (torch threads, a log level).

    The first block to enter saves the setting and applies `value`; the last to leave restores
    what was saved, so nested and concurrent blocks never restore too early.
    """

    def __init__(self, get: Callable[[], T], set_: Callable[[T], object], value: T) -> None:
        """Remember how to read and write the setting and the value to hold it at."""
        self._get, self._set, self._value = get, set_, value
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: T | None = None

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        """Hold the setting at its override value for the duration of the block."""
        with self._lock:
            if self._depth == 0:
                self._saved = self._get()
                self._set(self._value)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._set(self._saved)  # type: ignore[arg-type]
