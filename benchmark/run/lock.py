"""One writer per run folder: an advisory lock that a second process refuses or waits on.

The lock is `<run>/.lock` (see `benchmark.holder_lock`): the kernel releases it when its holder
dies (kill -9 included), and the file names the holder for the refusal message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import RunLockedError
from ..holder_lock import HolderLock

LOCK_NAME = ".lock"


class RunLock(HolderLock):
    """Exclusive use of a run folder for the duration of a `with` block."""

    def __init__(self, root: Path, wait: bool = False, log: Callable[[str], None] = print) -> None:
        super().__init__(Path(root) / LOCK_NAME, wait=wait, log=log)

    def refused(self, holder: str) -> BaseException:
        """The run folder is in use: say by whom and what to do."""
        return RunLockedError(
            f"run folder {self.path.parent} is in use by {holder}: wait for it to finish, "
            "pass --wait to queue behind it, or choose another --run-id"
        )

    def waiting(self, holder: str) -> str:
        """The line logged before queueing behind `holder` (--wait)."""
        return f"run folder in use by {holder}: waiting for it (--wait)"
