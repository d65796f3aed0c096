"""What the data set holds that cannot be scored, said once at the start of a run.

Pairs that fail to load (unreadable, truncated, size-mismatched) are skipped for every method
instead of becoming a failure of each method; files without a partner and the data set's notes
(split file, conversions) are listed. Table 1 then counts only the valid pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from methods import Method

from ..data import PairedDataset, Split

SHOWN = (
    5  # problems listed by name on the console before "... and N more" (all are in the manifest)
)


@dataclass
class DataReport:
    """Pairs skipped (id -> why), files without a partner, and the data set's notes."""

    n_pairs: int
    skipped: dict[str, str] = field(default_factory=dict)
    unpaired: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # files of the folder not scored at all
    #: per method spec, what it already sees it cannot score (e.g. published outputs missing)
    methods: dict[str, list[str]] = field(default_factory=dict)

    def audit(self, planned: Iterable[Method], split: Split) -> None:
        """Ask each method what it cannot score among the split's valid inputs (Method.audit)."""
        valid = [i for i in range(len(split.ids)) if i not in split.errors]
        ids = [split.ids[i] for i in valid]
        sizes = [split_size(split, i) for i in valid]
        for method in planned:
            if method.is_ready:
                found = method.audit(ids, sizes)
                if found:
                    self.methods[str(method.spec)] = found

    @property
    def n_valid(self) -> int:
        """Pairs that can be scored."""
        return self.n_pairs - len(self.skipped)

    def problems(self) -> list[str]:
        """One line per kind of data problem (empty when the data set is clean)."""
        out = []
        if self.skipped:
            out.append(f"data: {len(self.skipped)} of {self.n_pairs} pair(s) could not be used")
        if self.unpaired:
            out.append(f"data: {len(self.unpaired)} file(s) have no partner and were left out")
        if self.left_out:
            out.append(f"data: {len(self.left_out)} image file(s) beside the videos were left out")
        out += [
            f"data: {spec}: {len(found)} problem(s) with its outputs (see the data report)"
            for spec, found in self.methods.items()
        ]
        return out

    def lines(self) -> list[str]:
        """The console report: each skipped file named once with why, then the notes."""
        out = []
        for image_id, why in list(self.skipped.items())[:SHOWN]:
            out.append(f"data: skipped {image_id}: {why}")
        if len(self.skipped) > SHOWN:
            out.append(f"data: ... and {len(self.skipped) - SHOWN} more skipped (see manifest)")
        for name in self.unpaired[:SHOWN]:
            out.append(f"data: left out {name}: no partner image")
        if len(self.unpaired) > SHOWN:
            out.append(f"data: ... and {len(self.unpaired) - SHOWN} more without a partner")
        out += [f"data note: {note}" for note in self.notes]
        out += [f"data: {spec}: {line}" for spec, found in self.methods.items() for line in found]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for the manifest."""
        return {
            "pairs": self.n_pairs,
            "valid": self.n_valid,
            "skipped": self.skipped,
            "unpaired": self.unpaired,
            "notes": self.notes,
            "left_out": self.left_out,
            "methods": self.methods,
        }


def split_size(split: Split, index: int) -> tuple[int, int] | None:
    """(H, W) of one input of a loaded or streamed split (None where it did not load)."""
    sizes = getattr(split, "sizes", None)
    if sizes is not None:
        return sizes[index]
    image = split.hazy[index]
    return None if image is None else (int(image.shape[0]), int(image.shape[1]))


def build_data_report(dataset: PairedDataset, split: Split) -> DataReport:
    """The report of a loaded split (load errors) and its data set (partners, notes)."""
    info = dataset.info()
    unpaired = info.get("unpaired") or {}
    return DataReport(
        n_pairs=len(split.ids),
        skipped={split.ids[i]: why for i, why in sorted(split.errors.items())},
        unpaired=[name for side in ("hazy", "clear") for name in unpaired.get(side, [])],
        left_out=list((info.get("left_out") or {}).get("images") or []),
        # the data set's own note on files without a partner repeats `unpaired`: said once here
        notes=[str(n) for n in info.get("notes") or [] if "partner" not in str(n)]
        if info.get("kind") != "synthetic"  # the generator's description is in the manifest
        else [],
    )
