"""Which split each image of a folder belongs to: split.json, train.txt/test.txt, or a stable hash.

A split file lists ids (or hazy file names); a split it leaves out takes every unlisted id.
Without one, whole scene groups go to test when sha256(group) % 5 == 0, so adding images never
moves an existing one and no scene straddles train and test.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DatasetError
from .base import natural_key
from .notes import examples

SPLIT_NAMES = ("train", "test")
TEST_BUCKETS = 5  # a group goes to test when sha256(group) % TEST_BUCKETS == 0 (about 20 %)
HASH_SOURCE = f"sha256(group) % {TEST_BUCKETS} == 0 -> test (about 20 %)"


@dataclass
class SplitFile:
    """What a folder's split file says: listed entries per split and optional groups."""

    path: Path  # the file that decides (split.json, else the first of train.txt/test.txt)
    source: str  # how info() names it: "split.json", "train.txt + test.txt", ...
    lists: dict[str, list[str]]
    groups: dict[str, Any] = field(default_factory=dict)  # entry -> group (split.json only)


def find_split_file(root: Path) -> SplitFile | None:
    """ROOT/split.json, else ROOT/train.txt and/or test.txt, parsed; None if there is none."""
    json_file = root / "split.json"
    if json_file.is_file():
        lists = load_split_json(json_file)
        groups = lists.pop("groups", {})
        if not isinstance(groups, dict):
            raise DatasetError(f"{json_file}: 'groups' must map image ids to group names")
        return SplitFile(json_file, "split.json", lists, groups)
    txt = {s: root / f"{s}.txt" for s in SPLIT_NAMES}
    present = {s: f for s, f in txt.items() if f.is_file()}
    if not present:
        return None
    source = " + ".join(f.name for f in present.values())
    lists = {s: load_id_lines(f) for s, f in present.items()}
    return SplitFile(next(iter(present.values())), source, lists)


def load_split_json(path: Path) -> dict[str, Any]:
    """Parse split.json as {"train": [...], "test": [...], optional "groups": {...}}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}; fix or remove the file") from None
    valid = isinstance(data, dict) and any(k in data for k in SPLIT_NAMES)
    lists_ok = valid and all(
        isinstance(data[k], list) and all(isinstance(x, str) for x in data[k])
        for k in SPLIT_NAMES
        if k in data
    )
    if not lists_ok:
        raise DatasetError(
            f'{path} must look like {{"train": ["id", ...], "test": ["id", ...]}}: fix it'
        )
    return {k: v for k, v in data.items() if k in (*SPLIT_NAMES, "groups")}


def load_id_lines(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a train.txt / test.txt file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}; fix or remove the file") from None
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def labels_from_lists(
    lists: dict[str, list[str]],
    lookup: Callable[[str], str | None],
    order: Sequence[str],
    source: str,
) -> tuple[dict[str, str], list[str]]:
    """id -> split from listed entries (`lookup` maps an entry to an id), and notes on them.

    A split the file leaves out takes all unlisted ids; an id listed in both is an error.
    """
    labels: dict[str, str] = {}
    unknown: list[str] = []
    notes: list[str] = []
    for split in SPLIT_NAMES:
        for entry in lists.get(split, []):
            image_id = lookup(entry)
            if image_id is None:
                unknown.append(entry)
            elif labels.get(image_id, split) != split:
                raise DatasetError(
                    f"{source} puts {image_id!r} in both train and test: "
                    "list every image in one split only"
                )
            else:
                labels[image_id] = split
    missing = [s for s in SPLIT_NAMES if s not in lists]
    if len(missing) == 1:
        for image_id in order:
            labels.setdefault(image_id, missing[0])
        notes.append(f"{source} lists no {missing[0]} split: it takes the rest")
    if unknown:
        notes.append(f"{source} names {len(unknown)} unknown ids, ignored: {examples(unknown)}")
    unlisted = [i for i in order if i not in labels]
    if unlisted:
        notes.append(
            f"{len(unlisted)} ids are in no split of {source} (only in 'all'): {examples(unlisted)}"
        )
    return labels, notes


def group_hash(group: str) -> int:
    """Stable integer hash of a group name (independent of other files and of Python)."""
    return int.from_bytes(hashlib.sha256(group.encode()).digest()[:8], "big")


def hash_split(groups: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """id -> split putting whole groups into test when group_hash % TEST_BUCKETS == 0, and notes."""
    names = sorted(set(groups.values()), key=natural_key)
    test = {g for g in names if group_hash(g) % TEST_BUCKETS == 0}
    notes: list[str] = []
    if len(names) == 1:
        notes.append(
            "only one scene group: train and test cannot both have images; add split.json to choose"
        )
    elif not test:
        chosen = min(names, key=group_hash)
        test = {chosen}
        notes.append(f"no group hashed into test; moved group {chosen!r} (lowest hash) to test")
    return {i: "test" if g in test else "train" for i, g in groups.items()}, notes


def splits_from_labels(
    labels: Mapping[str, str | None], order: Sequence[str]
) -> dict[str, list[str]]:
    """Split lists (in id order) from an id -> split mapping; "all" holds every id."""
    return {
        "train": [i for i in order if labels.get(i) == "train"],
        "test": [i for i in order if labels.get(i) == "test"],
        "all": list(order),
    }
