"""The sample images of a run: chosen across haze levels, so figures show light to dense."""

from __future__ import annotations

import numpy as np
import torch

from ..data import Split, StreamedSplit
from ..data.loaded import to_float
from ..metrics import dark_channel, psnr

N_SAMPLES = 5
SAMPLE_QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)


def choose_samples(split: Split, haze_psnr: np.ndarray) -> list[str]:
    """Five images across haze levels (quantiles of hazy-vs-clear PSNR), deterministically."""
    valid = [i for i in range(len(split.ids)) if i not in split.errors]
    if not valid:
        return []
    order = sorted(valid, key=lambda i: (haze_psnr[i], split.ids[i]))
    used: set[int] = set()
    for q in SAMPLE_QUANTILES[: min(N_SAMPLES, len(order))]:
        target = q * (len(order) - 1)
        free = [k for k in range(len(order)) if k not in used]
        used.add(min(free, key=lambda k: (abs(k - target), k)))
    return [split.ids[order[k]] for k in sorted(used)]


def haze_level(split: Split, device: torch.device, batch_size: int) -> np.ndarray:
    """Per image, a key that is low for dense haze: PSNR to the clear image, else -dark channel."""
    if split.paired:
        return hazy_input_psnr(split, device, batch_size)
    if isinstance(split, StreamedSplit):  # measured in its first pass (input_haze_key)
        return split.measured.copy()
    values = np.full(len(split.ids), np.nan)
    for batch in split.batches(batch_size * 4):
        hazy, _ = split.tensors(batch, device)
        values[batch] = -dark_channel(hazy).cpu().numpy()
    return values


def hazy_input_psnr(split: Split, device: torch.device, batch_size: int) -> np.ndarray:
    """PSNR of each hazy input against its clear image (the haze level of each pair)."""
    values = np.full(len(split.ids), np.nan)
    for batch in split.batches(batch_size * 4):
        hazy, clear = split.tensors(batch, device)
        values[batch] = psnr(hazy, clear).cpu().numpy()
    return values


def input_haze_key(image: np.ndarray) -> float:
    """haze_level's key for one RGB uint8 input without ground truth: minus its dark channel."""
    return -float(dark_channel(to_float(image[None], torch.device("cpu")))[0])
