"""`study create`: a study folder from a run folder: study.sqlite, images/, raters.csv.

Images are re-encoded into images/ under random names (no method name in a file name, and no PNG
text chunk carried over), so nothing a rater's browser receives says which method made an image.
"""

from __future__ import annotations

import csv
import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import cv2

from .design import DESIGNS, REFERENCE, make_trials
from .source import INPUT, RunSource, StudyError, read_run
from .store import StudyStore, transaction

TOKEN_BYTES = 24  # secrets.token_urlsafe: 32 URL-safe characters, 192 random bits


@dataclass(frozen=True)
class StudyOptions:
    """What `study create` was asked for."""

    design: str = "pairs"
    raters: int = 4
    per_rater: int = 60
    repeat_share: float = 0.1
    seed: int = 0
    methods: tuple[str, ...] = ()


def rater_path(token: str) -> str:
    """The URL path of a rater's page."""
    return f"/r/{token}"


def create_study(run_dir: str | Path, out: str | Path, options: StudyOptions) -> Path:
    """Write the study folder `out` for the run at `run_dir`; returns the raters.csv path."""
    if options.design not in DESIGNS:
        raise StudyError(f"--design {options.design}: designs are {', '.join(DESIGNS)}")
    source = read_run(run_dir, list(options.methods) or None)
    if len(source.specs) < (2 if options.design == "pairs" else 1):
        raise StudyError(f"run {source.root} has too few methods for a {options.design} study")
    if not source.inputs:
        raise StudyError(
            f"run {source.root} kept no sample images of every method (samples/): rerun it, "
            "or pick --methods that all have samples"
        )
    try:
        trials = make_trials(
            source.inputs,
            source.specs,
            options.design,
            options.raters,
            options.per_rater,
            options.repeat_share,
            options.seed,
        )
    except ValueError as exc:
        raise StudyError(str(exc)) from None
    store = StudyStore(out)
    conn = store.create()
    try:
        with transaction(conn):
            _write_meta(conn, source, options, len(trials))
            method_ids = _write_methods(conn, source, options.design)
            input_ids = _write_inputs(conn, source, method_ids, store.folder / "images")
            tokens = _write_raters(conn, options.raters)
            _write_items(conn, trials, tokens, method_ids, input_ids)
    finally:
        conn.close()
    return _write_raters_csv(store.folder, tokens)


def _write_meta(conn: sqlite3.Connection, source: RunSource, options: StudyOptions, n: int) -> None:
    """The study's settings, its run and the per-image metric values it will be held against."""
    values = [
        {"spec": spec, "image_id": image_id, **scores}
        for (spec, image_id), scores in sorted(source.values.items())
    ]
    meta = {
        "design": options.design,
        "run": str(source.root.resolve()),
        "run_id": source.run_id,
        "specs": source.specs,
        "skipped_specs": source.skipped,
        "inputs": source.inputs,
        "raters": options.raters,
        "per_rater": options.per_rater,
        "repeat_share": options.repeat_share,
        "seed": options.seed,
        "items": n,
        "metrics": source.metrics,
        "metric_values": values,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "simulated": False,
    }
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
    )


def _write_methods(conn: sqlite3.Connection, source: RunSource, design: str) -> dict[str, int]:
    """Method rows in a random order (ids say nothing about the method); spec -> id."""
    specs = [*source.specs, *([REFERENCE] if design == "rating" else [])]
    order = list(specs)
    secrets.SystemRandom().shuffle(order)
    ids = {}
    for spec in order:
        ids[spec] = int(conn.execute("INSERT INTO methods (spec) VALUES (?)", (spec,)).lastrowid)
    return ids


def _write_inputs(
    conn: sqlite3.Connection, source: RunSource, method_ids: dict[str, int], folder: Path
) -> dict[str, int]:
    """Input rows and their images (input, and each method's output) under random names."""
    folder.mkdir(parents=True, exist_ok=True)
    ids: dict[str, int] = {}
    for image_id in source.inputs:
        input_id = int(
            conn.execute("INSERT INTO inputs (image_id) VALUES (?)", (image_id,)).lastrowid
        )
        ids[image_id] = input_id
        shown = [(None, INPUT), *((mid, spec) for spec, mid in method_ids.items())]
        for method_id, spec in shown:
            sample = source.image_path(INPUT if spec == REFERENCE else spec, image_id)
            name = _copy_image(sample, folder)
            conn.execute(
                "INSERT INTO images (input_id, method_id, file) VALUES (?, ?, ?)",
                (input_id, method_id, name),
            )
    return ids


def _copy_image(sample: Path, folder: Path) -> str:
    """Re-encode `sample` as folder/<random>.png (drops metadata); returns the file name."""
    image = cv2.imread(str(sample), cv2.IMREAD_COLOR)
    if image is None:
        raise StudyError(f"cannot read sample image {sample}: rerun the run or delete it")
    name = f"{secrets.token_hex(12)}.png"
    if not cv2.imwrite(str(folder / name), image):
        raise StudyError(f"cannot write {folder / name}: check the disk and permissions")
    return name


def _write_raters(conn: sqlite3.Connection, raters: int) -> dict[str, str]:
    """Rater rows with random tokens; name -> token."""
    tokens = {f"rater{k + 1:02d}": secrets.token_urlsafe(TOKEN_BYTES) for k in range(raters)}
    conn.executemany("INSERT INTO raters (name, token) VALUES (?, ?)", list(tokens.items()))
    return tokens


def _write_items(
    conn: sqlite3.Connection,
    trials: list,
    tokens: dict[str, str],
    method_ids: dict[str, int],
    input_ids: dict[str, int],
) -> None:
    """Item rows in each rater's order; a repeat links to its original's item id."""
    names = list(tokens)
    rater_ids = {
        name: int(conn.execute("SELECT rater_id FROM raters WHERE name = ?", (name,)).fetchone()[0])
        for name in names
    }
    item_ids: dict[tuple[int, int], int] = {}
    for trial in sorted(trials, key=lambda t: (t.rater, t.position)):
        rater_id = rater_ids[names[trial.rater]]
        original = None if trial.repeat_of is None else item_ids[(trial.rater, trial.repeat_of)]
        cursor = conn.execute(
            "INSERT INTO items (rater_id, position, input_id, left_method, right_method, "
            "repeat_of) VALUES (?, ?, ?, ?, ?, ?)",
            (
                rater_id,
                trial.position,
                input_ids[trial.image_id],
                method_ids[trial.left],
                None if trial.right is None else method_ids[trial.right],
                original,
            ),
        )
        item_ids[(trial.rater, trial.position)] = int(cursor.lastrowid)


def _write_raters_csv(folder: Path, tokens: dict[str, str]) -> Path:
    """raters.csv: rater, token, URL path (for the person running the study; keep it private)."""
    path = folder / "raters.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rater", "token", "url_path"])
        for name, token in tokens.items():
            writer.writerow([name, token, rater_path(token)])
    return path
