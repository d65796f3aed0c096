"""`train`: one training run from config to weights, checkpointed every epoch and resumable.

Defaults follow the LNet-GIE paper: Adam, lr 0.01, 30 epochs, MSE between `method.forward(hazy)`
and the clear image. Validation uses held-out frames of the train cases (every `val_every`-th
frame of each group), never the test split. An interrupted run resumes from `<out>.ckpt`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch

from methods import NeuralMethod, Spec, parse_spec, resolve_device

from ..data import PairedDataset
from ..errors import TrainingError
from ..files import check_writable
from .checkpoints import (
    checkpoint_path,
    kept_on_failure,
    load_checkpoint,
    restore,
    resume_key,
    save_checkpoint,
)
from .config import TrainConfig
from .data import TrainData, load_train_data, open_training_data
from .determinism import deterministic
from .evaluation import evaluate
from .init import build_method, check_trainable
from .loop import Loop, TrainHooks, train_epoch
from .outputs import TrainResult, write_outputs
from .progress import say
from .record import now, run_record

HISTORY_KEYS = ("train_loss", "val_loss", "val_psnr", "seconds")


def train(
    config: TrainConfig,
    dataset: PairedDataset | None = None,
    hooks: TrainHooks | None = None,
    data: TrainData | None = None,
) -> TrainResult:
    """Train `config.spec`, resuming from `<out>.ckpt` when present; write weights + sidecar.

    `data` (preloaded with the config's limit and val_every) saves loading the images again.
    """
    config.validate()
    spec = parse_spec(config.spec)
    check_trainable(spec)
    out = config.out_path(spec)
    ckpt = checkpoint_path(out)
    if out.exists() and not ckpt.exists() and not config.overwrite:
        raise TrainingError(
            f"{out} exists: pass --overwrite to replace it, or choose another --out"
        )
    device = resolve_device(config.device)
    check_writable(out.parent)  # before minutes of loading and training, not after
    if data is None:
        data = load_train_data(
            dataset or open_training_data(config), config.limit, config.val_every, config.progress
        )
    data = data.to(device)
    with deterministic(config.seed):
        method, init = build_method(config, spec, device)
        height, width = data.train_hazy.shape[1:3]
        if config.crop > min(height, width):
            raise TrainingError(
                f"--crop {config.crop} is larger than the images ({width}x{height})"
            )
        return _run(config, spec, out, method, init, data, device, hooks or TrainHooks())


def _run(
    config: TrainConfig,
    spec: Spec,
    out: Path,
    method: NeuralMethod,
    init: dict[str, Any],
    data: TrainData,
    device: torch.device,
    hooks: TrainHooks,
) -> TrainResult:
    """The epoch loop with per-epoch checkpoints; writes the outputs and removes the checkpoint."""
    params = [p for p in method.module.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    loop = Loop(method, optimizer, data, generator, config, device, hooks)
    key, ckpt = resume_key(config, spec, init, data), checkpoint_path(out)
    state = _start_state(loop, ckpt, key)
    with kept_on_failure(ckpt):
        for epoch in range(int(state["epoch"]) + 1, config.epochs + 1):
            _one_epoch(loop, epoch, state)
            save_checkpoint(ckpt, loop, {**state, "key": key})
            if hooks.on_epoch_end is not None:
                hooks.on_epoch_end(epoch, state["history"])
        record = run_record(config, spec, method, init, data, device, state, key)
        result = write_outputs(out, method, record)
    ckpt.unlink(missing_ok=True)
    return result


def _start_state(loop: Loop, ckpt: Path, key: dict[str, Any]) -> dict[str, Any]:
    """Fresh run state (with the initial model's validation), or the checkpoint's, restored."""
    if not ckpt.exists():
        history: dict[str, list] = {k: [] for k in HISTORY_KEYS}
        initial = evaluate(loop.method, loop.data.val_hazy, loop.data.val_clear, loop.device)
        return {
            "epoch": 0,
            "history": history,
            "initial": initial,
            "elapsed_s": 0.0,
            "sessions": 1,
            "started": now(),
            "dead_start": None,
        }
    payload = load_checkpoint(ckpt, key)
    restore(loop, payload)
    state = {k: payload[k] for k in ("epoch", "history", "initial", "elapsed_s", "started")}
    state["sessions"] = int(payload.get("sessions", 1)) + 1
    state["dead_start"] = payload.get("dead_start")
    say(
        loop.config.progress,
        f"resuming {loop.method.spec} from {ckpt} after epoch {state['epoch']}",
    )
    return state


def _one_epoch(loop: Loop, epoch: int, state: dict[str, Any]) -> None:
    """Train and validate one epoch, appending to the state's history."""
    loss, seconds = train_epoch(loop, epoch)
    started = time.perf_counter()
    metrics = evaluate(loop.method, loop.data.val_hazy, loop.data.val_clear, loop.device)
    seconds += time.perf_counter() - started
    history = state["history"]
    for name, value in (("train_loss", loss), ("seconds", seconds), *metrics.items()):
        history[name].append(value)
    if loop.dead_start is not None:
        state["dead_start"] = loop.dead_start
    state.update(epoch=epoch, elapsed_s=float(state["elapsed_s"]) + seconds)
    say(loop.config.progress, epoch_line(epoch, loop.config.epochs, loss, metrics, seconds))


def epoch_line(epoch: int, epochs: int, loss: float, metrics: dict, seconds: float) -> str:
    """One log line per epoch (the bars are cleared on some terminals)."""
    text = f"epoch {epoch}/{epochs}: train loss {loss:.5f}"
    if metrics["val_psnr"] is not None:
        text += f", val loss {metrics['val_loss']:.5f}, val PSNR {metrics['val_psnr']:.2f} dB"
    return text + f" ({seconds:.1f} s)"
