"""Tests of the data-set layer: synthetic generator, paired folders, export and open_dataset."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmark.datasets import (
    DatasetError,
    FolderDataset,
    SyntheticEndoscopyDataset,
    export,
    open_dataset,
)
from benchmark.datasets.folder import TEST_BUCKETS, _group_hash

SOTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "sots_indoor_30"


# ----------------------------------------------------------------------------- helpers


def tiny(**options: int) -> SyntheticEndoscopyDataset:
    """A small synthetic set that renders in milliseconds."""
    params = {"size": 32, "n_cases": 3, "frames_per_case": 4, **options}
    return SyntheticEndoscopyDataset(**params)


def rgb(h: int = 12, w: int = 16, seed: int = 0) -> np.ndarray:
    """Random uint8 RGB test image."""
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def save(path: Path, array: np.ndarray) -> Path:
    """Write an array with PIL (mode chosen by dtype/shape), creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def make_pairs(root: Path, names: dict[str, str], hazy="hazy", clear="clear") -> None:
    """Create hazy/<key> and clear/<value> PNG pairs with matching content sizes."""
    for k, (hazy_name, clear_name) in enumerate(names.items()):
        save(root / hazy / hazy_name, rgb(seed=k))
        save(root / clear / clear_name, rgb(seed=100 + k))


def write_png16(path: Path, values: np.ndarray) -> None:
    """Write a 16-bit PNG (grey, grey+alpha, RGB or RGBA), cycling all five row filters."""
    h, w = values.shape[:2]
    channels = 1 if values.ndim == 2 else values.shape[2]
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    bpp = 2 * channels
    rows = values.astype(">u2").reshape(h, -1).view(np.uint8).astype(np.int64)
    out = b""
    prev = np.zeros(rows.shape[1], dtype=np.int64)
    for y in range(h):
        kind, row = y % 5, rows[y]
        left = np.concatenate([np.zeros(bpp, np.int64), row[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.int64), prev[:-bpp]])
        if kind == 0:
            pred = np.zeros_like(row)
        elif kind == 1:
            pred = left
        elif kind == 2:
            pred = prev
        elif kind == 3:
            pred = (left + prev) // 2
        else:
            p = left + prev - upleft
            pa, pb, pc = abs(p - left), abs(p - prev), abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
        out += bytes([kind]) + ((row - pred) % 256).astype(np.uint8).tobytes()
        prev = row

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", w, h, 16, colour, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(out))
        + chunk(b"IEND", b"")
    )


# ----------------------------------------------------------------------------- synthetic


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


# ----------------------------------------------------------------------------- folders


def test_folder_pairs_identical_stems_and_reside_prefixes(tmp_path: Path) -> None:
    """a.png<->a.png, c.jpg<->c.png, 1400_1/1400_2<->1400, 0001_0.8_0.2<->0001."""
    names = {
        "a.png": "a.png",
        "1400_1.png": "1400.png",
        "0001_0.8_0.2.png": "0001.png",
        "sub/7.png": "sub/7.png",
    }
    make_pairs(tmp_path, names)
    save(tmp_path / "hazy" / "1400_2.png", rgb(seed=9))
    save(tmp_path / "hazy" / "c.jpg", rgb(seed=5))
    save(tmp_path / "clear" / "c.png", rgb(seed=6))
    ds = FolderDataset(tmp_path)
    assert ds.ids("all") == ["0001_0.8_0.2", "1400_1", "1400_2", "a", "c", "sub/7"]
    assert ds.group("1400_1") == ds.group("1400_2") == "1400"
    assert ds.group("0001_0.8_0.2") == "0001" and ds.group("a") == "a"
    hazy, clear = ds.load_pair("1400_1")
    np.testing.assert_array_equal(hazy, rgb(seed=1))
    np.testing.assert_array_equal(clear, rgb(seed=101))
    assert ds.name == tmp_path.name and ds.check() == []


def test_folder_same_stem_keeps_extension_in_id(tmp_path: Path) -> None:
    """Two hazy files differing only by extension get ids with the extension."""
    save(tmp_path / "hazy" / "x.png", rgb())
    save(tmp_path / "hazy" / "x.bmp", rgb(seed=1))
    save(tmp_path / "clear" / "x.png", rgb(seed=2))
    assert FolderDataset(tmp_path).ids("all") == ["x.bmp", "x.png"]


@pytest.mark.parametrize(
    ("hazy", "clear"),
    [("input", "gt"), ("smoky", "GT"), ("haze", "target"), ("hazy", "clean")],
)
def test_folder_alias_names(tmp_path: Path, hazy: str, clear: str) -> None:
    """Alternative folder names are recognised."""
    make_pairs(tmp_path, {"1.png": "1.png"}, hazy=hazy, clear=clear)
    assert FolderDataset(tmp_path).ids("all") == ["1"]


def test_folder_conversions_are_exact_and_noted(tmp_path: Path) -> None:
    """16-bit grey/RGB/RGBA, greyscale, RGBA and palette files convert, each with a note."""
    rng = np.random.default_rng(3)
    wide = rng.integers(0, 65536, (6, 7, 3), dtype=np.uint16)
    wide[0, 0] = [128, 385, 65535]  # round(v/257) edge cases: 0.498 -> 0, 1.498 -> 1
    write_png16(tmp_path / "hazy" / "rgb16.png", wide)
    alpha = np.full((6, 7), 65535, dtype=np.uint16)
    alpha[0, 0] = 0
    write_png16(tmp_path / "hazy" / "rgba16.png", np.dstack([wide, alpha]))
    grey16 = wide[..., 0]
    save(tmp_path / "hazy" / "grey16.png", grey16)
    grey8 = rgb(6, 7)[..., 0]
    save(tmp_path / "hazy" / "grey8.png", grey8)
    rgba = np.dstack([rgb(6, 7), np.full((6, 7), 255, np.uint8)])
    rgba[1, 1, 3] = 0
    save(tmp_path / "hazy" / "rgba.png", rgba)
    Image.fromarray(rgb(6, 7)).convert("P").save(tmp_path / "hazy" / "pal.png")
    for name in ("rgb16", "rgba16", "grey16", "grey8", "rgba", "pal"):
        save(tmp_path / "clear" / f"{name}.png", rgb(6, 7, seed=8))
    ds = FolderDataset(tmp_path)
    expect = ((2 * wide.astype(np.int64) + 257) // 514).astype(np.uint8)
    np.testing.assert_array_equal(ds.load_pair("rgb16")[0], expect)
    assert tuple(expect[0, 0]) == (0, 1, 255)
    with_alpha = ds.load_pair("rgba16")[0]
    assert (with_alpha[0, 0] == 0).all()
    np.testing.assert_array_equal(with_alpha[1:], expect[1:])
    np.testing.assert_array_equal(ds.load_pair("grey16")[0], np.dstack([expect[..., 0]] * 3))
    np.testing.assert_array_equal(ds.load_pair("grey8")[0], np.dstack([grey8] * 3))
    composited = ds.load_pair("rgba")[0]
    assert (composited[1, 1] == 0).all()
    np.testing.assert_array_equal(composited[0], rgba[0, :, :3])
    assert ds.load_pair("pal")[0].shape == (6, 7, 3)
    info = ds.info()
    assert set(info["conversions"]) == {f"hazy/{n}.png" for n in ("rgb16", "rgba16", "grey16")} | {
        "hazy/grey8.png",
        "hazy/rgba.png",
        "hazy/pal.png",
    }
    assert "round(v/257)" in info["conversions"]["hazy/rgb16.png"]
    assert "composited on black" in info["conversions"]["hazy/rgba.png"]
    notes = " ".join(info["notes"])
    assert "hazy/grey8.png" in notes and "so far" not in notes
    json.dumps(info)


def test_folder_reports_unpaired_files_by_name(tmp_path: Path) -> None:
    """Files without a partner are left out and named in info() and check()."""
    make_pairs(tmp_path, {"1.png": "1.png"})
    save(tmp_path / "hazy" / "lonely.png", rgb())
    save(tmp_path / "clear" / "orphan.png", rgb())
    (tmp_path / "hazy" / "readme.txt").write_text("not an image")
    ds = FolderDataset(tmp_path)
    assert ds.ids("all") == ["1"]
    assert ds.info()["unpaired"] == {"hazy": ["hazy/lonely.png"], "clear": ["clear/orphan.png"]}
    notes = " ".join(ds.info()["notes"])
    assert "hazy/lonely.png" in notes and "clear/orphan.png" in notes
    assert any("lonely.png" in p for p in ds.check())


def test_folder_size_mismatch_and_unreadable_name_the_file(tmp_path: Path) -> None:
    """Bad pairs raise DatasetError naming the files when loaded; the rest still load."""
    save(tmp_path / "hazy" / "big.png", rgb(20, 20))
    save(tmp_path / "clear" / "big.png", rgb(10, 10))
    (tmp_path / "hazy").joinpath("broken.png").write_bytes(b"\x89PNG not really")
    save(tmp_path / "clear" / "broken.png", rgb())
    make_pairs(tmp_path, {"good.png": "good.png"})
    ds = FolderDataset(tmp_path)
    with pytest.raises(DatasetError, match=r"hazy/big\.png is 20x20 but clear/big\.png is 10x10"):
        ds.load_pair("big")
    with pytest.raises(DatasetError, match=r"cannot read image hazy/broken\.png") as err:
        ds.load_pair("broken")
    assert "\n" not in str(err.value)
    assert ds.load_pair("good")[0].shape == (12, 16, 3)
    problems = ds.check()
    assert len(problems) == 2 and any("broken.png" in p for p in problems)


def test_folder_load_many_needs_equal_sizes(tmp_path: Path) -> None:
    """load_many stacks equal-sized pairs and refuses mixed sizes with a clear message."""
    save(tmp_path / "hazy" / "a.png", rgb(8, 8))
    save(tmp_path / "clear" / "a.png", rgb(8, 8))
    make_pairs(tmp_path, {"b.png": "b.png", "c.png": "c.png"})
    ds = FolderDataset(tmp_path)
    hazy, clear = ds.load_many(["b", "c"])
    assert hazy.shape == clear.shape == (2, 12, 16, 3)
    with pytest.raises(DatasetError, match="sizes differ"):
        ds.load_many(["a", "b"])


def test_folder_layout_errors(tmp_path: Path) -> None:
    """No layout, and no matching names, give messages saying what is expected."""
    with pytest.raises(DatasetError, match="expected hazy/"):
        FolderDataset(tmp_path)
    save(tmp_path / "hazy" / "1.png", rgb())
    save(tmp_path / "clear" / "2.png", rgb())
    with pytest.raises(DatasetError, match="no names match"):
        FolderDataset(tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        FolderDataset(tmp_path / "missing")


def test_folder_split_json_is_respected(tmp_path: Path) -> None:
    """split.json decides the split; entries may carry an extension; unknown ones are noted."""
    make_pairs(tmp_path, {f"{k}.png": f"{k}.png" for k in range(5)})
    split = {"train": ["0", "1.png", "2"], "test": ["3", "ghost"]}
    (tmp_path / "split.json").write_text(json.dumps(split))
    ds = FolderDataset(tmp_path)
    assert ds.ids("train") == ["0", "1", "2"] and ds.ids("test") == ["3"]
    assert ds.ids("all") == ["0", "1", "2", "3", "4"]
    notes = " ".join(ds.info()["notes"])
    assert "ghost" in notes and "4" in notes
    (tmp_path / "split.json").write_text(json.dumps({"train": ["0"], "test": ["0"]}))
    with pytest.raises(DatasetError, match="both train and test"):
        FolderDataset(tmp_path)
    (tmp_path / "split.json").write_text("{broken")
    with pytest.raises(DatasetError, match=r"split\.json"):
        FolderDataset(tmp_path)


def test_folder_split_txt_files(tmp_path: Path) -> None:
    """train.txt + test.txt; a lone test.txt leaves the rest to train."""
    make_pairs(tmp_path, {f"{k}.png": f"{k}.png" for k in range(4)})
    (tmp_path / "test.txt").write_text("# held out\n2\n\n3.png\n")
    ds = FolderDataset(tmp_path)
    assert ds.ids("test") == ["2", "3"] and ds.ids("train") == ["0", "1"]
    (tmp_path / "train.txt").write_text("0\n")
    ds = FolderDataset(tmp_path)
    assert ds.ids("train") == ["0"] and ds.ids("all") == ["0", "1", "2", "3"]


def test_folder_train_test_subfolders(tmp_path: Path) -> None:
    """train/ and test/ folders each with the layout define the split; ids stay unique."""
    make_pairs(tmp_path / "train", {"1.png": "1.png", "2_1.png": "2.png"})
    make_pairs(tmp_path / "test", {"1.png": "1.png"}, hazy="input", clear="gt")
    ds = FolderDataset(tmp_path)
    assert ds.ids("train") == ["train/1", "train/2_1"] and ds.ids("test") == ["test/1"]
    assert ds.group("train/2_1") == "train/2" and ds.group("test/1") == "test/1"
    assert ds.load_pair("test/1")[0].shape == (12, 16, 3)


def test_folder_hash_split_keeps_groups_together_and_is_stable(tmp_path: Path) -> None:
    """About 20 % of scenes go to test, all variants of a scene together, unaffected by adds."""
    tiny_img = rgb(2, 2)
    for scene in range(60):
        save(tmp_path / "clear" / f"{scene}.png", tiny_img)
        for variant in range(3):
            save(tmp_path / "hazy" / f"{scene}_{variant}.png", tiny_img)
    ds = FolderDataset(tmp_path)
    train_groups = {ds.group(i) for i in ds.ids("train")}
    test_groups = {ds.group(i) for i in ds.ids("test")}
    assert not train_groups & test_groups and len(train_groups | test_groups) == 60
    assert 3 <= len(test_groups) <= 24
    assert all(_group_hash(g) % TEST_BUCKETS == 0 for g in test_groups)
    for scene in range(60, 70):
        save(tmp_path / "clear" / f"{scene}.png", tiny_img)
        save(tmp_path / "hazy" / f"{scene}_0.png", tiny_img)
    grown = FolderDataset(tmp_path)
    assert set(ds.ids("test")) <= set(grown.ids("test"))
    assert set(ds.ids("train")) <= set(grown.ids("train"))


def test_folder_fingerprint_follows_file_bytes(tmp_path: Path) -> None:
    """Same files -> same fingerprint; changed bytes -> a different one."""
    make_pairs(tmp_path, {"1.png": "1.png", "2.png": "2.png"})
    first = FolderDataset(tmp_path).fingerprint
    assert first == FolderDataset(tmp_path).fingerprint and len(first) == 64
    save(tmp_path / "clear" / "2.png", rgb(seed=42))
    assert FolderDataset(tmp_path).fingerprint != first


def test_export_then_read_back_is_identical(tmp_path: Path) -> None:
    """export() writes PNGs that FolderDataset reads back bit-exactly, with splits and groups."""
    source = tiny(n_cases=2, frames_per_case=3)
    assert export(source, tmp_path / "out", "all") == 6
    back = FolderDataset(tmp_path / "out")
    assert back.ids("all") == source.ids("all")
    assert back.ids("test") == source.ids("test") and back.ids("train") == source.ids("train")
    assert back.group("case01_f0002") == "case01"
    h1, c1 = source.load_many(source.ids("all"))
    h2, c2 = back.load_many(back.ids("all"))
    np.testing.assert_array_equal(h1, h2)
    np.testing.assert_array_equal(c1, c2)
    with pytest.raises(DatasetError, match="not empty"):
        export(source, tmp_path / "out", "test")
    assert export(source, tmp_path / "out", "test", limit=1, overwrite=True) == 1


def test_open_dataset_dispatch(tmp_path: Path) -> None:
    """None/'synthetic' -> synthetic (with options), a folder -> FolderDataset, else an error."""
    assert isinstance(open_dataset(None), SyntheticEndoscopyDataset)
    ds = open_dataset("synthetic", size=64, seed=3)
    assert (ds.size, ds.seed) == (64, 3)
    make_pairs(tmp_path, {"1.png": "1.png"})
    assert isinstance(open_dataset(str(tmp_path)), FolderDataset)
    for spec in ("no-such-thing", str(tmp_path / "hazy" / "1.png")):
        with pytest.raises(DatasetError):
            open_dataset(spec)
    with pytest.raises(DatasetError, match="size"):
        open_dataset(str(tmp_path), size=3)


@pytest.mark.skipif(not SOTS.is_dir(), reason="shared SOTS indoor subset not available")
def test_sots_indoor_30_pairs_all() -> None:
    """The RESIDE SOTS subset: 30 hazy <scene>_<k>.png pair with clear/<scene>.png."""
    ds = FolderDataset(SOTS)
    assert len(ds.ids("all")) == 30 and not any(ds.info()["unpaired"].values())
    assert len(ds.ids("train")) + len(ds.ids("test")) == 30
    first = ds.ids("all")[0]
    assert ds.group(first) == first.split("_")[0]
    hazy, clear = ds.load_pair(first)
    assert hazy.shape == clear.shape == (460, 620, 3)
