"""Published outputs as a method: matching by name, stripped affix and mapping file; frame k of a
video for input frame k; missing, ambiguous and wrongly sized outputs refused by name."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import methods
from methods.core.errors import MethodError, SpecError
from methods.outputs import PublishedOutputs, _common_affix

CLIPS = Path("endoscopy") / "desmoke_lap_clips"


def _write(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return path


def _image(seed: int, size: tuple[int, int] = (12, 16)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8)


def _tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0


def test_common_affixes_stop_at_a_separator() -> None:
    assert _common_affix(["cyclegan_2", "cyclegan_10", "cyclegan_12"], suffix=False) == "cyclegan_"
    assert _common_affix(["cyclegan_10", "cyclegan_11"], suffix=False) == "cyclegan_"
    assert _common_affix(["a_out", "b_out"], suffix=True) == "_out"
    assert _common_affix(["only_one"], suffix=False) == ""


def test_cyclegan_clips_frame_k_is_the_output_for_input_frame_k(shared_data: Path) -> None:
    folder = shared_data / CLIPS / "CycleGAN"
    method = methods.get_method(f"outputs:path={folder},name=CycleGAN (published)")
    assert method.display_name == "CycleGAN (published)" and method.kind == "outputs"
    assert method.match("input_12_000049").path.name == "cyclegan_12.avi"  # not cyclegan_2
    assert method.match("input_2_000003").path.name == "cyclegan_2.avi"
    capture = cv2.VideoCapture(str(folder / "cyclegan_7.avi"))
    frames = [cv2.cvtColor(capture.read()[1], cv2.COLOR_BGR2RGB) for _ in range(6)]
    capture.release()
    x = torch.zeros(2, 3, 256, 256)
    for ids in (["input_7_000004", "input_7_000005"], ["input_7_000001", "input_7_000002"]):
        out = method.enhance(x, ids=ids)  # forward, then back: the reader re-opens the video
        expected = torch.stack([_tensor(frames[int(i[-6:])])[0] for i in ids])
        assert torch.equal(out, expected)
    inputs = [f"input_{n}_{k:06d}" for n in (2, 6, 7, 8, 9, 10, 11, 12, 16, 17) for k in range(50)]
    assert method.audit(inputs, [(256, 256)] * len(inputs)) == []
    problems = method.audit(["input_2_000050", "input_3_000000"], [(256, 256)] * 2)
    assert problems[0].startswith("no output for 2 input(s): input_2_000050, input_3_000000")
    assert "9 output file(s) match no input" in problems[1]


def test_by_name_suffix_and_mapping_file(tmp_path: Path) -> None:
    a, b = _image(1), _image(2)
    _write(tmp_path / "same" / "img1.png", a)
    _write(tmp_path / "same" / "img2.png", b)
    same = methods.get_method(f"outputs:path={tmp_path / 'same'}")
    assert same.display_name == "same"  # the folder's name by default
    out = same.enhance(torch.cat([_tensor(b), _tensor(a)]), ids=["img2", "img1"])
    assert torch.equal(out, torch.cat([_tensor(b), _tensor(a)]))
    _write(tmp_path / "suffix" / "img1_dehazed.png", a)
    _write(tmp_path / "suffix" / "img2_dehazed.png", b)
    assert methods.get_method(f"outputs:path={tmp_path / 'suffix'}").match("img2").path.name == (
        "img2_dehazed.png"
    )
    _write(tmp_path / "mapped" / "x.png", a)
    _write(tmp_path / "mapped" / "y.png", b)
    mapping = tmp_path / "map.txt"
    mapping.write_text("# input output\nimg1.png y.png\nimg2, x.png\n", encoding="utf-8")
    mapped = methods.get_method(f"outputs:path={tmp_path / 'mapped'},map={mapping}")
    out = mapped.enhance(torch.cat([_tensor(a), _tensor(a)]), ids=["img1", "img2"])
    assert torch.equal(out, torch.cat([_tensor(b), _tensor(a)]))
    with pytest.raises(MethodError, match="no output for img3"):
        mapped.enhance(_tensor(a), ids=["img3"])  # a mapping file is the whole matching


def test_missing_wrong_size_and_ambiguous_outputs_are_refused_by_name(tmp_path: Path) -> None:
    _write(tmp_path / "out" / "img1.png", _image(1, (12, 16)))
    _write(tmp_path / "out" / "img2.png", _image(2, (10, 16)))
    method = methods.get_method(f"outputs:path={tmp_path / 'out'}")
    with pytest.raises(MethodError, match=r"no output for img9 in .*: not scored"):
        method.enhance(torch.zeros(1, 3, 12, 16), ids=["img9"])
    with pytest.raises(MethodError, match=r"output for img2 is 16x10, the input 16x12"):
        method.enhance(torch.zeros(1, 3, 12, 16), ids=["img2"])
    problems = method.audit(["img1", "img2", "img9"], [(12, 16)] * 3)
    assert problems == [
        "no output for 1 input(s): img9",
        "img2.png is 16x10, its input img2 16x12: not scored",
    ]
    with pytest.raises(ValueError, match="needs the id of each of the 1 image"):
        method.enhance(torch.zeros(1, 3, 12, 16))
    _write(tmp_path / "amb" / "x_1.png", _image(1))
    _write(tmp_path / "amb" / "1_y.png", _image(2))
    ambiguous = methods.get_method(f"outputs:path={tmp_path / 'amb'}")
    with pytest.raises(MethodError, match=r"x_1_y matches several outputs \(1_y.png, x_1.png\)"):
        ambiguous.match("x_1_y")  # never one of them picked silently
    with pytest.raises(MethodError, match="no such folder"):
        methods.get_method(f"outputs:path={tmp_path / 'nowhere'}")


def test_fingerprint_is_the_identity_and_outputs_stay_out_of_all(tmp_path: Path) -> None:
    _write(tmp_path / "out" / "img1.png", _image(1))
    before = methods.get_method(f"outputs:path={tmp_path / 'out'}").weights
    _write(tmp_path / "out" / "img1.png", _image(5))
    after = methods.get_method(f"outputs:path={tmp_path / 'out'}").weights
    assert before.source == after.source == "outputs" and before.sha256 != after.sha256
    assert not PublishedOutputs.in_all and not PublishedOutputs.measured
    bare = methods.get_method("outputs")  # listable, never scoreable without a folder
    assert not bare.is_ready and "outputs:path=DIR" in bare.not_ready_reason()
    with pytest.raises(SpecError, match="no parameter 'folder'"):
        methods.parse_spec("outputs:folder=x")
