"""An advisory file lock that names its holder: a second process waits on it or is refused.

`fcntl.flock` on a lock file, so the kernel releases it when its holder dies (kill -9 included):
a lock left by a killed process is simply taken over. The file holds one line naming the holder
(pid, host, start time) for the waiting or refusal message. The lock file is opened without
following a symbolic link, so a link planted at its path is refused, never written through.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType


class HolderLock:
    """Exclusive use of whatever `path` guards, for the duration of a `with` block."""

    def __init__(self, path: Path, wait: bool = False, log: Callable[[str], None] = print) -> None:
        self.path = Path(path)
        self.wait = wait
        self.log = log
        self._fd: int | None = None

    def refused(self, holder: str) -> BaseException:
        """The error raised when the lock is held and waiting was not asked for."""
        return RuntimeError(f"{self.path} is held by {holder}")

    def waiting(self, holder: str) -> str:
        """The line logged before waiting for `holder`."""
        return f"{self.path} is held by {holder}: waiting for it"

    def __enter__(self) -> HolderLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
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
            raise self.refused(holder)
        self.log(self.waiting(holder))
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
