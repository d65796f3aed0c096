"""`benchmark study create|serve|results|simulate|screenshot`: a blinded reader study on a run folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import positive_int


def share(text: str) -> float:
    """argparse type: a share from 0 to 0.5."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"must be from 0 to 0.5, got {text}")
    return value


def port_number(text: str) -> int:
    """argparse type: a TCP port from 1 to 65535."""
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be at most 65535, got {text}")
    return value


def cmd_create(args: argparse.Namespace) -> int:
    """Make the study folder and say how to serve it."""
    from ..study.create import StudyOptions, create_study
    from ..study.store import StudyStore

    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip()) if args.methods else ()
    options = StudyOptions(
        args.design, args.raters, args.per_rater, args.repeats, args.seed, methods
    )
    raters_csv = create_study(args.run, args.out, options)
    store = StudyStore(args.out)
    meta, counts = store.meta(), store.counts()
    print(
        f"wrote study {args.out}: {counts['items']} items for {counts['raters']} raters "
        f"({meta['design']}, {len(meta['specs'])} methods on {len(meta['inputs'])} inputs); "
        f"tokens in {raters_csv} (keep it private)"
    )
    if meta["skipped_specs"]:
        print(f"left out (no sample of every input): {', '.join(meta['skipped_specs'])}")
    print(f"next: python -m benchmark study serve {args.out}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C."""
    from ..study.server import serve

    args.resume_hint = f"every acknowledged vote is kept; serve {args.folder} again to go on"
    serve(args.folder, args.host, args.port, args.threads)
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    """Write the results and the run report's section; print where."""
    from ..study.results import add_to_report, analyse, write_results

    results = analyse(args.folder, args.bootstrap, args.seed)
    paths = write_results(results, args.folder)
    print(f"wrote {paths['md']}, {paths['csv']} and {len(results.figures)} figure(s)")
    if results.simulated:
        print("note: these votes are SIMULATED (study simulate), not from people")
    if not args.no_report:
        report = add_to_report(results)
        if report is None:
            print(
                f"warning: run folder {results.meta['run']} not found: report.html not updated",
                file=sys.stderr,
            )
        else:
            print(f"added the reader study section to {report}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """Fill the study with simulated votes."""
    from ..study.simulate import simulate_votes

    added = simulate_votes(args.folder, args.noise, args.like, args.seed, args.share)
    print(f"added {added} SIMULATED votes to {Path(args.folder)} (results will say so)")
    return 0


def cmd_screenshot(args: argparse.Namespace) -> int:
    """Save a rater page screenshot."""
    from ..study.screenshot import screenshot

    print(f"wrote {screenshot(args.folder, args.out, args.rater)}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `study` subcommand and its actions."""
    p = sub.add_parser("study", help="blinded reader study on a run folder (browser, SQLite)")
    actions = p.add_subparsers(
        dest="action",
        required=True,
        parser_class=type(p),
        help="create | serve | results | simulate | screenshot",
    )
    create = actions.add_parser("create", help="choose the items and write the study folder")
    create.add_argument("run", help="run folder (reports/runs/<id>) whose samples are shown")
    create.add_argument("--out", required=True, help="study folder to write (must not exist)")
    create.add_argument(
        "--design",
        choices=("pairs", "rating"),
        default="pairs",
        help="pairs: which of two is better; rating: 1-5 score (MOS, ACR-HR)",
    )
    create.add_argument("--raters", type=positive_int, default=4, help="raters (default 4)")
    create.add_argument(
        "--per-rater",
        type=positive_int,
        default=60,
        help="items per rater, repeats included (default 60)",
    )
    create.add_argument(
        "--repeats",
        type=share,
        default=0.1,
        help="share of items shown twice to measure consistency (default 0.1)",
    )
    create.add_argument(
        "--methods", help="comma-separated specs of the run to compare (default all)"
    )
    create.add_argument("--seed", type=int, default=0, help="seed of the design (default 0)")
    create.set_defaults(func=cmd_create)
    serve = actions.add_parser("serve", help="serve the rater pages; prints one URL per rater")
    serve.add_argument("folder", help="study folder")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 for a lab network)",
    )
    serve.add_argument("--port", type=port_number, default=8765, help="port (default 8765)")
    serve.add_argument("--threads", type=positive_int, default=8, help="server threads (default 8)")
    serve.set_defaults(func=cmd_serve)
    results = actions.add_parser("results", help="rankings, agreement, metrics vs readers")
    results.add_argument("folder", help="study folder")
    results.add_argument(
        "--bootstrap",
        type=positive_int,
        default=1000,
        help="bootstrap replicates for the CIs (default 1000)",
    )
    results.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    results.add_argument(
        "--no-report", action="store_true", help="do not add the section to the run's report.html"
    )
    results.set_defaults(func=cmd_results)
    simulate = actions.add_parser("simulate", help="fill a study with SIMULATED votes (examples)")
    simulate.add_argument("folder", help="study folder")
    simulate.add_argument("--noise", type=float, default=0.7, help="rater noise (default 0.7)")
    simulate.add_argument("--like", help="planted quality follows this metric of the run")
    simulate.add_argument(
        "--share",
        type=float,
        default=1.0,
        help="share of each rater's unanswered items to answer (default 1)",
    )
    simulate.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    simulate.set_defaults(func=cmd_simulate)
    shot = actions.add_parser("screenshot", help="PNG of a rater's page (headless Chromium)")
    shot.add_argument("folder", help="study folder")
    shot.add_argument("--out", required=True, help="PNG file to write")
    shot.add_argument("--rater", default="rater01", help="whose page (default rater01)")
    shot.set_defaults(func=cmd_screenshot)
