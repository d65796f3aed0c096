"""Registry, spec strings, variants, grids and entry-point plugins."""

from __future__ import annotations

import importlib.metadata

import pytest
import torch

import methods
from methods.core import registry
from methods.core.errors import MethodError, SpecError, UnknownMethodError


def test_builtin_methods_are_registered() -> None:
    names = methods.available_methods()
    for name in ("lnet-gie", "aodnet", "dcp", "cap"):
        assert name in names


def test_every_method_has_the_interface() -> None:
    x = torch.rand(1, 3, 19, 23)
    for name in ("lnet-gie", "aodnet", "dcp", "cap"):
        m = methods.get_method(name, device="cpu")
        assert m.name == name and m.display_name and m.kind in ("neural", "classical")
        assert m.device == torch.device("cpu")
        y = m.enhance(x)
        assert y.shape == x.shape and y.dtype == torch.float32
        assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0
        if m.kind == "classical":
            assert m.num_params == 0 and m.file_size_bytes == 0 and m.module is None
        else:
            assert m.num_params > 0 and m.file_size_bytes > 0 and m.module is not None


def test_unknown_method_suggests_close_names() -> None:
    with pytest.raises(UnknownMethodError, match=r"did you mean 'lnet-gie'"):
        methods.get_method("lnet-gei")
    with pytest.raises(UnknownMethodError, match="available"):
        methods.get_method("zzzz")


def test_canonical_spec_sorts_and_drops_defaults() -> None:
    assert methods.get_method("lnet-gie:rm=0.5,wm=0.5").spec == "lnet-gie"
    m = methods.get_method("lnet-gie:wm=1,rm=0.25")
    assert m.spec == "lnet-gie:rm=0.25,wm=1.0"
    assert methods.canonical_spec("lnet-gie:wm=1,rm=.25") == m.spec
    assert methods.get_method("dcp:omega=0.9,patch=7").spec == "dcp:omega=0.9,patch=7"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("lnet-gie:rm=abc", "expected float"),
        ("lnet-gie:rm=0", "0 < rm <= 1"),
        ("lnet-gie:wm=0.9", "must be 1 or 3"),
        ("lnet-gie:rn=0.5", "did you mean 'rm'"),
        ("lnet-gie:rm", "expected key=value"),
        ("dcp:patch=4", "odd"),
        ("dcp:refine=maybe", "expected bool"),
        ("", "empty method spec"),
    ],
)
def test_bad_specs_fail_with_one_clear_line(spec: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as info:
        methods.get_method(spec)
    assert "\n" not in str(info.value)


def test_grid_expansion() -> None:
    specs = methods.expand_spec("lnet-gie:rm=[0.25,0.5,1.0],wm=[0.5,1.0]")
    assert len(specs) == 6
    canon = {methods.canonical_spec(s) for s in specs}
    assert "lnet-gie" in canon and "lnet-gie:rm=1.0,wm=1.0" in canon and len(canon) == 6
    assert methods.expand_spec("dcp") == ["dcp"]
    with pytest.raises(SpecError):
        methods.expand_spec("dcp:omega=[0.9")


def test_classical_method_refuses_weights(tmp_path) -> None:
    with pytest.raises(SpecError, match="takes no weights"):
        methods.get_method("dcp", weights=tmp_path / "x.pth")


def test_cuda_requested_without_cuda_is_a_clear_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(MethodError, match="no CUDA device"):
        methods.get_method("dcp", device="cuda")
    assert methods.resolve_device("auto") == torch.device("cpu")


def test_entry_point_plugins_are_discovered(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = importlib.metadata.EntryPoint(
        name="gamma", value="tests.methods.plugin_example:GammaPlugin", group="dehaze_bench.methods"
    )
    broken = importlib.metadata.EntryPoint(
        name="broken", value="tests.methods.no_such_module:X", group="dehaze_bench.methods"
    )

    def fake_entry_points(group: str):
        return [entry, broken] if group == registry.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    with pytest.warns(UserWarning, match="broken"):
        names = methods.available_methods()
    assert "test-gamma-plugin" in names
    m = methods.get_method("test-gamma-plugin")
    x = torch.full((1, 3, 4, 4), 0.5)
    assert torch.allclose(m.enhance(x), x.pow(0.8))


def test_register_rejects_bad_and_duplicate_names() -> None:
    class Bad(methods.ClassicalMethod):
        name = "Bad Name"

    with pytest.raises(ValueError, match="lower-case"):
        methods.register_method(Bad)

    class Clash(methods.ClassicalMethod):
        name = "dcp"

    with pytest.raises(ValueError, match="already registered"):
        methods.register_method(Clash)


def test_enhance_rejects_wrong_shapes() -> None:
    m = methods.get_method("dcp")
    with pytest.raises(ValueError, match=r"\(N,3,H,W\)"):
        m.enhance(torch.rand(3, 8, 8))


def test_grid_with_an_empty_value_is_refused() -> None:
    with pytest.raises(SpecError, match="an empty value in the grid rm="):
        methods.expand_spec("lnet-gie:rm=[0.25,,0.5]")


def test_overlap_without_tile_is_refused() -> None:
    with pytest.raises(SpecError, match="overlap only applies with tiling"):
        methods.get_method("aodnet:overlap=8", use_shipped=False)
    assert methods.get_method("aodnet:tile=64,overlap=8", use_shipped=False).values["tile"] == 64


def test_range_errors_state_the_allowed_range_not_the_help_text() -> None:
    with pytest.raises(SpecError, match=r"bad value omega=2.0: need 0 < omega <= 1$"):
        methods.get_method("dcp:omega=2.0")
    for name in methods.available_methods():
        for key, param in methods.method_class(name).all_params().items():
            assert param.check is None or param.check_msg, f"{name}.{key} has no range text"
