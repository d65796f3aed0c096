"""Each method file's paper row equals the LNet-GIE paper's Tables 1 and 2 (transcribed here)."""

from __future__ import annotations

import pytest

import methods
from methods.core.registry import paper_values

# LNet-GIE paper (Huang et al.), Table 1 (PSNR, SSIM) and Table 2 (parameters, memory in KB)
PAPER_TABLES = {
    "aodnet": (28.0039, 0.7155, 1761, 11),
    "c2pnet": (28.1190, 0.7207, 7169327, 40459),
    "cap": (27.9454, 0.7169, 8140000, 1228),
    "da-dehazing": (27.9394, 0.4151, 38720, 213355),
    "dcp": (28.3117, 0.7882, 5343040, 21829),
    "ffanet": (27.9982, 0.6933, 4455913, 4789),
    "gcanet": (28.4199, 0.7929, 702818, 2758),
    "griddehazenet": (28.2590, 0.7467, 958051, 983),
    "msbdn-dff": (28.7328, 0.8123, 36845053, 122641),
    "lnet-gie": (28.1082, 0.7452, 14, 2),
}


@pytest.mark.parametrize("name", sorted(PAPER_TABLES))
def test_method_file_holds_the_papers_row(name: str) -> None:
    row = paper_values(name)
    assert row is not None
    assert (row.psnr, row.ssim, row.params, row.memory_kb) == PAPER_TABLES[name]


def test_methods_outside_the_paper_have_no_row() -> None:
    assert paper_values("hazy-input") is None
    assert paper_values("no-such-method") is None
    assert {n for n in methods.available_methods() if paper_values(n)} == set(PAPER_TABLES)
