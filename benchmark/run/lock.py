"""One writer per run folder: an advisory lock that a second process refuses or waits on.

The lock is `fcntl.flock` on `<run>/.lock`, so the kernel releases it when its holder dies
(kill -9 included): a lock left by a killed process is simply taken over. The file holds a
line naming the holder (pid, host, start time) for the refusal message.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from ..errors import RunLockedError

LOCK_NAME = ".lock"


class RunLock:
    """Exclusive use of a run folder for the duration of a `with` block."""

    def __init__(self, root: Path, wait: bool = False, log: Callable[[str], None] = print) -> None:
        self.path = Path(root) / LOCK_NAME
        self.wait = wait
        self.log = log
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._acquire(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        previous = os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
        if previous:
            self.log(f"taking over the lock left by {previous} (no longer running)")
        holder = f"pid {os.getpid()} on {socket.gethostname()} since " + datetime.now(
            timezone.utc
        ).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode("utf-8"), 0)
        return self

    def _acquire(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
        if not self.wait:
            raise RunLockedError(
                f"run folder {self.path.parent} is in use by {holder}: wait for it to finish, "
                "pass --wait to queue behind it, or choose another --run-id"
            )
        self.log(f"run folder in use by {holder}: waiting for it (--wait)")
        fcntl.flock(fd, fcntl.LOCK_EX)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)  # an empty file: nobody to take over from
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
