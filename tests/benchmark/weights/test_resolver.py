"""The one weights resolver: its documented order, the notice, and loading only what it chose."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from benchmark.report.provenance import weights_label
from benchmark.weights.resolver import build_method, resolve_weights
from methods import (
    SpecError,
    WeightsError,
    get_method,
    sha256_file,
    shipped_weights_for,
    trained_dir,
)


def _trained(folder: Path, spec: str, scale: float = 0.9) -> Path:
    """A checkpoint of `spec` with the sidecar `train` writes (weights scaled: not the shipped)."""
    method = get_method(spec)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec}.pth"
    torch.save({k: v * scale for k, v in method.module.state_dict().items()}, path)
    path.with_suffix(".json").write_text(json.dumps({"spec": spec}))
    return path


def test_the_order_is_user_then_shipped_then_weights_folder_then_cache(tmp_path: Path) -> None:
    shipped = shipped_weights_for("aodnet")
    trained = _trained(tmp_path / "weights", "aodnet")
    cached = _trained(trained_dir(), "aodnet", 0.8)
    user = tmp_path / "mine.pth"
    user.write_bytes(trained.read_bytes())
    assert resolve_weights("aodnet", {"aodnet": str(user)}, tmp_path / "weights").source == "user"
    choice = resolve_weights("aodnet:backend=eager", {}, tmp_path / "weights")
    assert (choice.source, Path(choice.path)) == ("shipped", shipped.resolve())
    assert choice.unused[0] == ("trained", str(trained.resolve()))
    notice = choice.notice()
    assert "using shipped weights" in notice and f"={trained.resolve()}" in notice
    gca = _trained(tmp_path / "weights", "gcanet")
    assert resolve_weights("gcanet", {}, tmp_path / "weights").source == "trained"
    gca.unlink()
    _trained(trained_dir(), "gcanet")
    assert resolve_weights("gcanet", {}, tmp_path / "weights").source.startswith("suite-trained:")
    assert cached.is_file()


def test_nothing_found_is_no_weights_and_building_it_raises(tmp_path: Path) -> None:
    choice = resolve_weights("ffanet", {}, tmp_path)
    assert choice.path is None and choice.neural and choice.notice() is None
    with pytest.raises(WeightsError, match="no weights"):
        build_method(choice)


def test_a_file_changed_since_it_was_resolved_is_refused(tmp_path: Path) -> None:
    path = _trained(tmp_path / "weights", "gcanet")
    choice = resolve_weights("gcanet", {}, tmp_path / "weights")
    assert build_method(choice).weights.sha256 == sha256_file(path)
    with pytest.raises(WeightsError, match=r"is not the .* resolved for gcanet"):
        build_method(replace(choice, sha256="0" * 64))


def test_classical_methods_take_no_weights(tmp_path: Path) -> None:
    assert resolve_weights("dcp").path is None and not resolve_weights("dcp").neural
    with pytest.raises(SpecError, match="takes no weights"):
        resolve_weights("dcp", {"dcp": str(tmp_path / "x.pth")})


def test_a_missing_user_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match=r"weights file not found: .*nope\.pth"):
        resolve_weights("aodnet", {"aodnet": str(tmp_path / "nope.pth")})


def test_the_weights_label_is_made_from_the_choice(tmp_path: Path) -> None:
    trained = resolve_weights("gcanet", {}, _trained(tmp_path / "w", "gcanet").parent)
    assert weights_label(trained) == f"trained in weights/ (sha256 {trained.sha256[:12]})"
    shipped = resolve_weights("aodnet", {}, None)
    assert weights_label(shipped) == "shipped (data 9051b341b45d)"  # the shipped sidecar's set
