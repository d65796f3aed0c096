"""Training data: the train split loaded once into memory, with validation frames held out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import torch

from ..data import PairedDataset, is_paired, open_dataset
from ..errors import DatasetError, TrainingError
from ..files import sha256_text
from .config import TrainConfig
from .evaluation import input_psnr
from .progress import progress_bar

LOAD_CHUNK = 64  # pairs generated/read per load_many call while loading into memory


@dataclass
class TrainData:
    """Train and validation pairs held in memory as uint8 (N,H,W,3) tensors."""

    train_hazy: torch.Tensor
    train_clear: torch.Tensor
    val_hazy: torch.Tensor
    val_clear: torch.Tensor
    train_ids: list[str]
    val_ids: list[str]
    description: dict[str, Any]

    def to(self, device: torch.device) -> TrainData:
        """The same data with its tensors on `device` (the whole set fits on a GPU)."""
        move = {
            k: getattr(self, k).to(device)
            for k in ("train_hazy", "train_clear", "val_hazy", "val_clear")
        }
        return TrainData(
            **move, train_ids=self.train_ids, val_ids=self.val_ids, description=self.description
        )


def open_training_data(config: TrainConfig) -> PairedDataset:
    """The data set named by the config (default: the built-in synthetic one)."""
    return open_dataset(config.data, **config.data_options)


def spread(ids: list[str], count: int | None) -> list[str]:
    """`count` ids spread evenly over `ids` (all of them when count is None or too large)."""
    if count is None or count >= len(ids):
        return list(ids)
    return [ids[(k * len(ids)) // count] for k in range(count)]


def split_validation(
    ids: list[str], groups: list[str], val_every: int
) -> tuple[list[str], list[str]]:
    """(train, val): every `val_every`-th frame of each group is held out (0 = none)."""
    if val_every == 0:
        return list(ids), []
    seen: dict[str, int] = {}
    train, val = [], []
    for image_id, group in zip(ids, groups, strict=True):
        position = seen.get(group, 0)
        seen[group] = position + 1
        (val if (position + 1) % val_every == 0 else train).append(image_id)
    return train, val


def load_pairs(
    dataset: PairedDataset, ids: list[str], progress: bool, what: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load `ids` in chunks into preallocated uint8 tensors; DatasetError if sizes differ."""
    hazy_all = clear_all = None
    with progress_bar(len(ids), f"loading {what}", progress, leave=False) as bar:
        for start in range(0, len(ids), LOAD_CHUNK):
            hazy, clear = dataset.load_many(ids[start : start + LOAD_CHUNK])
            if hazy_all is None or clear_all is None:
                hazy_all = torch.empty((len(ids), *hazy.shape[1:]), dtype=torch.uint8)
                clear_all = torch.empty_like(hazy_all)
            if hazy.shape[1:] != hazy_all.shape[1:]:
                raise DatasetError(f"{what} images differ in size: training needs one size")
            hazy_all[start : start + len(hazy)] = torch.from_numpy(hazy)
            clear_all[start : start + len(clear)] = torch.from_numpy(clear)
            bar.update(len(hazy))
    assert hazy_all is not None and clear_all is not None
    return hazy_all, clear_all


def load_train_data(
    dataset: PairedDataset, limit: int | None, val_every: int, progress: bool = True
) -> TrainData:
    """Load the train split once (spread over `limit` images) and hold out validation frames."""
    if not is_paired(dataset):
        raise DatasetError(
            f"data set {dataset.name!r} has no ground truth (no clear images): training needs "
            "a paired folder (hazy/ + clear/) or the synthetic set"
        )
    all_train = dataset.ids("train")
    if not all_train:
        raise DatasetError(f"data set {dataset.name!r} has no train split images")
    chosen = spread(all_train, limit)
    train_ids, val_ids = split_validation(chosen, [dataset.group(i) for i in chosen], val_every)
    if not train_ids:
        raise TrainingError("no training images left after holding out validation frames")
    try:
        train_hazy, train_clear = load_pairs(dataset, train_ids, progress, "train")
        val_hazy, val_clear = (
            load_pairs(dataset, val_ids, progress, "validation")
            if val_ids
            else (
                torch.zeros((0, *train_hazy.shape[1:]), dtype=torch.uint8),
                torch.zeros((0, *train_hazy.shape[1:]), dtype=torch.uint8),
            )
        )
    except DatasetError as exc:
        raise DatasetError(f"{exc} (training stacks images in memory; resize them first)") from None
    if val_ids and val_hazy.shape[1:] != train_hazy.shape[1:]:
        raise DatasetError("validation and train images differ in size: training needs one size")
    description = {
        "name": dataset.name,
        "fingerprint": dataset.fingerprint,
        "split_sizes": {"train": len(all_train), "test": len(dataset.ids("test"))},
        "used": {"train": len(train_ids), "validation": len(val_ids)},
        "image_size": [int(train_hazy.shape[1]), int(train_hazy.shape[2])],
        "ids_sha256": ids_digest(train_ids, val_ids),
        "val_psnr_hazy_input": input_psnr(val_hazy, val_clear),
        "validation": (
            f"every {val_every}-th frame of each train-split group (case/scene); these frames "
            "neighbour training frames, so validation tracks fitting, not new cases"
            if val_every
            else "none (--val-every 0)"
        ),
    }
    return TrainData(train_hazy, train_clear, val_hazy, val_clear, train_ids, val_ids, description)


def ids_digest(train_ids: list[str], val_ids: list[str]) -> str:
    """sha256 over the train and validation id lists (part of the resume identity)."""
    return sha256_text(json.dumps({"train": train_ids, "val": val_ids}))
