"""`benchmark enhance`: a real 1080p video, a folder and an image, streamed; bad input as one line."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import methods
from benchmark.cli import main
from benchmark.data.video import VideoWriter, iter_frames, probe_video
from benchmark.images import to_uint8, unit_to_uint8

SEQUENCE = "endoscopy/real_presmoke_sequence"


def _rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


@pytest.fixture
def real_video(shared_data: Path, tmp_path: Path) -> Path:
    """The three real 1080p frames (206-208) written as a 3-frame MJPG video in tmp_path."""
    frames = [_rgb(p) for p in sorted((shared_data / SEQUENCE).glob("*.jpg"))]
    path = tmp_path / "smoke.avi"
    height, width = frames[0].shape[:2]
    with VideoWriter(path, 25.0, width, height) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def _expected(spec: str, rgb: np.ndarray) -> np.ndarray:
    """What the method gives for one decoded frame, converted as the runner converts."""
    x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255
    return to_uint8(methods.get_method(spec).enhance(x)[0])


def test_video_is_enhanced_frame_by_frame(
    real_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, side = tmp_path / "out.avi", tmp_path / "side.avi"
    args = ["enhance", "lnet-gie", str(real_video), str(out), "--side-by-side", str(side)]
    assert main([*args, "--device", "cpu", "--no-progress"]) == 0
    assert "3 frame(s)" in capsys.readouterr().out
    info, side_info = probe_video(out), probe_video(side)
    assert (info.width, info.height, info.frames) == (1920, 1080, 3)
    assert (side_info.width, side_info.height) == (3840, 1080)
    decoded_in = [f for _, f in iter_frames(real_video)]
    decoded_out = [f for _, f in iter_frames(out)]
    expected = _expected("lnet-gie", decoded_in[2])
    # MJPG is lossy: the decoded output is close to, not equal to, the enhanced frame
    assert np.abs(decoded_out[2].astype(int) - expected).mean() < 3.0
    assert np.abs(decoded_out[2].astype(int) - decoded_in[2]).mean() > 10.0  # it did something


def test_folder_and_image(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "endoscopy/lsrpd_real_pair/hazy"
    assert main(["enhance", "dcp", str(folder), str(tmp_path / "outs"), "--no-progress"]) == 0
    written = _rgb(tmp_path / "outs/1.png")
    assert np.array_equal(written, _expected("dcp", _rgb(folder / "1.png")))
    single = tmp_path / "one.png"
    assert main(["enhance", "aodnet", str(folder / "1.png"), str(single), "--no-progress"]) == 0
    # AOD-Net's fused 8-bit kernel forms Eq. 1 in 8 bits: within one level of the float path
    differ = np.abs(_rgb(single).astype(int) - _expected("aodnet", _rgb(folder / "1.png")))
    assert differ.max() <= 1 and (differ > 0).mean() < 0.001


def test_one_unreadable_image_in_a_folder_does_not_sink_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.full((20, 30, 3), 128, np.uint8))
    (folder / "b.png").write_bytes(b"not a png")
    assert main(["enhance", "dcp", str(folder), str(tmp_path / "out"), "--no-progress"]) == 1
    assert (tmp_path / "out/a.png").is_file()
    assert "b.png" in capsys.readouterr().err


def test_unit_to_uint8_equals_to_uint8() -> None:
    x = torch.rand(3, 40, 50, generator=torch.Generator().manual_seed(0))
    x[0, 0, :5] = torch.tensor([0.5 / 255, 1.5 / 255, 2.5 / 255, 1.0, 0.0])
    assert np.array_equal(unit_to_uint8(x), to_uint8(x))


def _error(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    assert main([*args, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.avi"
    broken.write_bytes(b"\x00" * 1000)
    assert "cannot read video" in _error(capsys, ["enhance", "dcp", str(broken), "o.avi"])
    missing = str(tmp_path / "nope.avi")
    assert "not found" in _error(capsys, ["enhance", "dcp", missing, "o.avi"])
    image = tmp_path / "a.png"
    cv2.imwrite(str(image), np.full((20, 30, 3), 128, np.uint8))
    unwritable = str(tmp_path / "no/such/folder/out.png")
    assert "does not exist" in _error(capsys, ["enhance", "dcp", str(image), unwritable])
    err = _error(capsys, ["enhance", "ffanet", str(image), str(tmp_path / "o.png")])
    assert "no weights" in err and "--weights" in err
    err = _error(capsys, ["enhance", "dcp", str(image), str(tmp_path / "o.avi")])
    assert "images are written as images" in err


def test_video_output_needs_a_video_extension(
    real_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _error(capsys, ["enhance", "dcp", str(real_video), str(tmp_path / "o.png")])
    assert "a video is written as one of" in err
