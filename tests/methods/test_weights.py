"""Safe loading: unsafe pickles refused without executing, clear errors for bad files."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import pytest
import torch

import methods
from methods.core.errors import UnsafeWeightsError, WeightsError
from methods.core.weights import extract_state_dict, strip_prefixes


class _TouchOnUnpickle:
    """Unpickling this creates a marker file: it stands for any malicious checkpoint."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_unsafe_pickle_is_refused_and_nothing_executes(tmp_path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"model": _TouchOnUnpickle(marker)}, path)
    with pytest.raises(UnsafeWeightsError, match="--trust-weights") as info:
        methods.get_method("aodnet", weights=path)
    assert not marker.exists()
    assert "\n" not in str(info.value)


def test_raw_pickle_file_is_refused(tmp_path) -> None:
    marker = tmp_path / "pwned2"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(_TouchOnUnpickle(marker)))
    with pytest.raises(UnsafeWeightsError):
        methods.get_method("lnet-gie", weights=path)
    assert not marker.exists()


def test_missing_and_garbage_files(tmp_path) -> None:
    with pytest.raises(WeightsError, match="not found"):
        methods.get_method("aodnet", weights=tmp_path / "nope.pth")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"this is not a checkpoint")
    with pytest.raises(WeightsError, match=str(junk)):
        methods.get_method("aodnet", weights=junk)


def test_wrong_architecture_names_missing_and_unexpected_keys(tmp_path) -> None:
    path = tmp_path / "lnet.pth"
    torch.save(methods.get_method("lnet-gie", use_shipped=False).module.state_dict(), path)
    with pytest.raises(WeightsError) as info:
        methods.get_method("aodnet", weights=path)
    text = str(info.value)
    assert "missing keys" in text and "e_conv3.weight" in text and "shape mismatch" in text


def test_unwrapping_rules() -> None:
    t = torch.zeros(1)
    assert extract_state_dict({"model": {"module.a": t}, "step": 3}) == {"a": t}
    assert extract_state_dict({"net": {"state_dict": {"b": t}}}) == {"b": t}
    assert strip_prefixes({"module._orig_mod.c": t}) == {"c": t}
    with pytest.raises(WeightsError, match="no state_dict"):
        extract_state_dict({"step": 3})


def test_gpu_saved_file_loads_on_cpu(aod_weights) -> None:
    m = methods.get_method("aodnet", weights=aod_weights, device="cpu")
    assert all(p.device.type == "cpu" for p in m.module.parameters())


def test_numpy_scalar_metrics_beside_weights_load_safely_for_any_method(tmp_path) -> None:
    import numpy as np

    state = methods.get_method("aodnet", use_shipped=False).module.state_dict()
    path = tmp_path / "with_metrics.pth"
    torch.save({"model": state, "best_psnr": np.float64(27.5), "epoch": np.int64(30)}, path)
    assert methods.get_method("aodnet", weights=path).is_ready
    torch.save({"model": state, "psnrs": np.zeros(3)}, path)  # arrays still need trust
    with pytest.raises(UnsafeWeightsError):
        methods.get_method("aodnet", weights=path)


def test_random_bytes_are_not_called_an_unsafe_pickle(tmp_path) -> None:
    path = tmp_path / "random.pth"
    path.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(WeightsError, match="is not a torch checkpoint") as info:
        methods.get_method("aodnet", weights=path)
    assert not isinstance(info.value, UnsafeWeightsError)
    assert "trust" not in str(info.value)


def test_truncated_checkpoint_says_truncated(tmp_path) -> None:
    whole = tmp_path / "whole.pth"
    torch.save(methods.get_method("aodnet", use_shipped=False).module.state_dict(), whole)
    cut = tmp_path / "cut.pth"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(WeightsError, match="truncated or corrupt"):
        methods.get_method("aodnet", weights=cut)
    empty = tmp_path / "empty.pth"
    empty.write_bytes(b"")
    with pytest.raises(WeightsError, match="is empty"):
        methods.get_method("aodnet", weights=empty)


def test_folder_given_as_weights_says_folder(tmp_path) -> None:
    with pytest.raises(WeightsError, match="is a folder, not a weights file"):
        methods.get_method("aodnet", weights=tmp_path)


def test_unsafe_pickle_names_the_blocked_global(tmp_path) -> None:
    marker = tmp_path / "pwned3"
    path = tmp_path / "evil.pth"
    torch.save({"model": _TouchOnUnpickle(marker)}, path)
    with pytest.raises(
        UnsafeWeightsError, match=r"global getattr \(it also imports pathlib\."
    ) as info:
        methods.get_method("aodnet", weights=path)
    assert str(info.value).endswith("`python -m benchmark convert-weights`")  # not cut short
    assert not marker.exists()


def test_old_format_checkpoint_loads_without_torch_warnings(tmp_path) -> None:
    path = tmp_path / "legacy.pth"
    state = methods.get_method("aodnet", use_shipped=False).module.state_dict()
    torch.save(state, path, _use_new_zipfile_serialization=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        method = methods.get_method("aodnet", weights=path)
    assert method.is_ready
