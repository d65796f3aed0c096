"""DCP and CAP: the papers' parameters, known cases (no haze; synthetic haze with known A, t)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import methods
from methods.cap import DEPTH_COEFFS, atmospheric_light_cap, pixel_depth
from methods.dcp import atmospheric_light_dcp, dark_channel

AIRLIGHT = torch.tensor([0.92, 0.90, 0.88]).view(1, 3, 1, 1)


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(10 * torch.log10(1 / ((a - b) ** 2).mean()))


def _clear_scene(n: int = 2, size: int = 64, seed: int = 0) -> torch.Tensor:
    """Smooth colourful scenes that obey the dark channel prior (darkest channel ~0.02)."""
    gen = torch.Generator().manual_seed(seed)
    low = torch.rand(n, 3, 8, 8, generator=gen)
    scene = F.interpolate(low, size=(size, size), mode="bicubic", align_corners=False)
    scene = scene.clamp(0.05, 0.95)
    return (scene - scene.amin(1, keepdim=True) + 0.02).clamp(0, 1)


def _hazy_scene() -> tuple[torch.Tensor, torch.Tensor]:
    """Haze with known A and t (0.85 at the top to 0.35 at the bottom) and a sky band (J = A)."""
    clear = _clear_scene()
    clear[:, :, :8, :] = AIRLIGHT
    t = (0.85 - 0.5 * torch.linspace(0, 1, 64).view(1, 1, 64, 1)).expand(2, 1, 64, 64)
    return clear * t + AIRLIGHT * (1 - t), clear


def test_default_parameters_are_the_papers() -> None:
    dcp = methods.get_method("dcp").values
    assert (dcp["patch"], dcp["omega"], dcp["t0"], dcp["top"]) == (15, 0.95, 0.1, 0.001)
    assert (dcp["radius"], dcp["eps"]) == (60, 1e-4)
    cap = methods.get_method("cap").values
    assert (cap["patch"], cap["beta"], cap["radius"], cap["eps"]) == (15, 1.0, 15, 1e-3)
    assert (cap["t0"], cap["t1"], cap["candidates"], cap["noise"]) == (0.05, 1.0, 20, 0.0)
    assert DEPTH_COEFFS == (0.121779, 0.959710, -0.780245)  # Zhu et al. 2015, calVSMap.m


def test_dcp_finds_the_airlight_of_the_sky() -> None:
    hazy, _ = _hazy_scene()
    airlight = atmospheric_light_dcp(hazy, dark_channel(hazy, 15), 0.001)
    assert torch.allclose(airlight, AIRLIGHT.expand(2, 3, 1, 1), atol=1e-6)


def test_dcp_unrefined_transmission_is_the_formula() -> None:
    hazy, _ = _hazy_scene()
    dcp = methods.get_method("dcp:refine=false")
    t = dcp.transmission(hazy, AIRLIGHT)
    expected = 1 - 0.95 * dark_channel(hazy / AIRLIGHT, 15)
    assert torch.allclose(t, expected)


@pytest.mark.parametrize("name", ["dcp", "cap"])
def test_synthetic_haze_is_mostly_removed(name: str) -> None:
    hazy, clear = _hazy_scene()
    out = methods.get_method(name).enhance(hazy)
    # measured: hazy 10.6 dB; dcp 17.1 dB, cap 19.3 dB
    assert _psnr(out, clear) > _psnr(hazy, clear) + 5


@pytest.mark.parametrize(("name", "mean_tol"), [("dcp", 0.02), ("cap", 0.01)])
def test_haze_free_scene_is_nearly_unchanged(name: str, mean_tol: float) -> None:
    clear = _clear_scene(seed=3)
    out = methods.get_method(name).enhance(clear)
    assert float((out - clear).abs().mean()) < mean_tol


def test_cap_depth_model() -> None:
    x = torch.tensor([0.8, 0.4, 0.2]).view(1, 3, 1, 1)  # v = 0.8, s = 0.75
    expected = 0.121779 + 0.959710 * 0.8 - 0.780245 * 0.75
    assert math.isclose(float(pixel_depth(x)), expected, rel_tol=1e-6)
    assert float(pixel_depth(torch.zeros(1, 3, 1, 1))) == pytest.approx(0.121779)


def _est_a_reference(img: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """estA.m, step by step: top ceil(0.1%) depths, the 20 largest RGB norms, channel max."""
    h, w, _ = img.shape
    n_bright = math.ceil(0.001 * h * w)
    order = np.argsort(depth.reshape(-1), kind="stable")[::-1][:n_bright]
    cand = img.reshape(-1, 3)[order]
    keep = np.argsort(np.linalg.norm(cand, axis=1), kind="stable")[::-1][:20]
    return cand[keep].max(axis=0)


def test_cap_airlight_follows_the_release() -> None:
    rng = np.random.default_rng(5)
    img = rng.random((100, 120, 3))
    depth = rng.random((100, 120))
    got = atmospheric_light_cap(
        torch.from_numpy(img).permute(2, 0, 1)[None], torch.from_numpy(depth)[None, None], 0.001, 20
    )
    assert np.allclose(got.flatten().numpy(), _est_a_reference(img, depth))


def test_cap_noise_option_is_reproducible() -> None:
    x = _clear_scene(seed=4)
    plain = methods.get_method("cap").enhance(x)
    noisy = methods.get_method("cap:noise=0.041337,seed=3")
    assert noisy.spec == "cap:noise=0.041337,seed=3"
    a, b = noisy.enhance(x), noisy.enhance(x)
    assert torch.equal(a, b) and not torch.allclose(a, plain)


@pytest.mark.parametrize("name", ["dcp", "cap"])
def test_batched_equals_one_by_one_and_odd_sizes(name: str) -> None:
    m = methods.get_method(name)
    x = torch.rand(3, 3, 21, 34)
    batched = m.enhance(x)
    single = torch.cat([m.enhance(x[i : i + 1]) for i in range(3)])
    assert torch.allclose(batched, single, atol=1e-6)
    assert m.enhance(torch.rand(1, 3, 1, 1)).shape == (1, 3, 1, 1)
