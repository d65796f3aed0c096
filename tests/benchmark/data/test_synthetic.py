"""Tests of the synthetic endoscopy generator: determinism, splits, content and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmark.data import DatasetError, SyntheticEndoscopyDataset
from tests.benchmark.data.helpers import tiny


def test_synthetic_is_deterministic_and_order_independent() -> None:
    """Same id -> same bits: twice, after other ids, across objects, via load_many."""
    a, b = tiny(), tiny()
    first = a.load_pair("case01_f0002")
    a.load_pair("case00_f0000")
    again = a.load_pair("case01_f0002")
    b.load_pair("case02_f0003")  # a different scene and frame generated first
    other = b.load_pair("case01_f0002")
    hazy, clear = tiny().load_many(["case02_f0001", "case01_f0002"])
    for pair in (again, other, (hazy[1], clear[1])):
        np.testing.assert_array_equal(pair[0], first[0])
        np.testing.assert_array_equal(pair[1], first[1])


def test_synthetic_default_splits_hold_distinct_cases() -> None:
    """10 cases x 270 frames: 2160 train, 540 test, no case in both (ids only, no rendering)."""
    ds = SyntheticEndoscopyDataset()
    train, test, every = ds.ids("train"), ds.ids("test"), ds.ids("all")
    assert (len(train), len(test), len(every)) == (2160, 540, 2700)
    assert len(set(every)) == 2700 and test[0] == "case08_f0000"
    train_groups = {ds.group(i) for i in train}
    test_groups = {ds.group(i) for i in test}
    assert test_groups == {"case08", "case09"} and len(train_groups) == 8
    assert not train_groups & test_groups
    assert ds.info()["splits"] == {"train": 2160, "test": 540, "all": 2700}
    json.dumps(ds.info())


def test_synthetic_values_shapes_and_border() -> None:
    """uint8 HxWx3 arrays with real content; hazy differs from clear."""
    ds = SyntheticEndoscopyDataset(size=48, n_cases=4, frames_per_case=3)
    hazy, clear = ds.load_many(ds.ids("all"))
    assert hazy.shape == clear.shape == (12, 48, 48, 3)
    assert hazy.dtype == clear.dtype == np.uint8
    assert clear.std() > 10 and (hazy != clear).any()
    assert clear[..., 0].mean() > clear[..., 2].mean()  # mucosa is red, not grey noise


def test_synthetic_smoke_brightens_and_lowers_contrast() -> None:
    """Hazy frames are brighter and flatter on average; transmission is within (0, 1]."""
    ds = SyntheticEndoscopyDataset(size=64, n_cases=3, frames_per_case=140)
    ids = ds.ids("test")[::10]
    hazy, clear = ds.load_many(ids)
    h, c = hazy.astype(float), clear.astype(float)
    assert h.mean() > c.mean()
    assert np.mean([a.std() for a in h]) < np.mean([a.std() for a in c])
    metas = [ds.meta(i) for i in ids]
    trans = np.array([m["mean_transmission"] for m in metas])
    levels = np.array([m["smoke_level"] for m in metas])
    assert ((trans > 0) & (trans <= 1)).all() and ((levels >= 0) & (levels <= 1)).all()
    assert trans.max() - trans.min() > 0.3  # light to dense smoke across frames
    assert np.corrcoef(levels, trans)[0, 1] < -0.5
    assert metas[0]["case"] == 2 and metas[0]["group"] == "case02"


def test_synthetic_consecutive_frames_are_similar() -> None:
    """Smooth camera motion: neighbouring frames differ far less than frames of other cases."""
    ds = SyntheticEndoscopyDataset(size=64, n_cases=2, frames_per_case=3)
    _, clear = ds.load_many(["case00_f0000", "case00_f0001", "case01_f0000"])
    near = np.abs(clear[0].astype(float) - clear[1]).mean()
    far = np.abs(clear[0].astype(float) - clear[2]).mean()
    assert near < far / 2


def test_synthetic_fingerprint_tracks_parameters() -> None:
    """Stable for equal parameters, different when seed, size or layout changes."""
    base = tiny().fingerprint
    assert base == tiny().fingerprint and len(base) == 64
    assert len({base, tiny(seed=1).fingerprint, tiny(size=48).fingerprint}) == 3
    assert tiny(frames_per_case=5).fingerprint != base
    seed_a = tiny().load_pair("case00_f0000")[1]
    seed_b = tiny(seed=1).load_pair("case00_f0000")[1]
    assert (seed_a != seed_b).any()


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.ids("val"),
        lambda d: d.load_pair("nope"),
        lambda d: d.load_pair("case03_f0000"),
        lambda d: d.group("case00_f0009"),
        lambda d: SyntheticEndoscopyDataset(size="big"),
        lambda d: SyntheticEndoscopyDataset(n_cases=1),
        lambda d: SyntheticEndoscopyDataset(seed=-1),
    ],
)
def test_synthetic_user_errors_are_dataset_errors(call) -> None:
    """Bad splits, ids and options raise DatasetError with a one-line message."""
    with pytest.raises(DatasetError) as err:
        call(tiny())
    assert "\n" not in str(err.value)
