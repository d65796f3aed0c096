"""Image-quality metrics: batched torch functions and the registry that describes them."""

from ..errors import MetricError
from .full_reference import ciede2000, psnr, ssim
from .registry import (
    Metric,
    all_metrics,
    default_metrics,
    get_metric,
    metric_names,
    register_metric,
)

PSNR = register_metric(
    Metric("psnr", "PSNR", psnr, True, digits=2, unit="dB", min_effect=0.05, headline=True)
)
SSIM = register_metric(
    Metric("ssim", "SSIM", ssim, True, digits=4, min_effect=0.002, headline=True)
)
CIEDE2000 = register_metric(
    Metric("ciede2000", "CIEDE2000", ciede2000, False, digits=2, min_effect=0.1)
)

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
