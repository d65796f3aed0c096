"""A run directory that survives interruption: manifest, append-only CSV rows, resume.

Rows are appended and flushed (fsync) as they are computed. On start-up a torn last line from a
killed process is cut off, so a resumed run neither loses nor duplicates rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..csv_cells import guard_row, unguard_frame
from ..errors import RunConflictError, RunFolderError, one_line
from ..files import atomic_write_json, atomic_write_text, safe_name
from ..metrics import all_metrics, default_metrics, metric_names
from .manifest import RunManifest, parse_manifest

ROW_KEYS = ("spec", "method", "image_id", "group")
OUTCOME_FIELDS = ("seconds", "status", "error", "device")
#: metrics of a run whose manifest names none (runs before metric sets): the paired defaults
LEGACY_METRICS = tuple(metric_names(default_metrics()))
#: per_image.csv columns of a default paired run: the row's keys, its metrics, then outcome
PER_IMAGE_FIELDS = (*ROW_KEYS, *LEGACY_METRICS, *OUTCOME_FIELDS)


def per_image_fields(metrics: Iterable[str]) -> tuple[str, ...]:
    """per_image.csv columns for a run that computes `metrics` (in that order)."""
    return (*ROW_KEYS, *metrics, *OUTCOME_FIELDS)


METHOD_FIELDS = (
    "spec",
    "method",
    "display_name",
    "kind",
    "status",
    "reason",
    "params",
    "file_size_bytes",
    "macs",
    "latency_median_ms",
    "latency_p90_ms",
    "latency_repeats",
    "latency_repeats_ms",
    "peak_memory_bytes",
    "eval_height",
    "eval_width",
    "device",
    "device_name",
    "weights_source",
    "weights_sha256",
    "backend",
    "backend_path",
    "precision",
    "compile_seconds",
    "max_abs_diff_vs_eager",
)
#: columns that hold text (everything else in a run CSV is a number or empty)
TEXT_FIELDS = frozenset(
    {"spec", "method", "image_id", "group", "status", "error", "display_name", "kind", "reason"}
    | {"latency_repeats_ms", "device", "device_name", "weights_source", "weights_sha256"}
    | {"backend", "backend_path", "precision"}
)
#: columns that must hold numbers (or nothing)
NUMERIC_FIELDS = frozenset(
    {*metric_names(all_metrics()), "seconds", "params", "file_size_bytes", "macs"}
    | {"latency_median_ms", "latency_p90_ms", "latency_repeats", "peak_memory_bytes"}
    | {"eval_height", "eval_width"}
)
#: sample folders of the reference images (method names never start with '_')
REFERENCE_SAMPLES = ("_hazy", "_clear")
#: manifest keys that must agree for a run id to be resumed
IDENTITY_KEYS = (
    "dataset_fingerprint",
    "split",
    "limit",
    "specs",
    "weights",
    "metrics",
    "metric_models",
)


def repair_torn_tail(path: Path) -> None:
    """Cut a partial last line (a write interrupted by kill -9 or power loss)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as handle:
        data = handle.read()
        if data.endswith(b"\n"):
            return
        cut = data.rfind(b"\n") + 1
        handle.truncate(cut)


class CsvAppender:
    """Appends dict rows to a CSV with a fixed header, flushing each batch to disk."""

    def __init__(self, path: Path, fields: Iterable[str]) -> None:
        self.path = path
        repair_torn_tail(path)
        new = not path.exists() or path.stat().st_size == 0
        # a file written by an older version keeps its own header (new columns are dropped)
        self.fields = tuple(fields) if new else _header(path)
        self.handle = open(path, "a", newline="", encoding="utf-8")  # noqa: SIM115
        self.writer = csv.DictWriter(self.handle, fieldnames=self.fields, extrasaction="ignore")
        if new:
            self.writer.writeheader()
            self.flush()

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Append rows and make them durable before returning."""
        for row in rows:
            self.writer.writerow(guard_row(row))  # raw ids come back through _read_csv
        self.flush()

    def flush(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> CsvAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RunStore:
    """Files of one run: reports/runs/<run-id>/{manifest.json, per_image.csv, methods.csv}."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.manifest_path = self.root / "manifest.json"
        self.per_image_path = self.root / "per_image.csv"
        self.methods_path = self.root / "methods.csv"
        self.figures = self.root / "figures"
        self.samples = self.root / "samples"

    # --- manifest -----------------------------------------------------------------------
    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> dict[str, Any]:
        """The manifest; a missing or corrupt one is a RunFolderError naming the file."""
        if not self.manifest_path.is_file():
            raise RunFolderError(f"{self.root} is not a run folder (no manifest.json inside)")
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RunFolderError(
                f"{self.manifest_path} is corrupt ({exc}): restore it, or start a new --run-id"
            ) from None
        if not isinstance(manifest, dict):
            raise RunFolderError(f"{self.manifest_path} is corrupt (not a JSON object)")
        parse_manifest(manifest, str(self.manifest_path))  # a newer schema: refused in one line
        return manifest

    def manifest(self) -> RunManifest:
        """The manifest, typed (schema 1 folders read the same)."""
        return parse_manifest(self.read_manifest(), str(self.manifest_path))

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a manifest."""
        atomic_write_json(self.manifest_path, manifest)

    def check_identity(self, manifest: Mapping[str, Any]) -> None:
        """Refuse to resume a run id that was started with other data or methods."""
        old = {"metrics": list(LEGACY_METRICS), **self.read_manifest()}
        for key in IDENTITY_KEYS:
            if key in manifest and old.get(key) != manifest.get(key):
                raise RunConflictError(
                    f"run id {self.root.name!r} exists with a different {key.replace('_', ' ')} "
                    f"({_difference(old.get(key), manifest.get(key))}): "
                    "choose another --run-id or delete that run folder"
                )

    # --- rows ---------------------------------------------------------------------------
    def metric_names(self) -> list[str]:
        """The metrics this run computes (its manifest's list; the paired defaults before that)."""
        if self.exists():
            names = self.read_manifest().get("metrics")
            if isinstance(names, list) and names:
                return [str(n) for n in names]
        return list(LEGACY_METRICS)

    def per_image_writer(self, metrics: Iterable[str] | None = None) -> CsvAppender:
        """Appender for per_image.csv with a column per metric (default: the run's metrics)."""
        self.root.mkdir(parents=True, exist_ok=True)
        names = self.metric_names() if metrics is None else list(metrics)
        return CsvAppender(self.per_image_path, per_image_fields(names))

    def methods_writer(self, extra: Iterable[str] = ()) -> CsvAppender:
        """methods.csv, with `extra` columns (e.g. per --profile-size) after the fixed ones."""
        self.root.mkdir(parents=True, exist_ok=True)
        return CsvAppender(self.methods_path, (*METHOD_FIELDS, *extra))

    def drop_failed_rows(self) -> int:
        """Remove error rows (atomically) so that a resumed run retries them; returns how many."""
        if not self.per_image_path.is_file():
            return 0
        repair_torn_tail(self.per_image_path)
        with open(self.per_image_path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields = reader.fieldnames or list(per_image_fields(self.metric_names()))
            rows = list(reader)
        kept = [row for row in rows if row.get("status") == "ok"]
        if len(kept) == len(rows):
            return 0
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
        atomic_write_text(self.per_image_path, text.getvalue())
        return len(rows) - len(kept)

    def per_image(self) -> pd.DataFrame:
        """All per-image rows (first occurrence wins if a row was ever written twice)."""
        frame = _read_csv(self.per_image_path, per_image_fields(self.metric_names()))
        return frame.drop_duplicates(subset=["spec", "image_id"], keep="first").reset_index(
            drop=True
        )

    def methods(self) -> pd.DataFrame:
        """One row per method spec (the last written wins: a re-profile replaces the old)."""
        frame = _read_csv(self.methods_path, METHOD_FIELDS)
        return frame.drop_duplicates(subset=["spec"], keep="last").reset_index(drop=True)

    def sample_path(self, spec: str, image_id: str) -> Path:
        """Where the enhanced sample of `spec` (or `_hazy`/`_clear`) for `image_id` is kept."""
        folder = spec if spec in REFERENCE_SAMPLES else safe_name(spec)
        return self.samples / folder / f"{safe_name(image_id)}.png"

    def done_images(self, spec: str) -> set[str]:
        """Image ids that `spec` has scored (an ok row)."""
        frame = self.per_image()
        done = (frame["spec"] == spec) & (frame["status"] == "ok")
        return set(frame.loc[done, "image_id"].astype(str))


def _header(path: Path) -> tuple[str, ...]:
    """The column names of an existing CSV file."""
    with open(path, newline="", encoding="utf-8") as handle:
        return tuple(next(csv.reader(handle), ()))


def _read_csv(path: Path, fields: tuple[str, ...]) -> pd.DataFrame:
    """The rows of a run CSV, read-only: a torn last line is ignored, never cut off here."""
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame(columns=list(fields))
    data = path.read_bytes()
    data = data[: data.rfind(b"\n") + 1]  # a line still being written is not a row yet
    if not data:
        return pd.DataFrame(columns=list(fields))
    try:
        frame = unguard_frame(pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False))
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RunFolderError(f"{path} is corrupt ({one_line(exc)}): restore it") from None
    for field in fields:
        if field not in frame.columns:
            frame[field] = ""
    return _typed(frame, path)


def _typed(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Numbers where numbers belong; a cell that is not one is a RunFolderError naming it."""
    for column in frame.columns:
        if column in TEXT_FIELDS:
            continue
        text = frame[column].astype(str).str.strip()
        empty = text.isin(["", "nan", "NaN"])
        values = pd.to_numeric(text.mask(empty), errors="coerce")
        bad = values.isna() & ~empty
        if bad.any() and column in NUMERIC_FIELDS:
            line = int(bad.to_numpy().nonzero()[0][0]) + 2  # the header is line 1
            raise RunFolderError(
                f"{path}, line {line}: {column} = {text[bad].iloc[0]!r} is not a number "
                "(the file was edited or damaged): fix or delete that line"
            )
        if not bad.any():  # a column of numbers (unknown columns that hold text stay text)
            frame[column] = values.astype(float)
    return frame


def _difference(old: Any, new: Any) -> str:
    """What differs between the run's value and the asked one, never cut where they differ."""
    if isinstance(old, list) and isinstance(new, list):
        gone = [x for x in old if x not in new]
        added = [x for x in new if x not in old]
        if gone or added:
            parts = [f"only in the run: {_short(gone, 200)}"] if gone else []
            parts += [f"only asked now: {_short(added, 200)}"] if added else []
            return "; ".join(parts)
        return f"the same {len(old)} in another order: {_short(old, 200)} vs now {_short(new, 200)}"
    return f"{_short(old)} vs now {_short(new)}"


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."
