"""`python -m benchmark ...` entry point; Ctrl-C while starting up exits quietly with 130.

A Ctrl-C that lands inside a C extension's import (torch) can abort the interpreter, so during
start-up SIGINT is only noted, and acted on once the imports are done.
"""

import signal
import sys

_interrupted: list[int] = []
signal.signal(signal.SIGINT, lambda signum, frame: _interrupted.append(signum))

from .cli import main  # noqa: E402

signal.signal(signal.SIGINT, signal.default_int_handler)
if _interrupted:
    print("\ninterrupted while starting: nothing was changed", file=sys.stderr)
    raise SystemExit(130)
raise SystemExit(main())
