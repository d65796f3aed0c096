"""Resume checkpoints: an interrupted run resumes bit-exactly; other arguments are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmark.errors import TrainingError
from benchmark.train import TrainData, train
from benchmark.train.checkpoints import checkpoint_path

from .helpers import assert_same_state, config, interrupt_after, state_of


def test_resume_after_interruption_matches_an_uninterrupted_run(
    tmp_path: Path, data: TrainData
) -> None:
    whole = train(config(tmp_path / "whole.pth", crop=16), data=data)
    out = tmp_path / "resumed.pth"
    with pytest.raises(KeyboardInterrupt):
        train(config(out, crop=16), data=data, hooks=interrupt_after(1))
    assert checkpoint_path(out).is_file() and not out.exists()
    resumed = train(config(out, crop=16), data=data)
    assert_same_state(state_of(whole.weights), state_of(resumed.weights))
    assert resumed.record["history"] == {
        **whole.record["history"],
        "seconds": resumed.record["history"]["seconds"],
    }
    assert resumed.record["sessions"] == 2
    assert not checkpoint_path(out).exists()


def test_resume_with_other_arguments_is_refused(tmp_path: Path, data: TrainData) -> None:
    out = tmp_path / "w.pth"
    with pytest.raises(KeyboardInterrupt):
        train(config(out), data=data, hooks=interrupt_after(1))
    with pytest.raises(TrainingError, match=r"different arguments \(lr: 0\.01 -> 0\.02\)"):
        train(config(out, lr=0.02), data=data)
    assert checkpoint_path(out).is_file()  # kept, so the original command can still resume
