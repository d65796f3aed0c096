"""Command line: one module per verb; every error a user can cause is one line and status 2.

An incomplete run exits with 1; Ctrl-C exits with 130 and says how to resume.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from ..errors import USER_ERRORS, one_line, os_error_line
from . import (
    ablation,
    check,
    convert_weights,
    data,
    enhance,
    list_methods,
    metrics,
    report,
    run,
    study,
    train,
    weights,
)

COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    run.add_parser,
    list_methods.add_parser,
    report.add_parser,
    data.add_parser,
    convert_weights.add_parser,
    train.add_parser,
    check.add_parser,
    check.add_compare_parser,
    ablation.add_parser,
    enhance.add_parser,
    weights.add_parser,
    metrics.add_parser,
    study.add_parser,
]


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line (what is wrong, where to read more)."""

    def error(self, message: str) -> NoReturn:
        """Print `error: <command>: <message>` and the help hint, then exit 2."""
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The `python -m benchmark` parser with one subcommand per verb module."""
    parser = OneLineParser(
        prog="python -m benchmark",
        description="dehaze-bench: LNet-GIE and dehazing baselines under one protocol",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run a command; user errors become one line and status 2."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a one-line option error (status 2)
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except USER_ERRORS as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a read-only mount, a vanished folder: what and where
        print(f"error: {os_error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: {getattr(args, 'resume_hint', 'nothing was changed')}", file=sys.stderr
        )
        return 130
