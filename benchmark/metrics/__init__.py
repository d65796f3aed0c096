"""Image-quality metrics: batched torch functions and the registry that describes them."""

from ..errors import MetricError
from .aligned import aligned_psnr, aligned_ssim, aligned_valid
from .cpbd import cpbd
from .fade import fade
from .frame_structure import PairStat
from .full_reference import ciede2000, psnr, ssim
from .niqe import LIVE_LABEL, bind_niqe, niqe
from .no_reference import colorfulness, dark_channel, entropy
from .piqe import piqe
from .registry import (
    Metric,
    all_metrics,
    default_metrics,
    get_metric,
    metric_names,
    register_metric,
)
from .visible_edges import contrast_e, contrast_r, contrast_sigma, saturated

PSNR = register_metric(
    Metric("psnr", "PSNR", psnr, True, digits=2, unit="dB", min_effect=0.05, headline=True)
)
SSIM = register_metric(
    Metric("ssim", "SSIM", ssim, True, digits=4, min_effect=0.002, headline=True)
)
CIEDE2000 = register_metric(
    Metric("ciede2000", "CIEDE2000", ciede2000, False, digits=2, min_effect=0.1)
)

# no-reference metrics: scored by default on data without ground truth (second argument: input)
DARK_CHANNEL = register_metric(
    Metric(
        "dark_channel",
        "Dark channel",
        dark_channel,
        False,
        digits=4,
        kind="no-reference",
        min_effect=0.005,
        headline=True,
    )
)
PIQE = register_metric(
    Metric(
        "piqe", "PIQE", piqe, False, digits=2, kind="no-reference", min_effect=0.5, headline=True
    )
)
# the LIVE pristine model by default; --metric-params niqe=MODEL binds one fitted by fit-niqe
NIQE = register_metric(
    Metric(
        "niqe",
        "NIQE",
        niqe,
        False,
        digits=3,
        kind="no-reference",
        min_effect=0.1,
        headline=True,
        loader=bind_niqe,
        model=LIVE_LABEL,
    )
)
FADE = register_metric(
    Metric(
        "fade", "FADE", fade, False, digits=3, kind="no-reference", min_effect=0.02, headline=True
    )
)
CPBD = register_metric(
    Metric(
        "cpbd", "CPBD", cpbd, True, digits=3, kind="no-reference", min_effect=0.01, headline=True
    )
)
CONTRAST_E = register_metric(
    Metric(
        "contrast_e",
        "New visible edges e",
        contrast_e,
        True,
        digits=3,
        kind="no-reference",
        min_effect=0.01,
        headline=True,
        relative=True,
    )
)
CONTRAST_R = register_metric(
    Metric(
        "contrast_r",
        "Visibility gain r",
        contrast_r,
        True,
        digits=3,
        kind="no-reference",
        min_effect=0.01,
        headline=True,
        relative=True,
    )
)
CONTRAST_SIGMA = register_metric(
    Metric(
        "contrast_sigma",
        "Black pixels sigma",
        contrast_sigma,
        False,
        digits=3,
        unit="%",
        kind="no-reference",
        min_effect=0.05,
    )
)
SATURATED = register_metric(
    Metric(
        "saturated",
        "Saturated",
        saturated,
        False,
        digits=3,
        unit="%",
        kind="no-reference",
        min_effect=0.05,
        headline=True,
        relative=True,
    )
)
COLORFULNESS = register_metric(
    Metric(
        "colorfulness",
        "Colourfulness",
        colorfulness,
        True,
        digits=2,
        kind="no-reference",
        min_effect=0.5,
    )
)
ENTROPY = register_metric(
    Metric(
        "entropy", "Entropy (bits)", entropy, True, digits=3, kind="no-reference", min_effect=0.01
    )
)

# aligned: against --reference-frame after optical-flow alignment (aligned.py), on request
ALIGNED = [
    register_metric(
        Metric(name, label, fn, True, digits=digits, unit=unit, kind="aligned", **extra)
    )
    for name, label, fn, digits, unit, extra in (
        ("aligned_psnr", "Aligned PSNR", aligned_psnr, 2, "dB", {"min_effect": 0.05}),
        ("aligned_ssim", "Aligned SSIM", aligned_ssim, 4, "", {"min_effect": 0.002}),
        ("aligned_valid", "Aligned pixels", aligned_valid, 3, "", {"min_effect": 0.01}),
    )
    for extra in [{**extra, "default": False, "headline": name != "aligned_valid"}]
]

# frame-pair: consecutive frames of a video registered by ORB / SIFT (frame_structure.py)
STRUCTURE = [
    register_metric(
        Metric(
            f"{detector}_{stat}",
            f"{label} {'matches' if stat == 'matches' else 'inlier ratio'}",
            PairStat(detector, stat),
            True,
            digits=1 if stat == "matches" else 3,
            kind="frame-pair",
            min_effect=5.0 if stat == "matches" else 0.01,
            default=False,
            headline=True,
        )
    )
    for detector, label in (("orb", "ORB"), ("sift", "SIFT"))
    for stat in ("matches", "inlier_ratio")
]

__all__ = [
    "CIEDE2000",
    "PSNR",
    "SSIM",
    "Metric",
    "MetricError",
    "all_metrics",
    "ciede2000",
    "default_metrics",
    "get_metric",
    "metric_names",
    "psnr",
    "register_metric",
    "ssim",
]
