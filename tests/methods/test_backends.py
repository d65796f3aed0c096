"""The `backend` spec key: same numbers as eager, recorded difference, weights keyed without it."""

from __future__ import annotations

import pytest
import torch

import methods
from benchmark.run.config import RunConfig
from methods.core.backends import weights_spec_of
from methods.core.errors import SpecError
from tests.conftest import requires_cuda


def _input(height: int = 48, width: int = 64) -> torch.Tensor:
    return torch.rand(2, 3, height, width, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", ["lnet-gie", "aodnet"])
@pytest.mark.parametrize("backend", ["auto", "channels_last"])
def test_backend_outputs_equal_eager_and_are_checked(name: str, backend: str) -> None:
    eager = methods.get_method(f"{name}:backend=eager")
    other = methods.get_method(f"{name}:backend={backend}")
    assert other.weights == eager.weights and other.weights is not None  # shipped, same file
    x = _input()
    diff = float((other.enhance(x) - eager.enhance(x)).abs().max())
    assert diff <= 1e-6
    recorded = other.backend.max_abs_diff_vs_eager  # auto: the fused CPU kernels
    assert recorded is not None and recorded <= 1e-6


def test_auto_without_a_faster_path_is_eager_and_checks_nothing() -> None:
    method = methods.get_method("hazy-input")
    assert method.backend is None  # classical: no backend choice
    gca = methods.get_method("gcanet")  # no fused kernel, auto_backend eager
    assert gca.auto_backend == "eager"
    gca.enhance(_input(32, 32))
    assert gca.backend.max_abs_diff_vs_eager is None


def test_compile_backend_times_compilation_apart() -> None:
    method = methods.get_method("lnet-gie:backend=compile,rm=1.0")
    x = _input(32, 32)
    out = method.enhance(x)
    eager = methods.get_method("lnet-gie:backend=eager,rm=1.0")
    eager.module.load_state_dict(method.module.state_dict())
    assert float((out - eager.enhance(x)).abs().max()) <= 1e-5
    state = method.backend.to_dict()
    assert state["compile_seconds"] is not None and state["compile_seconds"] > 0
    assert state["max_abs_diff_vs_eager"] <= 1e-5


def test_amp_needs_cuda() -> None:
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(SpecError, match="needs a CUDA device"):
        methods.get_method("aodnet:backend=amp")


@requires_cuda
def test_amp_on_cuda_is_close_to_eager() -> None:
    amp = methods.get_method("aodnet:backend=amp", device="cuda")
    eager = methods.get_method("aodnet:backend=eager", device="cuda")
    x = _input().cuda()
    assert float((amp.enhance(x) - eager.enhance(x)).abs().max()) < 0.05
    assert amp.backend.precision in ("bfloat16", "float16")
    assert amp.backend.max_abs_diff_vs_eager is not None


def test_unknown_backend_is_one_clear_error() -> None:
    with pytest.raises(SpecError, match="need one of auto, eager"):
        methods.parse_spec("aodnet:backend=tensorrt")


def test_weights_spec_drops_inference_only_keys() -> None:
    spec = methods.parse_spec("lnet-gie:backend=channels_last,rm=0.25,tile=64,overlap=8")
    assert weights_spec_of(spec) == "lnet-gie:rm=0.25"
    assert weights_spec_of(methods.parse_spec("dcp:omega=0.9")) == "dcp:omega=0.9"


def test_run_plan_matches_weights_given_for_the_spec_without_backend(tmp_path) -> None:
    from benchmark.run.plan import plan_methods

    eager = methods.get_method("lnet-gie:rm=1.0", use_shipped=False)
    path = tmp_path / "w.pth"
    torch.save(eager.module.state_dict(), path)
    config = RunConfig(
        methods=["lnet-gie:rm=1.0,backend=channels_last"], weights={"lnet-gie:rm=1.0": str(path)}
    )
    (planned,) = plan_methods(config, torch.device("cpu"))
    assert planned.method.weights is not None and planned.method.weights.path == str(path)
