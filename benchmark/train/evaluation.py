"""Validation during training: MSE and PSNR of the model, and the PSNR of the hazy input itself.

The PSNR here is training's own float32 score capped at 100 dB (an MSE floor of 1e-10), not
`benchmark.metrics.psnr` (float64, uncapped): the recorded curves, and the sidecars of the
shipped weights, were computed with it and stay bit-identical.
"""

from __future__ import annotations

import torch

from methods import NeuralMethod

from ..images import quantize_8bit
from .batches import to_float

EVAL_BATCH = 16  # images per forward pass during validation
PSNR_CAP_DB = 100.0  # PSNR of a perfect reconstruction (MSE floor 1e-10)


def psnr_per_image(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """RGB PSNR (data range 1) of each image, capped at PSNR_CAP_DB."""
    mse = (output - target).pow(2).flatten(1).mean(1).clamp_min(1e-10)
    return (-10.0 * torch.log10(mse)).clamp_max(PSNR_CAP_DB)


def input_psnr(hazy: torch.Tensor, clear: torch.Tensor) -> float | None:
    """Mean PSNR of the hazy images themselves: the score of doing nothing (None if empty)."""
    if hazy.shape[0] == 0:
        return None
    cpu = torch.device("cpu")
    scores = [
        psnr_per_image(
            to_float(hazy[k : k + EVAL_BATCH], cpu), to_float(clear[k : k + EVAL_BATCH], cpu)
        )
        for k in range(0, hazy.shape[0], EVAL_BATCH)
    ]
    return float(torch.cat(scores).double().mean())


@torch.no_grad()
def evaluate(
    method: NeuralMethod, hazy: torch.Tensor, clear: torch.Tensor, device: torch.device
) -> dict[str, float | None]:
    """Validation MSE of forward() and PSNR of its clamped, 8-bit-quantised output (per image)."""
    if hazy.shape[0] == 0:
        return {"val_loss": None, "val_psnr": None}
    method.module.eval()
    losses, psnrs = [], []
    for begin in range(0, hazy.shape[0], EVAL_BATCH):
        x = to_float(hazy[begin : begin + EVAL_BATCH], device)
        y = to_float(clear[begin : begin + EVAL_BATCH], device)
        out = method.forward(x)
        losses.append((out - y).pow(2).flatten(1).mean(1).cpu())
        psnrs.append(psnr_per_image(quantize_8bit(out.clamp(0.0, 1.0)), y).cpu())
    method.module.train()
    return {
        "val_loss": float(torch.cat(losses).double().mean()),
        "val_psnr": float(torch.cat(psnrs).double().mean()),
    }
