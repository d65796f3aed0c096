"""The default NIQE (the LIVE release's pristine model, shipped) against BasicSR's calculate_niqe.

Reference: basicsr 1.4.2 (PyPI, test-only), basicsr.metrics.niqe.calculate_niqe(img, 0,
convert_to='gray'), "almost the same results as the official MATLAB codes" (its docstring),
with its bundled niqe_pris_params.npz, the model this suite ships as models/niqe_live.npz.
basicsr's package __init__ imports torchvision (not a dependency here), so the test loads its
metrics modules without running the package __init__ files. BasicSR reads BGR: the test passes
the RGB image reversed. Measured on the 19 real images below: median relative difference 0.015%,
max 0.59%, Spearman 1.0 (issue 22's bar: 0.08% median, 2.8% max).
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.stats import spearmanr

from benchmark.metrics import get_metric
from benchmark.metrics.niqe import LIVE_LABEL, LIVE_MODEL, live_model, load_model
from benchmark.metrics.scoring import choose_metrics


@pytest.fixture
def basicsr_niqe(monkeypatch):
    """basicsr.metrics.niqe.calculate_niqe without basicsr's package imports, or skip."""
    spec = importlib.util.find_spec("basicsr")
    if spec is None:
        pytest.skip("basicsr is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    for name, folder in (("basicsr", root), ("basicsr.utils", root / "utils")):
        stub = types.ModuleType(name)
        stub.__path__ = [str(folder)]
        monkeypatch.setitem(sys.modules, name, stub)
    stub = types.ModuleType("basicsr.metrics")
    stub.__path__ = [str(root / "metrics")]
    monkeypatch.setitem(sys.modules, "basicsr.metrics", stub)
    colour = importlib.import_module("basicsr.utils.color_util")
    sys.modules["basicsr.utils"].bgr2ycbcr = colour.bgr2ycbcr  # what metric_util imports
    module = importlib.import_module("basicsr.metrics.niqe")
    params = np.load(root / "metrics" / "niqe_pris_params.npz")
    return module.calculate_niqe, params


def _images(shared: Path) -> list[Path]:
    hazy = sorted((shared / "real_hazy").glob("*.[jp]*g"))
    endoscopy = sorted((shared / "endoscopy").glob("*/*.[jp]*g"))[::8]
    return [p for p in hazy + endoscopy if min(Image.open(p).size) >= 192]


def test_shipped_model_is_basicsrs(basicsr_niqe) -> None:
    _, params = basicsr_niqe
    model = load_model(LIVE_MODEL)
    np.testing.assert_array_equal(model.mu, np.ravel(params["mu_pris_param"]))
    np.testing.assert_array_equal(model.cov, params["cov_pris_param"])


def test_default_niqe_matches_basicsr(basicsr_niqe, shared_data: Path) -> None:
    calculate_niqe, _ = basicsr_niqe
    metric = get_metric("niqe")
    ours, theirs = [], []
    for path in _images(shared_data):
        rgb = np.asarray(Image.open(path).convert("RGB"))
        theirs.append(
            float(calculate_niqe(rgb[..., ::-1].astype(np.float64), 0, convert_to="gray"))
        )
        tensor = torch.from_numpy(rgb.copy()).permute(2, 0, 1).unsqueeze(0).float() / 255
        ours.append(metric.fn(tensor, tensor).item())
    ours_a, theirs_a = np.array(ours), np.array(theirs)
    relative = np.abs(ours_a - theirs_a) / np.abs(theirs_a)
    assert len(ours) >= 19
    assert np.median(relative) <= 0.0008
    assert relative.max() <= 0.028
    assert spearmanr(ours_a, theirs_a).statistic == pytest.approx(1.0)


def test_niqe_is_available_by_default_and_a_domain_model_still_binds(tmp_path: Path) -> None:
    metric = get_metric("niqe")
    assert metric.available and metric.model == LIVE_LABEL and metric.default
    assert "niqe" in [m.name for m in choose_metrics(None, False)]
    model = live_model()
    np.savez(tmp_path / "domain.npz", mu=model.mu + 1.0, cov=model.cov)
    (bound,) = choose_metrics(["niqe"], False, "", {"niqe": str(tmp_path / "domain.npz")})
    assert "domain.npz" in bound.model
    images = torch.rand(1, 3, 200, 200)
    assert bound.fn(images, images).item() != metric.fn(images, images).item()
