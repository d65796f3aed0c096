"""study.sqlite, the one store of a study: its settings, methods, inputs, raters, items and votes.

SQLite in WAL mode with synchronous=FULL: a vote is acknowledged only after its transaction has
committed, and a committed transaction survives the server being killed (kill -9) or the machine
losing power. Each request opens its own connection, so threads never share one; writers queue on
SQLite's lock (busy_timeout). `UNIQUE(item_id)` on votes means an item is never answered twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from .source import StudyError

STORE_NAME = "study.sqlite"
CHOICES = ("left", "right", "equal")
BUSY_TIMEOUT_MS = 30_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS methods (method_id INTEGER PRIMARY KEY, spec TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS inputs (input_id INTEGER PRIMARY KEY, image_id TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS images (
    input_id INTEGER NOT NULL REFERENCES inputs, method_id INTEGER REFERENCES methods,
    file TEXT NOT NULL UNIQUE, UNIQUE (input_id, method_id));
CREATE TABLE IF NOT EXISTS raters (
    rater_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, token TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS items (
    item_id INTEGER PRIMARY KEY, rater_id INTEGER NOT NULL REFERENCES raters,
    position INTEGER NOT NULL, input_id INTEGER NOT NULL REFERENCES inputs,
    left_method INTEGER REFERENCES methods, right_method INTEGER REFERENCES methods,
    repeat_of INTEGER REFERENCES items, UNIQUE (rater_id, position));
CREATE TABLE IF NOT EXISTS votes (
    vote_id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL UNIQUE REFERENCES items,
    rater_id INTEGER NOT NULL REFERENCES raters,
    left_method INTEGER REFERENCES methods, right_method INTEGER REFERENCES methods,
    choice TEXT CHECK (choice IN ('left', 'right', 'equal')),
    score INTEGER CHECK (score BETWEEN 1 AND 5),
    seconds REAL, voted_at TEXT NOT NULL,
    CHECK ((choice IS NULL) <> (score IS NULL)));
"""


def store_path(folder: str | Path) -> Path:
    """Where a study folder keeps its store."""
    return Path(folder) / STORE_NAME


def connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode with synchronous=FULL and foreign keys on."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): the write lock is taken up front."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class StudyStore:
    """Reads and writes of one study.sqlite; each call opens and closes its own connection."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.path = store_path(folder)

    @contextmanager
    def open(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection to an existing store (a StudyError when there is none)."""
        if not self.path.is_file():
            raise StudyError(
                f"{self.folder} is not a study folder (no {STORE_NAME}): make one with "
                "`python -m benchmark study create RUN --out FOLDER`"
            )
        with closing(connect(self.path)) as conn:
            yield conn

    def create(self) -> sqlite3.Connection:
        """A new, empty store with the schema (refuses to overwrite an existing one)."""
        if self.path.exists():
            raise StudyError(f"{self.path} exists: choose another --out or delete that folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        conn = connect(self.path)
        conn.executescript(SCHEMA)
        return conn

    # --- reads -----------------------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        """The study's settings (design, run folder, seed, ...), JSON-decoded."""
        with self.open() as conn:
            return {r["key"]: json.loads(r["value"]) for r in conn.execute("SELECT * FROM meta")}

    def rater_id(self, token: str) -> int | None:
        """The rater holding `token`, or None."""
        with self.open() as conn:
            row = conn.execute("SELECT rater_id FROM raters WHERE token = ?", (token,)).fetchone()
        return None if row is None else int(row["rater_id"])

    def next_item(self, rater_id: int) -> tuple[sqlite3.Row | None, int, int]:
        """The rater's first unanswered item (None when done), answered count and total."""
        with self.open() as conn:
            row = conn.execute(
                "SELECT i.item_id, i.position, i.right_method FROM items i "
                "LEFT JOIN votes v ON v.item_id = i.item_id "
                "WHERE i.rater_id = ? AND v.vote_id IS NULL ORDER BY i.position LIMIT 1",
                (rater_id,),
            ).fetchone()
            counts = conn.execute(
                "SELECT COUNT(*) AS total, COUNT(v.vote_id) AS done FROM items i "
                "LEFT JOIN votes v ON v.item_id = i.item_id WHERE i.rater_id = ?",
                (rater_id,),
            ).fetchone()
        return row, int(counts["done"]), int(counts["total"])

    def item(self, rater_id: int, item_id: int) -> sqlite3.Row | None:
        """The rater's item `item_id` (None when it is not theirs or does not exist)."""
        with self.open() as conn:
            return conn.execute(
                "SELECT * FROM items WHERE item_id = ? AND rater_id = ?", (item_id, rater_id)
            ).fetchone()

    def image_file(self, input_id: int, method_id: int | None) -> Path | None:
        """The stored image of a method (None: the input) on an input, inside the study folder."""
        with self.open() as conn:
            row = conn.execute(
                "SELECT file FROM images WHERE input_id = ? AND method_id IS ?",
                (input_id, method_id),
            ).fetchone()
        if row is None:
            return None  # absolute: Flask resolves relative paths against its package, not cwd
        return self.folder.resolve() / "images" / Path(row["file"]).name

    # --- writes ----------------------------------------------------------------------------
    def add_vote(
        self,
        item: Mapping[str, Any],
        choice: str | None,
        score: int | None,
        seconds: float | None,
        voted_at: str,
    ) -> bool:
        """Store one answer to `item` and commit; False (nothing written) if already answered."""
        with self.open() as conn, transaction(conn):
            cursor = conn.execute(
                "INSERT OR IGNORE INTO votes (item_id, rater_id, left_method, right_method, "
                "choice, score, seconds, voted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item["item_id"],
                    item["rater_id"],
                    item["left_method"],
                    item["right_method"],
                    choice,
                    score,
                    seconds,
                    voted_at,
                ),
            )
            return cursor.rowcount == 1

    def stored_answer(self, item_id: int) -> tuple[str | None, int | None] | None:
        """The (choice, score) already stored for an item, or None."""
        with self.open() as conn:
            row = conn.execute(
                "SELECT choice, score FROM votes WHERE item_id = ?", (item_id,)
            ).fetchone()
        return None if row is None else (row["choice"], row["score"])

    # --- analysis ----------------------------------------------------------------------------
    def votes_frame(self) -> pd.DataFrame:
        """One row per vote with rater, input, the specs shown, choice/score and repeat link."""
        query = """
            SELECT v.vote_id, v.item_id, r.name AS rater, n.image_id, i.position, i.repeat_of,
                   lm.spec AS left, rm.spec AS right, v.choice, v.score, v.seconds, v.voted_at
            FROM votes v JOIN items i ON i.item_id = v.item_id
            JOIN raters r ON r.rater_id = v.rater_id JOIN inputs n ON n.input_id = i.input_id
            LEFT JOIN methods lm ON lm.method_id = v.left_method
            LEFT JOIN methods rm ON rm.method_id = v.right_method
            ORDER BY r.name, i.position"""
        with self.open() as conn:
            return pd.read_sql_query(query, conn)

    def counts(self) -> dict[str, int]:
        """How many raters, items and votes the store holds."""
        with self.open() as conn:
            return {
                t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                for t in ("raters", "items", "votes")
            }
