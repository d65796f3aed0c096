"""CPBD against its reference, the `cpbd` package (PyPI 1.0.7, port of the authors' MATLAB code).

cpbd imports scipy.ndimage.imread (removed from scipy in 1.2) at import time, for its command
line only: the test sets that attribute to None before importing it. Both read the same Pillow
"L" grey. Measured on the frames below (4 real_hazy images, every 15th endoscopy frame, a 1080p
one among them): equal to within 1.2e-16; the tolerance is 1e-6.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.ndimage
import torch
from PIL import Image

from benchmark.metrics import get_metric
from benchmark.metrics.cpbd import cpbd, luma_l


@pytest.fixture
def reference(monkeypatch):
    """cpbd.compute, importable on today's scipy, or skip."""
    monkeypatch.setattr(scipy.ndimage, "imread", None, raising=False)
    return pytest.importorskip("cpbd").compute


def _tensor(rgb: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(rgb.copy()).permute(2, 0, 1).unsqueeze(0).double() / 255.0


def test_cpbd_equals_the_cpbd_package(reference, shared_data: Path) -> None:
    files = sorted((shared_data / "real_hazy").glob("*.[jp]*g"))[:4]
    files += sorted((shared_data / "endoscopy").glob("*/*.[jp]*g"))[::15]
    assert len(files) >= 9
    for path in files:
        image = Image.open(path).convert("RGB")
        grey = np.asarray(image.convert("L"))
        tensor = _tensor(np.asarray(image))
        np.testing.assert_array_equal(luma_l(tensor)[0], grey)
        expected = reference(grey)
        assert cpbd(tensor).item() == pytest.approx(expected, rel=1e-6, abs=1e-12), path.name


def test_cpbd_batches_and_drops_with_blur(shared_data: Path) -> None:
    paths = sorted((shared_data / "endoscopy" / "desmoke_lap_real_smoky").glob("*.png"))[:3]
    batch = torch.cat([_tensor(np.asarray(Image.open(p).convert("RGB"))) for p in paths])
    single = torch.cat([cpbd(image[None]) for image in batch])
    torch.testing.assert_close(cpbd(batch), single, rtol=0, atol=0)
    blurred = torch.nn.functional.avg_pool2d(batch, 5, 1, 2, count_include_pad=False)
    assert (cpbd(blurred) < cpbd(batch)).all()


def test_cpbd_of_a_flat_or_tiny_image_is_zero() -> None:
    assert cpbd(torch.full((2, 3, 70, 70), 0.4)).tolist() == [0.0, 0.0]
    assert cpbd(torch.rand(1, 3, 20, 20)).tolist() == [0.0]


def test_cpbd_is_registered_higher_is_sharper() -> None:
    metric = get_metric("cpbd")
    assert metric.kind == "no-reference" and metric.higher_is_better and metric.fn is cpbd
