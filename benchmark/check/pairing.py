"""Image pairing of two sides of a comparison: the images both scored ok, and why others are out."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class Pairing:
    """Images scored ok by both sides, in one order, and what was left out."""

    ids: list[str]
    candidate: pd.DataFrame
    baseline: pd.DataFrame
    notes: list[str]
    new_errors: list[str]
    old_errors: list[str]
    shared: int


def pair_images(
    cand: pd.DataFrame, base: pd.DataFrame, names: tuple[str, str] = ("candidate", "baseline")
) -> Pairing:
    """Pair two sides' rows on image id; list images left out and why."""
    cand_ok = set(cand.index[cand["status"] == "ok"])
    base_ok = set(base.index[base["status"] == "ok"])
    base_ids = set(base.index)
    shared = [i for i in cand.index if i in base_ids]
    ids = sorted(i for i in shared if i in cand_ok and i in base_ok)
    new_errors = sorted(i for i in shared if i not in cand_ok and i in base_ok)
    old_errors = sorted(i for i in shared if i in cand_ok and i not in base_ok)
    both_failed = [i for i in shared if i not in cand_ok and i not in base_ok]
    c_name, b_name = names
    notes = []
    only_base = len(base_ids - set(cand.index))
    only_cand = len(set(cand.index) - base_ids)
    if only_base:
        hint = " (e.g. a smaller --limit)" if b_name == "baseline" else ""
        notes.append(f"{only_base} image(s) only in the {b_name}{hint}: left out")
    if only_cand:
        notes.append(f"{only_cand} image(s) only in the {c_name}: left out")
    if new_errors:
        notes.append(
            f"{len(new_errors)} image(s) failed in the {c_name} but not in the {b_name} "
            f"(e.g. {new_errors[0]}): left out of the statistics, counted as a regression"
        )
    if old_errors:
        notes.append(f"{len(old_errors)} image(s) failed in the {b_name} only: left out")
    if both_failed:
        notes.append(f"{len(both_failed)} image(s) failed in both: left out")
    return Pairing(ids, cand.loc[ids], base.loc[ids], notes, new_errors, old_errors, len(shared))
