"""`study simulate`: fill a study with simulated votes, for examples, tests and dry runs.

Each simulated rater sees the study's own items and answers from a planted quality per
(method, input), Thurstone style: the quality is the input's z-scored value of a metric of the run
(`--like`, e.g. psnr) or, without one, an evenly spaced ranking of the methods; the rater adds
Gaussian noise (`--noise`) and answers "equal" when the two noisy qualities are within
`tie_margin`. The store is marked simulated, and `results` says so in every table it writes.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np

from .design import REFERENCE
from .source import StudyError
from .store import StudyStore, transaction

TIE_MARGIN = 0.15


def planted_quality(meta: dict, like: str | None) -> dict[tuple[str, str], float]:
    """Quality per (spec, image_id): the metric `like` z-scored per input, or a fixed ranking."""
    specs, inputs = list(meta["specs"]), list(meta["inputs"])
    if like is None:
        steps = np.linspace(1.0, -1.0, len(specs))
        quality = {(s, i): float(steps[k]) for k, s in enumerate(specs) for i in inputs}
    else:
        if like not in meta["metrics"]:
            raise StudyError(
                f"--like {like}: not a metric of this study ({', '.join(meta['metrics'])})"
            )
        sign = 1.0 if meta["metrics"][like] else -1.0
        quality = {}
        for image_id in inputs:
            got = {
                row["spec"]: sign * row[like]
                for row in meta["metric_values"]
                if row["image_id"] == image_id and like in row
            }
            values = np.array(list(got.values()), dtype=float)
            scale = values.std() or 1.0
            for spec, value in got.items():
                quality[(spec, image_id)] = float((value - values.mean()) / scale)
    for image_id in inputs:  # the unprocessed input: worse than every method, on average
        quality[(REFERENCE, image_id)] = -1.5
    return quality


def simulate_votes(
    folder: str, noise: float = 0.7, like: str | None = None, seed: int = 0, share: float = 1.0
) -> int:
    """Answer the unanswered items (`share` of each rater's, in order); returns votes added."""
    store = StudyStore(folder)
    meta = store.meta()
    quality = planted_quality(meta, like)
    rng = np.random.default_rng(seed)
    added = 0
    with store.open() as conn, transaction(conn):
        raters = [r[0] for r in conn.execute("SELECT rater_id FROM raters ORDER BY rater_id")]
        for rater in raters:
            rows = conn.execute(
                "SELECT i.*, n.image_id, lm.spec AS lspec, rm.spec AS rspec FROM items i "
                "JOIN inputs n ON n.input_id = i.input_id "
                "JOIN methods lm ON lm.method_id = i.left_method "
                "LEFT JOIN methods rm ON rm.method_id = i.right_method "
                "LEFT JOIN votes v ON v.item_id = i.item_id "
                "WHERE i.rater_id = ? AND v.vote_id IS NULL ORDER BY i.position",
                (rater,),
            ).fetchall()
            for row in rows[: round(len(rows) * share)]:
                left = quality[(row["lspec"], row["image_id"])] + rng.normal(0, noise)
                choice, score = None, None
                if row["rspec"] is None:
                    score = int(np.clip(np.rint(3 + 1.2 * left), 1, 5))
                else:
                    right = quality[(row["rspec"], row["image_id"])] + rng.normal(0, noise)
                    gap = left - right
                    choice = "equal" if abs(gap) < TIE_MARGIN else ("left" if gap > 0 else "right")
                conn.execute(
                    "INSERT INTO votes (item_id, rater_id, left_method, right_method, choice, "
                    "score, seconds, voted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        row["item_id"],
                        rater,
                        row["left_method"],
                        row["right_method"],
                        choice,
                        score,
                        float(rng.gamma(4.0, 1.0)),
                        datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                    ),
                )
                added += 1
        simulation = {"noise": noise, "like": like, "seed": seed}
        conn.execute("UPDATE meta SET value = ? WHERE key = 'simulated'", (json.dumps(simulation),))
    return added
