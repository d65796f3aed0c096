"""`python -m benchmark ...` entry point."""

from .cli import main

raise SystemExit(main())
