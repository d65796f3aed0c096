"""`--scheduler` as the command line checks it: local:N within the machine's cores, and a remote
scheduler that answers at all (refused in seconds, not after the client's 20 s of retries)."""

from __future__ import annotations

import argparse
import os
import socket
import urllib.parse

from ..errors import UsageError
from ..run.distributed import LOCAL, check_scheduler

#: seconds to wait for a remote scheduler's TCP handshake before saying it cannot be reached
CONNECT_TIMEOUT_S = 3.0


def cpu_cores() -> int:
    """The cores this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def scheduler(text: str) -> str:
    """argparse type: local:N or a Dask scheduler address (tcp://HOST:PORT)."""
    try:
        return check_scheduler(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--scheduler ")) from None


def check_local_workers(address: str | None, oversubscribe: bool) -> None:
    """UsageError when local:N asks for more worker processes than cores (unless insisted)."""
    match = LOCAL.match(address or "")
    if not match or oversubscribe:
        return
    workers, cores = int(match.group(1)), cpu_cores()
    if workers > cores:
        raise UsageError(
            f"--scheduler {address} asks for {workers} worker processes and this machine has "
            f"{cores} cores: use local:{cores} or fewer, or pass --oversubscribe to start "
            f"{workers} anyway"
        )


def check_reachable(address: str | None, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """UsageError at once when a tcp:// scheduler refuses or ignores a connection."""
    if not address or not address.startswith("tcp://"):
        return
    parts = urllib.parse.urlsplit(address)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or not port:
        raise UsageError(f"--scheduler {address}: give HOST:PORT, e.g. tcp://10.0.0.5:8786")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        if isinstance(exc, TimeoutError):
            why = f"no answer within {timeout:g} s"
        else:
            why = exc.strerror or str(exc)
        raise UsageError(
            f"cannot reach the Dask scheduler {address} ({why}): start it "
            "(dask scheduler / dask worker) or check the address"
        ) from None
