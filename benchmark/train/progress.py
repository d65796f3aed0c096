"""What a training run shows on stderr: progress bars and one line per event (when enabled)."""

from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(total: int, desc: str, enabled: bool, leave: bool = True) -> tqdm:
    """A bar counting images on stderr; a no-op bar when disabled."""
    return tqdm(
        total=total, desc=desc, unit="img", disable=not enabled, file=sys.stderr, leave=leave
    )


def say(enabled: bool, text: str) -> None:
    """One line on stderr that does not break a running bar (silent when disabled)."""
    if enabled:
        tqdm.write(text, file=sys.stderr)
