"""The LNet-GIE paper's reported numbers (Tables 1 and 2), kept in this one place.

Source: Huang, Xu, Cao, Li, Luo, Lin, Zhang, "LNet-GIE: A Lightweight Network for Gastroscopic Image
Enhancement", Table 1 (PSNR/SSIM on the authors' 540-image test split of the C2PNet-released
endoscopic data set, 2160/540 split) and Table 2 (parameter number, memory requirement in KB).
These were measured on the paper's own data set; they are shown beside, never mixed with, ours.
"""

from __future__ import annotations

from dataclasses import dataclass

PAPER_SOURCE = "LNet-GIE paper (Huang et al.), Tables 1 and 2; measured on the paper's own data set"


@dataclass(frozen=True)
class PaperValues:
    """One row of the paper's Tables 1 and 2 for a method."""

    display_name: str
    psnr: float
    ssim: float
    params: int
    memory_kb: int
    note: str = ""


PAPER_VALUES: dict[str, PaperValues] = {
    "aodnet": PaperValues("AODNet", 28.0039, 0.7155, 1761, 11),
    "c2pnet": PaperValues("C2PNet", 28.1190, 0.7207, 7169327, 40459),
    "cap": PaperValues(
        "CAP", 27.9454, 0.7169, 8140000, 1228, "classical: the paper's count is not learnable"
    ),
    "da-dehazing": PaperValues(
        "DA_dehazing",
        27.9394,
        0.4151,
        38720,
        213355,
        "38,720 matches no sub-network of the release",
    ),
    "dcp": PaperValues(
        "DCP", 28.3117, 0.7882, 5343040, 21829, "classical: the paper's count is not learnable"
    ),
    "ffanet": PaperValues("FFANet", 27.9982, 0.6933, 4455913, 4789),
    "gcanet": PaperValues("GCANet", 28.4199, 0.7929, 702818, 2758),
    "griddehazenet": PaperValues("GridDehazeNet", 28.2590, 0.7467, 958051, 983),
    "msbdn-dff": PaperValues(
        "MSBDN-DFF",
        28.7328,
        0.8123,
        36845053,
        122641,
        "counts reused fusion convs again per call; the module holds 31,353,061",
    ),
    "lnet-gie": PaperValues("LNet-GIE (Ours)", 28.1082, 0.7452, 14, 2),
}


def paper_values(name: str) -> PaperValues | None:
    """The paper's row for a registry name, or None for methods the paper did not evaluate."""
    return PAPER_VALUES.get(name)
