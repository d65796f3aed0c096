"""Reading one image file as uint8 RGB, with a note of every conversion made on the way.

Pillow reads only the header (pixel mode, bit depth, EXIF orientation) and OpenCV decodes the
pixels at full depth. Modes whose colour conversion is Pillow's own (CMYK, YCbCr, LAB, HSV,
RGBX), and files OpenCV cannot decode as the header describes (grey+alpha TIFF, a PNG whose
end is damaged, ...), are decoded by Pillow instead. 16-bit values become round(v/257),
greyscale is replicated, an opaque alpha channel is dropped and a translucent one composited
on black; the EXIF orientation is applied, so images are shown upright as a viewer shows them.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import ExifTags, Image, UnidentifiedImageError

from ..errors import DatasetError
from .overrides import SettingOverride

GREY_16 = frozenset({"I;16", "I;16B", "I;16L", "I;16N"})
WIDE_MODES = frozenset({"RGB", "RGBA", "LA"})  # modes whose raw layout may be 16 bits a channel
ALPHA_ORIGIN = {"RGBA": "RGBA", "LA": "greyscale+alpha", "P": "palette", "PA": "palette+alpha"}
PILLOW_CONVERTED = frozenset({"RGBX", "CMYK", "YCbCr", "LAB", "HSV"})
PACKED_RAWMODES = frozenset({"BGR;15", "BGR;16"})  # 5 or 6 bits a channel (16-bit BMP)
TRANSLUCENT = frozenset({"RGBA", "LA", "PA"})
READ_ERRORS = (
    OSError,
    UnidentifiedImageError,
    Image.DecompressionBombError,
    ValueError,
    SyntaxError,
    struct.error,
)
SELF_ORIENTING = frozenset({"TIFF"})  # formats whose decoders apply the Orientation tag already

# Channel counts and sample type OpenCV must give for a Pillow mode (None: 8 or 16 bits, as
# the header's raw layout says).
OPENCV_LAYOUTS: dict[str, tuple[tuple[int, ...], str | None]] = {
    "1": ((1,), "uint8"),
    "L": ((1,), "uint8"),
    **{mode: ((1,), "uint16") for mode in GREY_16},
    "I": ((1,), "int32"),
    "F": ((1,), "float32"),
    "RGB": ((3, 4), None),  # a PNG colour key (tRNS) adds an alpha channel: ignored
    "RGBA": ((4,), None),
    "LA": ((4,), None),  # OpenCV gives grey+alpha as RGBA
    "P": ((3, 4), "uint8"),
    "PA": ((4,), "uint8"),
}

quiet_opencv = SettingOverride(
    cv2.utils.logging.getLogLevel,
    cv2.utils.logging.setLogLevel,
    cv2.utils.logging.LOG_LEVEL_SILENT,
)

# How each EXIF orientation (2..8) turns the stored pixels upright.
UPRIGHT: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: cv2.flip(a, 1),
    3: lambda a: cv2.rotate(a, cv2.ROTATE_180),
    4: lambda a: cv2.flip(a, 0),
    5: cv2.transpose,
    6: lambda a: cv2.rotate(a, cv2.ROTATE_90_CLOCKWISE),
    7: lambda a: cv2.flip(cv2.transpose(a), -1),
    8: lambda a: cv2.rotate(a, cv2.ROTATE_90_COUNTERCLOCKWISE),
}


@dataclass(frozen=True)
class Header:
    """What Pillow reads from a file before any pixel is decoded."""

    mode: str  # Pillow's pixel mode, e.g. "RGB", "P", "I;16"
    rawmode: str  # the stored layout, e.g. "RGB;16B" or "LA;16B"; "" when unknown
    size: tuple[int, int]  # (width, height) of the decoded pixels
    format: str  # "PNG", "JPEG", "BMP", "TIFF", ...
    orientation: int  # EXIF orientation still to apply (1: none)

    @property
    def wide(self) -> bool:
        """Colour stored with 16 bits per channel."""
        return self.mode in WIDE_MODES and ";16" in self.rawmode


def read_image(path: Path, label: str) -> tuple[np.ndarray, str | None]:
    """Decode an image as uint8 HxWx3 RGB; return it with a note of any conversion done.

    `label` names the file in messages. Raises DatasetError if it cannot be read.
    """
    try:
        with Image.open(path) as im:
            header = read_header(im)
            pixels = decode_opencv(path, header)
            if pixels is None:
                pixels = decode_pillow(im)
        rgb, note = to_rgb8(pixels, header, label)
    except DatasetError:
        raise
    except READ_ERRORS as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(
            f"cannot read image {label}: {reason}; replace or remove the file"
        ) from None
    return upright(rgb, header.orientation), note


def read_header(im: Image.Image) -> Header:
    """Mode, stored layout, size, format and pending orientation of an opened image."""
    return Header(im.mode, _rawmode(im), im.size, im.format or "", _orientation(im))


def _rawmode(im: Image.Image) -> str:
    """The decoder's raw pixel layout (e.g. 'RGB;16B'), or '' when unknown."""
    if not im.tile:
        return ""
    args = im.tile[0].args if hasattr(im.tile[0], "args") else im.tile[0][3]
    first = args[0] if isinstance(args, tuple) and args else args
    return first if isinstance(first, str) else ""


def _orientation(im: Image.Image) -> int:
    """EXIF orientation (1..8) the decoded pixels still need; 1 when there is none.

    A PNG's eXIf chunk is looked for only before the image data: Pillow's getexif() would
    decode every pixel of every PNG to search after it.
    """
    if im.format in SELF_ORIENTING or (im.format == "PNG" and "exif" not in im.info):
        return 1
    try:
        value = im.getexif().get(ExifTags.Base.Orientation, 1)
    except READ_ERRORS:  # damaged EXIF: the pixels are shown as stored
        return 1
    return value if isinstance(value, int) and value in UPRIGHT else 1


def upright(image: np.ndarray, orientation: int) -> np.ndarray:
    """Turn decoded pixels as the EXIF orientation says (1 or unknown values: unchanged)."""
    turn = UPRIGHT.get(orientation)
    return image if turn is None else np.ascontiguousarray(turn(image))


# ----------------------------------------------------------------------------- decoding


def decode_opencv(path: Path, header: Header) -> np.ndarray | None:
    """Pixels in RGB(A) channel order at full depth, or None where Pillow must decode."""
    if header.mode not in OPENCV_LAYOUTS or _pillow_decodes(header):
        return None
    try:
        with quiet_opencv():
            image = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error:
        return None
    if image is None or not _matches(image, header):
        return None
    if image.ndim == 3:
        code = cv2.COLOR_BGR2RGB if image.shape[2] == 3 else cv2.COLOR_BGRA2RGBA
        image = cv2.cvtColor(image, code)
    return image


def _pillow_decodes(header: Header) -> bool:
    """Files OpenCV decodes to other values than Pillow: those keep Pillow's decoding.

    OpenCV widens 5- and 6-bit colour by shifting where Pillow scales, and premultiplies the
    alpha of 8-bit TIFFs; Pillow's own colour conversions (CMYK, YCbCr, ...) stay Pillow's.
    """
    return (
        header.mode in PILLOW_CONVERTED
        or header.rawmode in PACKED_RAWMODES
        or (header.format == "TIFF" and header.mode in TRANSLUCENT and not header.wide)
    )


def _matches(image: np.ndarray, header: Header) -> bool:
    """Whether OpenCV decoded what the header describes (size, channels, sample type)."""
    channels, dtype = OPENCV_LAYOUTS[header.mode]
    if dtype is None:
        dtype = "uint16" if header.wide else "uint8"
    found = 1 if image.ndim == 2 else image.shape[2]
    size = (image.shape[1], image.shape[0])
    return size == header.size and found in channels and image.dtype.name == dtype


def decode_pillow(im: Image.Image) -> np.ndarray:
    """Pillow's decoding: palettes and alpha as RGBA, bilevel as 0/255, other modes as stored."""
    im.load()
    if im.mode == "1":
        return np.asarray(im.convert("L"))
    if im.mode in ALPHA_ORIGIN:
        return np.asarray(im.convert("RGBA"))
    if im.mode in PILLOW_CONVERTED:
        return np.asarray(im.convert("RGB"))
    return np.asarray(im)


# ----------------------------------------------------------------------------- conversion


def to_8bit(values: np.ndarray) -> np.ndarray:
    """Scale 16-bit values to 8 bits as round(v / 257), exactly, in integer arithmetic."""
    v = values.astype(np.uint32)
    return ((2 * v + 257) // 514).astype(np.uint8)


def to_rgb8(pixels: np.ndarray, header: Header, label: str) -> tuple[np.ndarray, str | None]:
    """Decoded pixels of any mode as uint8 RGB, describing what was done (None: nothing)."""
    if pixels.dtype == np.uint16 and pixels.ndim == 3:
        return _wide_to_rgb8(pixels, header)
    rgb, note = _to_rgb8(pixels, header.mode, label)
    if header.wide:  # only Pillow decoded it, and Pillow keeps the high byte of 16-bit colour
        note = f"16-bit {header.format} colour: {note or 'RGB'}, high byte kept (v >> 8)"
    return rgb, note


def _to_rgb8(pixels: np.ndarray, mode: str, label: str) -> tuple[np.ndarray, str | None]:
    """8-bit colour, palette or any greyscale as uint8 RGB, with its conversion note."""
    if mode == "RGB":
        return np.ascontiguousarray(pixels[..., :3]), None
    if mode in GREY_16 or mode == "I":
        if pixels.min() < 0 or pixels.max() > 65535:
            raise DatasetError(
                f"cannot read image {label}: 32-bit integer values outside 0..65535; "
                "save it as 8- or 16-bit"
            )
        return _grey3(to_8bit(pixels)), "16-bit greyscale -> 8-bit RGB (round(v/257), replicated)"
    if mode == "F":
        return _float_grey(pixels, label)
    if mode in ("L", "1"):
        return _grey3(pixels), "greyscale -> RGB (replicated)"
    if mode in ALPHA_ORIGIN:
        alpha = pixels[..., 3] if pixels.shape[2] == 4 else None
        rgb, note = drop_alpha(pixels[..., :3], alpha, 255)
        if mode == "P" and not note.startswith("composited"):
            return rgb, "palette -> RGB"
        return rgb, f"{ALPHA_ORIGIN[mode]} -> RGB, {note}"
    if mode in PILLOW_CONVERTED:
        return np.ascontiguousarray(pixels), f"{mode} -> RGB"
    raise DatasetError(
        f"cannot read image {label}: unsupported pixel mode {mode}; save it as 8-bit RGB"
    )


def _wide_to_rgb8(wide: np.ndarray, header: Header) -> tuple[np.ndarray, str]:
    """16-bit colour (RGB, RGBA, or grey+alpha decoded as RGBA) as 8-bit RGB, noted."""
    alpha = wide[..., 3] if header.mode != "RGB" and wide.shape[2] == 4 else None
    rgb, alpha_note = drop_alpha(wide[..., :3], alpha, 65535)
    grey = header.rawmode.startswith("LA")
    note = "16-bit -> 8-bit (round(v/257))" + (", greyscale replicated" if grey else "")
    return to_8bit(rgb), note + (f", {alpha_note}" if alpha is not None else "")


def _grey3(grey: np.ndarray) -> np.ndarray:
    """Replicate an HxW grey image into HxWx3."""
    return np.repeat(grey[..., None], 3, axis=2)


def _float_grey(values: np.ndarray, label: str) -> tuple[np.ndarray, str]:
    """Floating-point greyscale in [0, 1] -> uint8 RGB; other ranges are refused."""
    values = values.astype(np.float64)
    if not np.isfinite(values).all() or values.min() < 0 or values.max() > 1:
        raise DatasetError(
            f"cannot read image {label}: float values outside [0, 1]; save it as 8-bit RGB"
        )
    grey = np.floor(values * 255 + 0.5).astype(np.uint8)
    return _grey3(grey), "float greyscale -> 8-bit RGB (round(v*255), replicated)"


def drop_alpha(rgb: np.ndarray, alpha: np.ndarray | None, full: int) -> tuple[np.ndarray, str]:
    """Drop an opaque (or absent) alpha channel, or composite on black if any pixel is not."""
    if alpha is None or (alpha == full).all():
        return np.ascontiguousarray(rgb), "alpha dropped (fully opaque)"
    a = alpha.astype(np.uint64)[..., None]
    mixed = (rgb.astype(np.uint64) * a + full // 2) // full
    return mixed.astype(rgb.dtype), "composited on black (alpha not opaque)"
