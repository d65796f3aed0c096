"""Which items each rater sees: balanced over method pairs (or methods) and inputs, with repeats.

The comparisons (input x pair for `pairs`, input x condition for `rating`) are laid out in blocks
that hold every pair once (inputs rotated), so any stretch of the sequence shows each pair about
equally often and the inputs spread evenly; raters take consecutive stretches, so the counts over
the whole study differ by at most one per pair. Each rater's order and left/right sides are
randomised, and about `repeat_share` of the items come back later with their sides swapped, to
measure the rater's consistency.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

DESIGNS = ("pairs", "rating")
REFERENCE = "__input__"  # the hidden reference condition of a rating study (the unprocessed input)
MIN_REPEAT_GAP = 3  # a repeat is shown at least this many items after its original


@dataclass(frozen=True)
class Trial:
    """One item shown to one rater: an input and two outputs (or one, for `rating`)."""

    rater: int
    position: int
    image_id: str
    left: str  # the spec on the left (the only one shown for `rating`)
    right: str | None  # None for the rating design
    repeat_of: int | None = None  # the position of the original this repeats, if a repeat


def conditions(specs: Sequence[str], design: str) -> list[tuple[str, ...]]:
    """What is compared on each input: every unordered pair of specs, or each spec + reference."""
    if design == "pairs":
        if len(specs) < 2:
            raise ValueError("a paired study needs at least two methods")
        return list(itertools.combinations(specs, 2))
    if design == "rating":
        return [(s,) for s in (*specs, REFERENCE)]
    raise ValueError(f"unknown design {design!r} (designs: {', '.join(DESIGNS)})")


def balanced_sequence(
    inputs: Sequence[str], conds: Sequence[tuple[str, ...]], length: int, rng: random.Random
) -> list[tuple[str, tuple[str, ...]]]:
    """`length` (input, condition) comparisons: rounds of all of them, in blocks of every pair."""
    if not inputs:
        raise ValueError("no inputs to show")
    out: list[tuple[str, tuple[str, ...]]] = []
    while len(out) < length:
        blocks = [
            [(inputs[(p + j) % len(inputs)], cond) for p, cond in enumerate(conds)]
            for j in range(len(inputs))
        ]
        rng.shuffle(blocks)
        for block in blocks:
            rng.shuffle(block)
            out.extend(block)
    return out[:length]


def repeat_count(per_rater: int, repeat_share: float) -> int:
    """How many of a rater's `per_rater` items are repeats (about `repeat_share`, at least one)."""
    if per_rater < 2 or repeat_share <= 0:
        return 0
    count = max(1, min(per_rater // 2, round(per_rater * repeat_share)))
    while count > 0 and per_rater - count - MIN_REPEAT_GAP < count:  # each needs room after it
        count -= 1
    return count


def make_trials(
    inputs: Sequence[str],
    specs: Sequence[str],
    design: str,
    raters: int,
    per_rater: int,
    repeat_share: float = 0.1,
    seed: int = 0,
) -> list[Trial]:
    """Every rater's items in showing order: balanced, randomised, with swapped-side repeats."""
    if raters < 1 or per_rater < 1:
        raise ValueError("--raters and --per-rater must be at least 1")
    rng = random.Random(seed)
    conds = conditions(specs, design)
    repeats = repeat_count(per_rater, repeat_share)
    base = per_rater - repeats
    sequence = balanced_sequence(inputs, conds, raters * base, rng)
    trials: list[Trial] = []
    for rater in range(raters):
        chunk = sequence[rater * base : (rater + 1) * base]
        rng.shuffle(chunk)
        trials.extend(_rater_trials(rater, chunk, repeats, design, rng))
    return trials


def _rater_trials(
    rater: int,
    chunk: list[tuple[str, tuple[str, ...]]],
    repeats: int,
    design: str,
    rng: random.Random,
) -> list[Trial]:
    """One rater's trials: `chunk` with random sides, and `repeats` of them again, swapped."""
    shown: list[list] = []  # [image_id, left, right, original entry or None]
    for image_id, cond in chunk:
        if design == "pairs":
            left, right = cond if rng.random() < 0.5 else (cond[1], cond[0])
            shown.append([image_id, left, right, None])
        else:
            shown.append([image_id, cond[0], None, None])
    candidates = list(range(max(0, len(shown) - MIN_REPEAT_GAP)))
    for original in sorted(rng.sample(candidates, min(repeats, len(candidates))), reverse=True):
        entry = shown[original]
        image_id, left, right, _ = entry
        swapped = (
            [image_id, right, left, entry] if right is not None else [image_id, left, None, entry]
        )
        shown.insert(rng.randint(original + MIN_REPEAT_GAP, len(shown)), swapped)
    index = {id(entry): k for k, entry in enumerate(shown)}
    return [
        Trial(rater, k, image_id, left, right, None if orig is None else index[id(orig)])
        for k, (image_id, left, right, orig) in enumerate(shown)
    ]
