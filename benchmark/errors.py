"""Errors a user can cause in the harness; each prints as one line (what, where, what to do)."""

from __future__ import annotations

import errno

from methods import MethodError


class UsageError(Exception):
    """A bad option or combination of command-line options."""


class DatasetError(Exception):
    """A data set that cannot be opened or read as asked."""


class RunConflictError(Exception):
    """An existing run id was started with another data set, split or method list."""


class RunLockedError(RunConflictError):
    """A run folder that another live process is writing."""


class RunFolderError(Exception):
    """A run folder whose files are missing, corrupt or hold values that are not numbers."""


class CheckError(Exception):
    """Runs that cannot be checked or compared as asked."""


class TrainingError(Exception):
    """A training option or checkpoint problem the user can fix."""


class MetricError(ValueError):
    """An unknown metric name or metric set."""


class FetchError(Exception):
    """A release that cannot be downloaded, verified or filed in the cache."""


#: what the command line turns into one line on stderr and exit status 2
USER_ERRORS: tuple[type[BaseException], ...] = (
    MethodError,
    UsageError,
    DatasetError,
    RunConflictError,
    RunFolderError,
    CheckError,
    TrainingError,
    MetricError,
    FetchError,
)


def failure_text(exc: BaseException) -> str:
    """A failure as recorded in a result row: 'Type: message' on one line, at most 300 chars."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]


def os_error_line(exc: OSError) -> str:
    """An OS error as one line: what failed, on which file, and what to do."""
    if exc.strerror is None:  # raised by our code with its own message
        return one_line(exc)
    where = f" {exc.filename}" if exc.filename else ""
    advice = {
        errno.ENOSPC: "free some space or choose another --out",
        errno.EROFS: "the file system is read-only: choose a writable --out",
        errno.EACCES: "no permission: choose a folder you can write",
        errno.EDQUOT: "disk quota exceeded: free some space or choose another --out",
    }.get(exc.errno or 0, "check the path")
    return f"{exc.strerror or type(exc).__name__}:{where} ({advice})"


def one_line(exc: BaseException) -> str:
    """The message of `exc` on one line (KeyError's quotes removed)."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(text.split()) or type(exc).__name__
