"""matplotlib set up once for files, not screens (the Agg backend), for every figure writer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

DPI = 130

__all__ = ["DPI", "plt"]
