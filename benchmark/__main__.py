"""`python -m benchmark ...` entry point; Ctrl-C while starting up exits quietly with 130."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:
    print("\ninterrupted while starting: nothing was changed", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
