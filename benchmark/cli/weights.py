"""`benchmark weights`: list the authors' releases, fetch one (verified), or file one by hand."""

from __future__ import annotations

import argparse

from methods import cache_dir

from ..weights import add_release, catalogue_rows, fetch_release
from ..weights.fetch import TIMEOUT_ENV
from .common import positive_float


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `weights` subcommand and its `fetch` / `add` actions (none: list)."""
    p = sub.add_parser("weights", help="the authors' released weights: list, fetch, add")
    p.set_defaults(func=cmd_list)
    actions = p.add_subparsers(
        dest="action",
        required=False,
        parser_class=type(p),
        help="fetch: download a release; add: file a downloaded one (none: list the catalogue)",
    )
    fetch = actions.add_parser("fetch", help="download NAME[:TAG] into the cache, verified")
    fetch.add_argument("release", help="e.g. gcanet or gcanet:its")
    fetch.add_argument(
        "--allow-unpinned",
        action="store_true",
        help="download a release whose sha256 is not in the catalogue (prints what it got)",
    )
    fetch.add_argument("--no-progress", action="store_true", help="no progress bar")
    fetch.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        help=f"seconds to wait for the server's next byte (default ${TIMEOUT_ENV}, else 60)",
    )
    fetch.set_defaults(func=cmd_fetch)
    add = actions.add_parser("add", help="check a downloaded FILE and file it in the cache")
    add.add_argument("release", help="e.g. ffanet:its")
    add.add_argument("file", help="the file as downloaded from the authors' page")
    add.add_argument(
        "--trust-weights",
        action="store_true",
        help="allow a file that needs full unpickling (can run code!)",
    )
    add.set_defaults(func=cmd_add)


def cmd_list(args: argparse.Namespace) -> int:
    """Print every release: tag, training set, size, sha256, published scores, cached."""
    print(f"cache: {cache_dir()}")
    print("| release | file | training set | bytes | sha256 | published | cached |")
    print("| --- | --- | --- | ---: | --- | --- | --- |")
    for row in catalogue_rows():
        size = f"{row['size']:,}" if row["size"] is not None else "?"
        sha = row["sha256"] if row["sha256"] == "unpinned" else row["sha256"][:12] + "…"
        print(
            f"| `{row['tag']}` | {row['file']} | {row['training_set']} | {size} | {sha} | "
            f"{row['published'] or '–'} | {'yes' if row['cached'] else 'no'} |"
        )
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    """Download one release (verified) and say where it went."""
    path, digest = fetch_release(
        args.release,
        allow_unpinned=args.allow_unpinned,
        progress=not args.no_progress,
        timeout=args.timeout,
    )
    print(f"{args.release}: {path} (sha256 {digest})")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    """Check a hand-downloaded file against the architecture and file it in the cache."""
    path, digest = add_release(args.release, args.file, trust=args.trust_weights)
    print(f"{args.release}: filed {args.file} as {path} (sha256 {digest})")
    return 0
