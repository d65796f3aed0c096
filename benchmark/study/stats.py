"""The readers' ranking: win matrix, Bradley-Terry scores, MOS, and a two-way bootstrap.

Bradley-Terry is fitted by `choix.ilsr_pairwise_dense` (maximum likelihood by iterative Luce
spectral ranking) on a matrix of wins. Ties are handled explicitly: a vote of "about equal" is
half a win for each side (the usual counting for Bradley-Terry without a tie parameter; Davidson's
extension is not fitted). A small ridge (`ALPHA`) keeps the fit finite when a method won or lost
every comparison. Uncertainty comes from a bootstrap that resamples raters and inputs (with
replacement, both at once), so a CI covers both who judged and what was judged.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import choix
import numpy as np
import pandas as pd

ALPHA = 0.01  # choix's L2 regularisation (log-strength scale)
N_BOOT = 1000
CONFIDENCE = 0.95

WIN_OF_LEFT = {"left": 1.0, "right": 0.0, "equal": 0.5}


def outcomes(votes: pd.DataFrame) -> pd.DataFrame:
    """Paired votes as (a, b, win_a): a is the spec shown left; win_a is 1, 0 or 0.5 (equal)."""
    frame = votes[votes["choice"].notna()]
    return pd.DataFrame(
        {
            "rater": frame["rater"].to_numpy(),
            "image_id": frame["image_id"].to_numpy(),
            "a": frame["left"].to_numpy(),
            "b": frame["right"].to_numpy(),
            "win_a": frame["choice"].map(WIN_OF_LEFT).to_numpy(dtype=float),
        }
    )


def win_matrix(
    pairs: pd.DataFrame, specs: Sequence[str], weights: np.ndarray | None = None
) -> np.ndarray:
    """W[i, j]: (weighted) wins of spec i over spec j, ties counted half to each."""
    return _wins(_indexed(pairs, specs), len(specs), weights)


def _indexed(pairs: pd.DataFrame, specs: Sequence[str]) -> tuple[np.ndarray, ...]:
    """(a index, b index, win of a) arrays of the paired outcomes."""
    index = {s: k for k, s in enumerate(specs)}
    a = pairs["a"].map(index).to_numpy(dtype=int)
    b = pairs["b"].map(index).to_numpy(dtype=int)
    return a, b, pairs["win_a"].to_numpy(dtype=float)


def _wins(indexed: tuple[np.ndarray, ...], n: int, weights: np.ndarray | None) -> np.ndarray:
    """The win matrix of indexed outcomes (see win_matrix)."""
    a, b, win = indexed
    w = np.ones(len(a)) if weights is None else weights
    matrix = np.zeros((n, n))
    np.add.at(matrix, (a, b), w * win)
    np.add.at(matrix, (b, a), w * (1.0 - win))
    return matrix


def bradley_terry(matrix: np.ndarray) -> np.ndarray:
    """Log-strengths (mean zero) fitted to a win matrix; higher is preferred."""
    params = choix.ilsr_pairwise_dense(matrix, alpha=ALPHA)
    return params - params.mean()


def win_rates(matrix: np.ndarray) -> np.ndarray:
    """Share of comparisons spec i won against spec j (NaN where they never met)."""
    games = matrix + matrix.T
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(games > 0, matrix / games, np.nan)


def bootstrap_weights(frame: pd.DataFrame, n_boot: int, seed: int) -> list[np.ndarray]:
    """Per replicate, each row's weight: (times its rater drawn) x (times its input drawn)."""
    rng = np.random.default_rng(seed)
    raters = np.asarray(sorted(frame["rater"].unique()))
    inputs = np.asarray(sorted(frame["image_id"].unique()))
    rater_pos = pd.Index(raters).get_indexer(frame["rater"])
    input_pos = pd.Index(inputs).get_indexer(frame["image_id"])
    out = []
    for _ in range(n_boot):
        r = np.bincount(rng.integers(0, len(raters), len(raters)), minlength=len(raters))
        i = np.bincount(rng.integers(0, len(inputs), len(inputs)), minlength=len(inputs))
        out.append((r[rater_pos] * i[input_pos]).astype(float))
    return out


def bootstrap_ci(
    frame: pd.DataFrame,
    statistic: Callable[[np.ndarray], np.ndarray],
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile 95% CI of a vector statistic of row weights, over raters x inputs resamples."""
    draws = []
    for weights in bootstrap_weights(frame, n_boot, seed):
        if weights.sum() > 0:
            draws.append(statistic(weights))
    stacked = np.asarray(draws, dtype=float)
    tail = (1 - CONFIDENCE) / 2 * 100
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: its CI is NaN
        low = np.nanpercentile(stacked, tail, axis=0)
        high = np.nanpercentile(stacked, 100 - tail, axis=0)
    return low, high


def bt_table(
    votes: pd.DataFrame, specs: Sequence[str], n_boot: int = N_BOOT, seed: int = 0
) -> tuple[pd.DataFrame, np.ndarray]:
    """Per spec: BT score with 95% CI, rank, wins and comparisons; and the win matrix."""
    pairs = outcomes(votes)
    matrix = win_matrix(pairs, specs)
    scores = bradley_terry(matrix)
    indexed = _indexed(pairs, specs)  # once, not per replicate
    low, high = bootstrap_ci(
        pairs, lambda w: bradley_terry(_wins(indexed, len(specs), w)), n_boot, seed
    )
    table = pd.DataFrame(
        {
            "spec": list(specs),
            "bt_score": scores,
            "ci_low": low,
            "ci_high": high,
            "wins": matrix.sum(axis=1),
            "comparisons": (matrix + matrix.T).sum(axis=1),
        }
    )
    table["rank"] = table["bt_score"].rank(ascending=False, method="min").astype(int)
    return table.sort_values("rank").reset_index(drop=True), matrix


def weighted_scores(votes: pd.DataFrame, weights: np.ndarray | None = None) -> pd.Series:
    """Mean score per (image_id, spec) of rating votes (weighted), for MOS and preferences."""
    w = np.ones(len(votes)) if weights is None else weights
    frame = pd.DataFrame(
        {"image_id": votes["image_id"], "spec": votes["left"], "w": w, "ws": w * votes["score"]}
    )
    sums = frame.groupby(["image_id", "spec"])[["w", "ws"]].sum()
    sums = sums[sums["w"] > 0]
    return sums["ws"] / sums["w"]


def mos_table(
    votes: pd.DataFrame, specs: Sequence[str], reference: str, n_boot: int = N_BOOT, seed: int = 0
) -> pd.DataFrame:
    """Per spec (and the hidden reference): MOS with 95% CI, and DMOS as in ACR-HR.

    DMOS here is mean over inputs of MOS(spec on input) - MOS(input on input) + 5, from the
    per-input means (the per-viewer DV of ITU-T P.910 needs each viewer to see every input's
    reference, which the balanced design does not guarantee). It is not clipped at 5: an
    enhancement can be rated above its own input.
    """
    votes = votes[votes["score"].notna()].reset_index(drop=True)
    names = [*specs, reference]

    def mos(w: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame({"spec": votes["left"], "w": w, "ws": w * votes["score"]})
        sums = frame.groupby("spec")[["w", "ws"]].sum().reindex(names)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (sums["ws"] / sums["w"]).to_numpy(dtype=float)

    def dmos(w: np.ndarray) -> np.ndarray:
        means = weighted_scores(votes, w).unstack("spec").reindex(columns=names)
        diff = means[list(specs)].sub(means[reference], axis=0) + 5
        return np.append(diff.mean(axis=0).to_numpy(dtype=float), np.nan)

    low, high = bootstrap_ci(votes, mos, n_boot, seed)
    dlow, dhigh = bootstrap_ci(votes, dmos, n_boot, seed)
    table = pd.DataFrame(
        {
            "spec": names,
            "mos": mos(np.ones(len(votes))),
            "ci_low": low,
            "ci_high": high,
            "dmos": dmos(np.ones(len(votes))),
            "dmos_ci_low": dlow,
            "dmos_ci_high": dhigh,
            "votes": votes.groupby("left").size().reindex(names).fillna(0).astype(int).to_numpy(),
        }
    )
    table["rank"] = table["mos"].rank(ascending=False, method="min").astype(int)
    return table.sort_values("rank").reset_index(drop=True)
