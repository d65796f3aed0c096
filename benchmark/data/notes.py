"""Short lists of file names and ids for data-set notes and messages."""

from __future__ import annotations

from collections.abc import Sequence

NOTE_EXAMPLES = 5  # names listed per note before "... and N more"


def examples(names: Sequence[str]) -> str:
    """A short, comma-separated list of names with '... and N more'."""
    shown = ", ".join(names[:NOTE_EXAMPLES])
    more = len(names) - NOTE_EXAMPLES
    return shown + (f", ... and {more} more" if more > 0 else "")
