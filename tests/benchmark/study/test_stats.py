"""The study statistics on known cases: planted rankings, perfect and random raters.

References: Bradley-Terry recovery is checked against the strengths the votes were drawn from;
Krippendorff's alpha is 1 for raters who always agree and about 0 for raters answering at random
(Krippendorff 2011, "Computing Krippendorff's alpha-reliability"), and on the textbook
reliability matrix of that paper (nominal alpha 0.743) via the `krippendorff` package we call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau

from benchmark.study.agreement import (
    agreement_share,
    krippendorff_alpha,
    metric_table,
    pair_shares,
    preferences,
    self_consistency,
)
from benchmark.study.stats import bradley_terry, bt_table, mos_table, outcomes, win_matrix

SPECS = ["a", "b", "c", "d", "e"]
STRENGTH = {"a": 1.5, "b": 0.8, "c": 0.0, "d": -0.7, "e": -1.6}  # planted log-strengths


def simulated_votes(
    n_raters: int, n_inputs: int, per_pair: int, rng: np.random.Generator, random: bool = False
) -> pd.DataFrame:
    """Votes drawn from a Bradley-Terry model with STRENGTH (or coin flips when `random`)."""
    rows, item = [], 0
    for rater in range(n_raters):
        for image in range(n_inputs):
            for i, a in enumerate(SPECS):
                for b in SPECS[i + 1 :]:
                    for _ in range(per_pair):
                        p = 0.5 if random else 1 / (1 + np.exp(STRENGTH[b] - STRENGTH[a]))
                        left, right = (a, b) if rng.random() < 0.5 else (b, a)
                        a_wins = rng.random() < p
                        choice = "left" if (a_wins == (left == a)) else "right"
                        rows.append((item, f"r{rater}", f"i{image}", left, right, choice))
                        item += 1
    frame = pd.DataFrame(rows, columns=["item_id", "rater", "image_id", "left", "right", "choice"])
    return frame.assign(vote_id=frame["item_id"], repeat_of=np.nan, score=np.nan, seconds=1.0)


def test_bradley_terry_recovers_a_planted_ranking() -> None:
    votes = simulated_votes(6, 5, 3, np.random.default_rng(0))
    table, _ = bt_table(votes, SPECS, n_boot=200)
    assert table["spec"].tolist() == SPECS  # best first, the planted order
    fitted = dict(zip(table["spec"], table["bt_score"], strict=True))
    planted = np.array([STRENGTH[s] for s in SPECS]) - np.mean(list(STRENGTH.values()))
    assert np.abs(np.array([fitted[s] for s in SPECS]) - planted).max() < 0.35
    covered = [
        lo <= p <= hi
        for lo, hi, p in zip(
            table.set_index("spec").loc[SPECS, "ci_low"],
            table.set_index("spec").loc[SPECS, "ci_high"],
            planted,
            strict=True,
        )
    ]
    assert sum(covered) >= 4  # 95% intervals: nearly all cover the truth
    assert (table["ci_low"] < table["bt_score"]).all() and (
        table["bt_score"] < table["ci_high"]
    ).all()


def test_ties_count_half_a_win_each() -> None:
    frame = pd.DataFrame(
        {
            "rater": ["r"] * 3,
            "image_id": ["i"] * 3,
            "left": ["a", "b", "a"],
            "right": ["b", "a", "b"],
            "choice": ["left", "equal", "equal"],
        }
    )
    matrix = win_matrix(outcomes(frame), ["a", "b"])
    assert matrix.tolist() == [[0.0, 2.0], [1.0, 0.0]]
    even = win_matrix(outcomes(frame.assign(choice="equal")), ["a", "b"])
    assert np.allclose(bradley_terry(even), 0.0)


def test_krippendorff_alpha_of_perfect_and_random_raters() -> None:
    rng = np.random.default_rng(1)
    perfect = simulated_votes(4, 6, 1, rng)
    # perfect raters: every rater gives the first rater's answer on the same unit
    first = perfect[perfect["rater"] == "r0"].set_index(["image_id", "left", "right"])["choice"]
    same = perfect.copy()
    for k, row in same.iterrows():
        key = (row["image_id"], row["left"], row["right"])
        flipped = (row["image_id"], row["right"], row["left"])
        if key in first.index:
            same.loc[k, "choice"] = first[key]
        else:
            same.loc[k, "choice"] = {"left": "right", "right": "left"}[first[flipped]]
    assert krippendorff_alpha(same, SPECS, "pairs") == pytest.approx(1.0)
    noise = [
        krippendorff_alpha(simulated_votes(4, 6, 1, rng, random=True), SPECS, "pairs")
        for _ in range(5)
    ]
    assert abs(np.mean(noise)) < 0.1
    assert krippendorff_alpha(simulated_votes(4, 6, 1, rng), SPECS, "pairs") > 0.2  # real signal


def test_krippendorff_package_on_the_textbook_example() -> None:
    import krippendorff

    nan = np.nan  # Krippendorff (2011), section C: 4 observers x 12 units, nominal alpha 0.743
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    assert krippendorff.alpha(data, level_of_measurement="nominal") == pytest.approx(
        0.743, abs=1e-3
    )


def test_self_consistency_compares_the_preferred_method_not_the_side() -> None:
    votes = pd.DataFrame(
        {
            "item_id": [1, 2, 3, 4],
            "vote_id": [1, 2, 3, 4],
            "rater": ["r"] * 4,
            "image_id": ["i"] * 4,
            "left": ["a", "b", "a", "b"],
            "right": ["b", "a", "c", "a"],
            "choice": ["left", "right", "left", "left"],
            "repeat_of": [np.nan, 1, np.nan, 3],
            "score": np.nan,
            "seconds": 1.0,
        }
    )
    votes.loc[3, ["left", "right"]] = ["c", "a"]  # item 4 repeats item 3 swapped; rater changed
    table = self_consistency(votes, "pairs")
    assert table.loc[0, "repeats"] == 2 and table.loc[0, "same_answer"] == pytest.approx(0.5)


def test_metric_agreement_and_tau_of_a_perfect_and_an_inverted_metric() -> None:
    votes = simulated_votes(3, 4, 1, np.random.default_rng(2))
    values = {
        (s, f"i{k}"): {"good": STRENGTH[s] + 0.01 * k, "bad": STRENGTH[s]}
        for s in SPECS
        for k in range(4)
    }
    prefs = preferences(votes, SPECS, "pairs")
    decisive = prefs[prefs != 0]
    expected = np.mean(
        [(np.sign(p) == np.sign(STRENGTH[a] - STRENGTH[b])) for (_, a, b), p in decisive.items()]
    )
    assert agreement_share(prefs, values, "good", True) == pytest.approx(expected)
    assert agreement_share(prefs, values, "bad", False) == pytest.approx(1 - expected)
    readers = dict(STRENGTH)
    table = metric_table(votes, SPECS, "pairs", readers, values, {"good": True, "bad": False}, 100)
    row = table.set_index("metric")
    assert row.loc["good", "kendall_tau"] == pytest.approx(1.0)
    assert row.loc["bad", "kendall_tau"] == pytest.approx(-1.0)
    assert row.loc["good", "ci_low"] <= row.loc["good", "agreement"] <= row.loc["good", "ci_high"]
    assert kendalltau([1, 2, 3], [1, 2, 3])[0] == pytest.approx(1.0)


def test_the_fast_bootstrap_statistic_equals_the_plain_one() -> None:
    rng = np.random.default_rng(5)
    votes = simulated_votes(3, 4, 2, rng)
    votes.loc[votes.index[::7], "choice"] = "equal"
    values = {
        (s, f"i{k}"): {"m": float(rng.normal()), "n": float(rng.integers(0, 2))}
        for s in SPECS
        for k in range(4)
    }
    metrics = {"m": True, "n": False}
    fast = pair_shares(votes, SPECS, values, metrics)
    for _ in range(5):
        w = rng.integers(0, 3, len(votes)).astype(float)
        prefs = preferences(votes, SPECS, "pairs", w)
        slow = [agreement_share(prefs, values, name, higher) for name, higher in metrics.items()]
        assert fast(w) == pytest.approx(slow)


def test_mos_and_dmos_of_a_planted_rating_study() -> None:
    rows = []
    for rater in range(3):
        for image in range(4):
            for spec, score in (("a", 5), ("b", 3), ("__input__", 2)):
                rows.append((len(rows), f"r{rater}", f"i{image}", spec, score))
    votes = pd.DataFrame(rows, columns=["item_id", "rater", "image_id", "left", "score"])
    votes = votes.assign(
        vote_id=votes["item_id"], right=None, choice=None, repeat_of=np.nan, seconds=1.0
    )
    table = mos_table(votes, ["a", "b"], "__input__", n_boot=50).set_index("spec")
    assert (
        table.loc["a", "mos"] == 5
        and table.loc["b", "mos"] == 3
        and table.loc["__input__", "mos"] == 2
    )
    assert table.loc["a", "dmos"] == 8 and table.loc["b", "dmos"] == 6  # not clipped at 5
    assert (
        table.loc["a", "rank"] == 1 and table.loc["a", "ci_low"] == table.loc["a", "ci_high"] == 5
    )
