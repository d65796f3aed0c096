"""Tests of image reading: conversions (16-bit, grey, alpha, palette) and their notes."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import ExifTags, Image, ImageOps

from benchmark.data import DatasetError, FolderDataset
from benchmark.data.image_io import read_image
from tests.benchmark.data.helpers import rgb, save, write_png16


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


def stored(path: Path) -> np.ndarray:
    """The pixels of a file as stored, decoded by Pillow (no orientation applied), as RGB."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def save_jpeg(path: Path, array: np.ndarray, orientation: int) -> Path:
    """Write a JPEG whose EXIF says how to turn the stored pixels upright."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.fromarray(array)
    exif = im.getexif()
    exif[ExifTags.Base.Orientation] = orientation
    im.save(path, exif=exif, quality=95)
    return path


def test_exif_rotated_jpeg_is_read_upright(tmp_path: Path) -> None:
    """Orientation 6 (stored turned left): pixels come back upright, sizes as displayed."""
    upright = np.zeros((64, 40, 3), dtype=np.uint8)
    upright[:16, :8] = (250, 40, 40)  # a red mark in the top-left corner of the upright view
    upright[40:] = (30, 200, 60)
    path = save_jpeg(tmp_path / "hazy" / "x.jpg", np.rot90(upright, k=1), orientation=6)
    image, note = read_image(path, "hazy/x.jpg")
    assert note is None and image.shape == (64, 40, 3)
    np.testing.assert_array_equal(image, np.rot90(stored(path), k=-1))
    with Image.open(path) as im:
        np.testing.assert_array_equal(image, np.asarray(ImageOps.exif_transpose(im)))
    assert np.abs(image.astype(int) - upright).mean() < 3
    assert image[:16, :8, 0].mean() > 200 and image[:16, -8:, 0].mean() < 50
    save(tmp_path / "clear" / "x.png", rgb(40, 64))  # the stored size, 64 wide: not a pair
    with pytest.raises(DatasetError, match=r"hazy/x\.jpg is 40x64 but clear/x\.png is 64x40"):
        FolderDataset(tmp_path).load_pair("x")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillow(tmp_path: Path, orientation: int) -> None:
    """Flips, rotations and transpositions agree with Pillow's exif_transpose."""
    path = save_jpeg(tmp_path / "o.jpg", rgb(24, 40, seed=orientation), orientation)
    with Image.open(path) as im:
        expected = np.asarray(ImageOps.exif_transpose(im))
    np.testing.assert_array_equal(read_image(path, "o.jpg")[0], expected)


@pytest.mark.parametrize("orientation", [3, 6])
def test_tiff_orientation_is_applied_once(tmp_path: Path, orientation: int) -> None:
    """TIFF decoders turn pixels upright themselves; the tag is not applied a second time."""
    im = Image.fromarray(rgb(24, 40, seed=orientation))
    exif = im.getexif()
    exif[ExifTags.Base.Orientation] = orientation
    im.save(tmp_path / "o.tif", exif=exif)
    image = read_image(tmp_path / "o.tif", "o.tif")[0]
    with Image.open(tmp_path / "o.tif") as stored_im:
        assert stored_im.getexif().get(ExifTags.Base.Orientation) == orientation
        upright = np.asarray(stored_im.convert("RGB"))  # Pillow applies a TIFF's orientation
    np.testing.assert_array_equal(image, upright)
    assert image.shape == ((40, 24, 3) if orientation == 6 else (24, 40, 3))


def test_wide_tiff_colour_is_rounded_like_png(tmp_path: Path) -> None:
    """16-bit RGB TIFF: round(v/257) at full depth, as for 16-bit PNG."""
    wide = np.random.default_rng(5).integers(0, 65536, (5, 9, 3), dtype=np.uint16)
    wide[0, 0] = [128, 129, 385]
    assert cv2.imwrite(str(tmp_path / "w.tif"), cv2.cvtColor(wide, cv2.COLOR_RGB2BGR))
    image, note = read_image(tmp_path / "w.tif", "w.tif")
    np.testing.assert_array_equal(image, ((2 * wide.astype(np.int64) + 257) // 514))
    assert note == "16-bit -> 8-bit (round(v/257))" and tuple(image[0, 0]) == (0, 1, 1)


def test_pillow_decodes_what_opencv_would_change(tmp_path: Path) -> None:
    """CMYK JPEG, 8-bit RGBA TIFF (OpenCV premultiplies) and grey+alpha TIFF read as Pillow's."""
    Image.fromarray(rgb(8, 10)).convert("CMYK").save(tmp_path / "cmyk.jpg")
    image, note = read_image(tmp_path / "cmyk.jpg", "cmyk.jpg")
    assert note == "CMYK -> RGB"
    with Image.open(tmp_path / "cmyk.jpg") as im:
        np.testing.assert_array_equal(image, np.asarray(im.convert("RGB")))
    rgba = np.dstack([rgb(8, 10), np.arange(80, dtype=np.uint8).reshape(8, 10) * 3])
    Image.fromarray(rgba).save(tmp_path / "rgba.tif")
    image, note = read_image(tmp_path / "rgba.tif", "rgba.tif")
    expect = (rgba[..., :3].astype(int) * rgba[..., 3:] + 127) // 255
    np.testing.assert_array_equal(image, expect)
    assert note == "RGBA -> RGB, composited on black (alpha not opaque)"
    la = np.dstack([rgb(8, 10)[..., 0], np.full((8, 10), 255, np.uint8)])
    Image.fromarray(la, "LA").save(tmp_path / "la.tif")
    image, note = read_image(tmp_path / "la.tif", "la.tif")
    np.testing.assert_array_equal(image, np.dstack([la[..., 0]] * 3))
    assert note == "greyscale+alpha -> RGB, alpha dropped (fully opaque)"


def test_packed_16bpp_bmp_is_widened_like_pillow(tmp_path: Path) -> None:
    """5-bit BMP channels scale to 0..255 as Pillow does (OpenCV would shift them)."""
    h, w = 3, 4
    values = np.random.default_rng(2).integers(0, 1 << 15, (h, w)).astype("<u2")
    values[0, 0] = 0x7FFF  # 31 in every channel: white, where shifting would give 248
    pixels = values[::-1].tobytes()  # bottom-up rows, 8 bytes each (already 4-byte aligned)
    header = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 16, 0, len(pixels), 2835, 2835, 0, 0)
    size = 14 + len(header) + len(pixels)
    data = b"BM" + struct.pack("<IHHI", size, 0, 0, 14 + len(header)) + header + pixels
    (tmp_path / "p.bmp").write_bytes(data)
    image, note = read_image(tmp_path / "p.bmp", "p.bmp")
    np.testing.assert_array_equal(image, stored(tmp_path / "p.bmp"))
    assert note is None and tuple(image[0, 0]) == (255, 255, 255)


def test_colour_key_is_ignored_and_damaged_end_falls_back(tmp_path: Path) -> None:
    """An RGB PNG's tRNS colour key is not alpha; a PNG OpenCV refuses is read by Pillow."""
    key = rgb(6, 7)
    Image.fromarray(key).save(tmp_path / "key.png", transparency=tuple(int(v) for v in key[0, 0]))
    image, note = read_image(tmp_path / "key.png", "key.png")
    np.testing.assert_array_equal(image, key)
    assert note is None
    data = (tmp_path / "key.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[:-2])  # the IEND chunk's checksum is cut short
    np.testing.assert_array_equal(read_image(tmp_path / "cut.png", "cut.png")[0], key)
    (tmp_path / "half.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match=r"^cannot read image half\.png: .*replace or remove"):
        read_image(tmp_path / "half.png", "half.png")
