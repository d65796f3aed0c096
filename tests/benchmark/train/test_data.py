"""Training data: validation frames come from the train cases only; spreading a limit."""

from __future__ import annotations

from typing import Any

from benchmark.train.data import TrainData, split_validation, spread


def test_validation_frames_come_from_train_cases_only(dataset: Any, data: TrainData) -> None:
    train_cases = {dataset.group(i) for i in dataset.ids("train")}
    assert {dataset.group(i) for i in data.val_ids} <= train_cases
    assert not set(data.val_ids) & set(dataset.ids("test"))
    assert not set(data.val_ids) & set(data.train_ids)
    assert (len(data.train_ids), len(data.val_ids)) == (18, 6)
    assert split_validation(["a", "b"], ["g", "g"], 0) == (["a", "b"], [])
    assert spread(list("abcdefgh"), 4) == ["a", "c", "e", "g"]
