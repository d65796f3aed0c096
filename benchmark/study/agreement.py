"""How far readers agree with each other, with themselves, and with each metric.

- Inter-rater agreement: Krippendorff's alpha (the `krippendorff` package) over comparison units
  (an input and a method pair: -1/0/+1, ordinal; or an input and a method: the 1-5 score,
  interval), first answer of each rater per unit. Which method of a pair counts as "first" is
  arbitrary, and alpha's expected disagreement depends on it, so each paired unit enters in both
  orientations (its values and their negatives): chance is then a fair coin per pair, a rater
  answering at random scores about 0 and raters who always agree score 1, whatever the order.
- Self-consistency: on each repeated item (shown again later with its sides swapped), whether the
  rater preferred the same method again (or "equal" again); for ratings, the same score again.
- Metric agreement: per unit (input, method pair) the readers' preference (share of wins, or the
  difference of mean scores); a metric agrees when it scores the preferred output better (a tie
  in the metric counts half). The share over decisive units has a 95% CI from the same raters x
  inputs bootstrap as the ranking; Kendall's tau (scipy) compares the metric's method ranking
  (mean over the study's inputs) with the readers'.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

import krippendorff
import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from .stats import WIN_OF_LEFT, bootstrap_ci, weighted_scores

MetricValues = Mapping[tuple[str, str], Mapping[str, float]]  # (spec, image_id) -> metric -> value


def first_answers(votes: pd.DataFrame) -> pd.DataFrame:
    """Votes on items that are not repeats."""
    return votes[votes["repeat_of"].isna()]


def pair_units(votes: pd.DataFrame, specs: Sequence[str]) -> pd.DataFrame:
    """Paired votes as units: (image_id, first, second) in spec order, value +1/0/-1 for first."""
    order = {s: k for k, s in enumerate(specs)}
    frame = votes[votes["choice"].notna()]
    flip = frame["left"].map(order) > frame["right"].map(order)
    win_left = frame["choice"].map(WIN_OF_LEFT)
    value = np.where(flip, 1 - win_left, win_left) * 2 - 1
    return pd.DataFrame(
        {
            "rater": frame["rater"].to_numpy(),
            "image_id": frame["image_id"].to_numpy(),
            "first": np.where(flip, frame["right"], frame["left"]),
            "second": np.where(flip, frame["left"], frame["right"]),
            "value": value,
        }
    )


def krippendorff_alpha(votes: pd.DataFrame, specs: Sequence[str], design: str) -> float:
    """Krippendorff's alpha over units (NaN when no unit was judged by two raters)."""
    votes = first_answers(votes)
    if design == "pairs":
        units = pair_units(votes, specs)
        units["unit"] = units["image_id"] + "|" + units["first"] + "|" + units["second"]
        level = "ordinal"
    else:
        units = votes[votes["score"].notna()].assign(value=votes["score"])
        units = units.assign(unit=units["image_id"] + "|" + units["left"])
        level = "interval"
    units = units.drop_duplicates(subset=["rater", "unit"], keep="first")
    table = units.pivot(index="rater", columns="unit", values="value")
    table = table.loc[:, table.notna().sum(axis=0) >= 2]
    if design == "pairs":  # both orientations of every unit (see the module docstring)
        table = pd.concat([table, -table.add_suffix("|flipped")], axis=1)
    if table.shape[1] == 0 or len(np.unique(table.to_numpy()[~np.isnan(table.to_numpy())])) < 2:
        return float("nan")
    return float(krippendorff.alpha(table.to_numpy(dtype=float), level_of_measurement=level))


def self_consistency(votes: pd.DataFrame, design: str) -> pd.DataFrame:
    """Per rater: repeated items answered twice, and the share answered the same both times."""
    by_item = votes.set_index("item_id")
    rows = []
    for rater, frame in votes[votes["repeat_of"].notna()].groupby("rater"):
        same, diffs = [], []
        for _, again in frame.iterrows():
            if again["repeat_of"] not in by_item.index:
                continue
            first = by_item.loc[again["repeat_of"]]
            if design == "pairs":
                same.append(_preferred(first) == _preferred(again))
            else:
                same.append(first["score"] == again["score"])
                diffs.append(abs(first["score"] - again["score"]))
        row = {
            "rater": rater,
            "repeats": len(same),
            "same_answer": np.mean(same) if same else np.nan,
        }
        if design != "pairs":
            row["mean_abs_difference"] = np.mean(diffs) if diffs else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _preferred(vote: pd.Series) -> str:
    """The spec a paired vote preferred, or 'equal'."""
    if vote["choice"] == "equal":
        return "equal"
    return str(vote["left"] if vote["choice"] == "left" else vote["right"])


def preferences(
    votes: pd.DataFrame, specs: Sequence[str], design: str, weights: np.ndarray | None = None
) -> pd.Series:
    """Readers' preference per (image_id, first, second): >0 first preferred, <0 second."""
    if design == "pairs":
        units = pair_units(votes, specs)
        w = np.ones(len(units)) if weights is None else weights[votes["choice"].notna().to_numpy()]
        units = units.assign(w=w, wv=w * units["value"])
        sums = units.groupby(["image_id", "first", "second"])[["w", "wv"]].sum()
        sums = sums[sums["w"] > 0]
        return sums["wv"] / sums["w"]
    means = weighted_scores(votes, weights)
    out = {}
    for image_id, row in means.unstack("spec").iterrows():
        for first, second in itertools.combinations(specs, 2):
            if first in row and second in row and pd.notna(row[first]) and pd.notna(row[second]):
                out[(image_id, first, second)] = row[first] - row[second]
    return pd.Series(out, dtype=float)


def agreement_share(prefs: pd.Series, values: MetricValues, metric: str, higher: bool) -> float:
    """Share of decisive units where the metric scores the readers' preferred output better."""
    hits = []
    for (image_id, first, second), pref in prefs.items():
        a = values.get((first, image_id), {}).get(metric)
        b = values.get((second, image_id), {}).get(metric)
        if pref == 0 or a is None or b is None:
            continue
        metric_pref = (a - b) if higher else (b - a)
        hits.append(0.5 if metric_pref == 0 else float(np.sign(metric_pref) == np.sign(pref)))
    return float(np.mean(hits)) if hits else float("nan")


def metric_table(
    votes: pd.DataFrame,
    specs: Sequence[str],
    design: str,
    readers: Mapping[str, float],
    values: MetricValues,
    metrics: Mapping[str, bool],
    n_boot: int,
    seed: int = 0,
) -> pd.DataFrame:
    """Per metric: agreement share with 95% CI, units compared, Kendall's tau with the readers."""
    votes = votes.reset_index(drop=True)
    names = list(metrics)
    prefs = preferences(votes, specs, design)

    if design == "pairs":
        shares = pair_shares(votes, specs, values, metrics)
    else:

        def shares(w: np.ndarray) -> np.ndarray:
            p = preferences(votes, specs, design, w)
            return np.array([agreement_share(p, values, m, metrics[m]) for m in names])

    low, high = bootstrap_ci(votes, shares, n_boot, seed)
    rows = []
    for k, name in enumerate(names):
        ranking = metric_ranking(values, specs, name, metrics[name])
        common = [s for s in specs if s in ranking and s in readers]
        tau, p_value = (
            kendalltau([ranking[s] for s in common], [readers[s] for s in common])
            if len(common) >= 2
            else (np.nan, np.nan)
        )
        rows.append(
            {
                "metric": name,
                "direction": "higher" if metrics[name] else "lower",
                "agreement": agreement_share(prefs, values, name, metrics[name]),
                "ci_low": low[k],
                "ci_high": high[k],
                "units": int((prefs != 0).sum()),
                "kendall_tau": float(tau),
                "tau_p_value": float(p_value),
            }
        )
    return pd.DataFrame(rows)


def pair_shares(
    votes: pd.DataFrame, specs: Sequence[str], values: MetricValues, metrics: Mapping[str, bool]
) -> Callable[[np.ndarray], np.ndarray]:
    """`agreement_share` of every metric as a function of vote weights, for the bootstrap.

    The same numbers as `preferences` + `agreement_share` (a test checks it), with the units and
    each metric's verdict per unit computed once, so a replicate is two bincounts: 1000 replicates
    of the 240-vote example take well under a second instead of ~20 s with pandas.
    """
    mask = votes["choice"].notna().to_numpy()
    units = pair_units(votes, specs)
    codes, keys = pd.factorize(pd.MultiIndex.from_frame(units[["image_id", "first", "second"]]))
    verdicts = np.full((len(metrics), len(keys)), np.nan)  # metric's sign: +1 first better
    for k, (name, higher) in enumerate(metrics.items()):
        for u, (image_id, first, second) in enumerate(keys):
            a = values.get((first, image_id), {}).get(name)
            b = values.get((second, image_id), {}).get(name)
            if a is not None and b is not None:
                verdicts[k, u] = np.sign((a - b) if higher else (b - a))
    value = units["value"].to_numpy(dtype=float)

    def shares(weights: np.ndarray) -> np.ndarray:
        w = weights[mask]
        total = np.bincount(codes, w, minlength=len(keys))
        lean = np.sign(np.bincount(codes, w * value, minlength=len(keys)))
        decisive = (total > 0) & (lean != 0)
        hits = np.where(verdicts == 0, 0.5, (verdicts == lean).astype(float))
        valid = decisive & ~np.isnan(verdicts)
        with np.errstate(invalid="ignore"):
            return np.where(valid, hits, 0).sum(axis=1) / valid.sum(axis=1)

    return shares


def metric_ranking(
    values: MetricValues, specs: Sequence[str], metric: str, higher: bool
) -> dict[str, float]:
    """Per spec, the mean of a metric over the study's inputs, signed so higher is better."""
    out = {}
    for spec in specs:
        scores = [v[metric] for (s, _), v in values.items() if s == spec and metric in v]
        if scores:
            out[spec] = float(np.mean(scores)) * (1 if higher else -1)
    return out
