"""The study design: balance over pairs and inputs, randomised order and sides, repeats."""

from __future__ import annotations

import itertools
from collections import Counter

from benchmark.study.design import REFERENCE, make_trials, repeat_count

INPUTS = [f"img{k}" for k in range(5)]
SPECS = ["m1", "m2", "m3", "m4"]


def _firsts(trials):
    return [t for t in trials if t.repeat_of is None]


def test_every_pair_and_input_appears_about_equally() -> None:
    trials = make_trials(INPUTS, SPECS, "pairs", raters=4, per_rater=60, seed=3)
    pairs = Counter(frozenset((t.left, t.right)) for t in _firsts(trials))
    assert set(pairs) == {frozenset(p) for p in itertools.combinations(SPECS, 2)}
    assert max(pairs.values()) - min(pairs.values()) <= 1
    inputs = Counter(t.image_id for t in _firsts(trials))
    assert set(inputs) == set(INPUTS) and max(inputs.values()) - min(inputs.values()) <= 2
    combos = Counter((t.image_id, frozenset((t.left, t.right))) for t in _firsts(trials))
    assert len(combos) == len(INPUTS) * 6  # every pair on every input
    assert max(combos.values()) - min(combos.values()) <= 1
    for rater in range(4):  # each rater, too, sees every pair about equally
        mine = Counter(frozenset((t.left, t.right)) for t in _firsts(trials) if t.rater == rater)
        assert max(mine.values()) - min(mine.values()) <= 2


def test_order_and_sides_are_randomised_per_rater_and_reproducible() -> None:
    trials = make_trials(INPUTS, SPECS, "pairs", raters=4, per_rater=60, seed=3)
    again = make_trials(INPUTS, SPECS, "pairs", raters=4, per_rater=60, seed=3)
    assert trials == again
    assert trials != make_trials(INPUTS, SPECS, "pairs", raters=4, per_rater=60, seed=4)
    sides = Counter(t.left == min(t.left, t.right) for t in trials)
    assert 0.35 < sides[True] / len(trials) < 0.65  # 240 coin flips
    orders = {
        tuple((t.image_id, t.left, t.right) for t in trials if t.rater == r)[:10] for r in range(4)
    }
    assert len(orders) == 4
    positions = Counter(t.rater for t in trials)
    assert set(positions.values()) == {60}
    for rater in range(4):
        assert sorted(t.position for t in trials if t.rater == rater) == list(range(60))


def test_repeats_are_about_ten_percent_swapped_and_later() -> None:
    trials = make_trials(INPUTS, SPECS, "pairs", raters=3, per_rater=50, seed=0)
    assert repeat_count(50, 0.1) == 5
    by_key = {(t.rater, t.position): t for t in trials}
    repeats = [t for t in trials if t.repeat_of is not None]
    assert Counter(t.rater for t in repeats) == {0: 5, 1: 5, 2: 5}
    for again in repeats:
        first = by_key[(again.rater, again.repeat_of)]
        assert first.repeat_of is None and again.position >= first.position + 3
        assert (again.image_id, again.left, again.right) == (
            first.image_id,
            first.right,
            first.left,
        )


def test_rating_design_shows_each_method_and_the_hidden_reference() -> None:
    trials = make_trials(INPUTS, SPECS, "rating", raters=2, per_rater=40, seed=1)
    shown = Counter(t.left for t in _firsts(trials))
    assert set(shown) == {*SPECS, REFERENCE} and all(t.right is None for t in trials)
    assert max(shown.values()) - min(shown.values()) <= 1
    assert make_trials(INPUTS, SPECS, "rating", 1, 1, 0.1) and repeat_count(1, 0.1) == 0
    for per_rater in range(1, 30):  # every rater gets exactly --per-rater items
        assert len(make_trials(INPUTS, SPECS, "pairs", 2, per_rater, 0.1)) == 2 * per_rater
