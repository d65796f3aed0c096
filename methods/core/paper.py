"""The LNet-GIE paper's reported numbers (Tables 1 and 2): the row type each method file fills.

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
