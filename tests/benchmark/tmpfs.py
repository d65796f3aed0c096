"""A real small disk for fault tests: a tmpfs mounted for the block (root only; else skip)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def mounted(where: Path, *options: str) -> Iterator[Path]:
    """A tmpfs at `where` with mount options (size=..., ro), unmounted afterwards; or skip."""
    where.mkdir(parents=True, exist_ok=True)
    cmd = ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(where)]
    if shutil.which("mount") is None or subprocess.run(cmd, capture_output=True).returncode:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
