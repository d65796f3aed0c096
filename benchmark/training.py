"""Train a registered neural method on a data set's train split (the paper's protocol by default).

Defaults follow the LNet-GIE paper: Adam, lr 0.01, 30 epochs, MSE between `method.forward(hazy)`
and the clear image. Validation uses held-out frames of the train cases (every `val_every`-th frame
of each group), never the test split. Output: the module's state_dict, a JSON sidecar saying
exactly how it was made, and a loss-curve PNG. An interrupted run resumes from `<out>.ckpt`.

Procedure 1 (LNet-GIE) copies AOD-Net's e_conv1 rows and keeps them; the authors' train.py
re-initialises every conv after the copy, which throws the copied weights away.
`compare_init` trains LNet-GIE from random and from AOD-Net initialisations with the same seed,
the ablation the paper claims but does not show.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from tqdm import tqdm

from methods import (
    NeuralMethod,
    canonical_spec,
    get_method,
    method_class,
    parse_spec,
    resolve_device,
)
from methods.core.weights import (
    extract_state_dict,
    read_checkpoint,
    read_sidecar,
    sha256_file,
    shipped_weights_for,
    sidecar_path,
)
from methods.lnet_gie import LNetGIEMethod

from .data import PairedDataset, open_dataset
from .environment import environment, git_commit
from .errors import DatasetError, TrainingError

LOAD_CHUNK = 64  # pairs generated/read per load_many call while loading into memory
EVAL_BATCH = 16  # images per forward pass during validation
HISTORY_KEYS = ("train_loss", "val_loss", "val_psnr", "seconds")
PSNR_CAP_DB = 100.0  # PSNR of a perfect reconstruction (MSE floor 1e-10)
#: fixed figure margins (tight_layout is the slowest part of writing a small plot)
LAYOUT = {"left": 0.11, "right": 0.98, "bottom": 0.12, "top": 0.86, "wspace": 0.28}


# ----------------------------------------------------------------------------- configuration


@dataclass
class TrainConfig:
    """Every choice that shapes a training run (all recorded in the sidecar)."""

    spec: str
    data: str | None = None
    data_options: dict[str, Any] = field(default_factory=dict)
    epochs: int = 30
    lr: float = 0.01
    batch_size: int = 8
    weight_decay: float = 0.0
    clip_grad: float = 0.0
    crop: int = 0
    init: str | None = None  # None: "aodnet" for lnet-gie (Procedure 1), else "random"
    device: str = "auto"
    out: Path | None = None
    seed: int = 0
    limit: int | None = None
    val_every: int = 10
    trust_weights: bool = False
    overwrite: bool = False
    progress: bool = True
    stop_if_dead: bool = True  # fail fast when no gradient flows at the first step

    def validate(self) -> None:
        """Raise TrainingError for values that cannot work."""
        checks = [
            (self.epochs >= 1, "--epochs must be at least 1"),
            (self.lr > 0 and math.isfinite(self.lr), "--lr must be a positive number"),
            (self.batch_size >= 1, "--batch-size must be at least 1"),
            (self.weight_decay >= 0, "--weight-decay must be >= 0"),
            (self.clip_grad >= 0, "--clip-grad must be >= 0 (0 = off)"),
            (self.crop == 0 or self.crop >= 8, "--crop must be 0 (off) or at least 8 pixels"),
            (self.limit is None or self.limit >= 2, "--limit must be at least 2"),
            (self.val_every == 0 or self.val_every >= 2, "--val-every must be 0 (off) or >= 2"),
            (self.seed >= 0, "--seed must be >= 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise TrainingError(message)

    def hyperparameters(self) -> dict[str, Any]:
        """The optimisation settings, as recorded in the sidecar."""
        return {
            "optimizer": "torch.optim.Adam (weight decay as L2 added to the gradient)",
            "betas": [0.9, 0.999],
            "loss": "MSE(method.forward(hazy), clear)",
            "epochs": self.epochs,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "weight_decay": self.weight_decay,
            "clip_grad_norm": self.clip_grad,
            "crop": self.crop,
            "limit": self.limit,
            "val_every": self.val_every,
            "seed": self.seed,
            "shuffle": "torch.randperm with a generator seeded by seed, every epoch",
            "last_partial_batch": "kept",
        }


@dataclass
class TrainHooks:
    """Optional callbacks: inspect the model before each optimizer step, or after each epoch."""

    before_step: Callable[[NeuralMethod, int, int], None] | None = None  # (method, epoch, step)
    on_epoch_end: Callable[[int, dict[str, Any]], None] | None = None  # (epoch, history)


@dataclass
class TrainResult:
    """Where the outputs went and what the run recorded."""

    weights: Path
    sidecar: Path
    plot: Path
    record: dict[str, Any]


def safe_name(spec: str) -> str:
    """File-name form of a spec: 'lnet-gie:rm=1.0' -> 'lnet-gie_rm-1.0'."""
    text = spec.replace("=", "-")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "method"


def default_out(spec: str) -> Path:
    """weights/<spec-safe-name>.pth under the current directory."""
    return Path("weights") / f"{safe_name(spec)}.pth"


def checkpoint_path(out: Path) -> Path:
    """The resume checkpoint of a run writing `out`: '<out>.ckpt'."""
    return out.with_name(out.name + ".ckpt")


def plot_path(out: Path) -> Path:
    """The loss-curve PNG next to the weights: '<stem>.loss.png'."""
    return out.with_name(out.stem + ".loss.png")


# ----------------------------------------------------------------------------- data


@dataclass
class TrainData:
    """Train and validation pairs held in memory as uint8 (N,H,W,3) tensors."""

    train_hazy: torch.Tensor
    train_clear: torch.Tensor
    val_hazy: torch.Tensor
    val_clear: torch.Tensor
    train_ids: list[str]
    val_ids: list[str]
    description: dict[str, Any]

    def to(self, device: torch.device) -> TrainData:
        """The same data with its tensors on `device` (the whole set fits on a GPU)."""
        move = {
            k: getattr(self, k).to(device)
            for k in ("train_hazy", "train_clear", "val_hazy", "val_clear")
        }
        return TrainData(
            **move, train_ids=self.train_ids, val_ids=self.val_ids, description=self.description
        )


def spread(ids: list[str], count: int | None) -> list[str]:
    """`count` ids spread evenly over `ids` (all of them when count is None or too large)."""
    if count is None or count >= len(ids):
        return list(ids)
    return [ids[(k * len(ids)) // count] for k in range(count)]


def split_validation(
    ids: list[str], groups: list[str], val_every: int
) -> tuple[list[str], list[str]]:
    """(train, val): every `val_every`-th frame of each group is held out (0 = none)."""
    if val_every == 0:
        return list(ids), []
    seen: dict[str, int] = {}
    train, val = [], []
    for image_id, group in zip(ids, groups, strict=True):
        position = seen.get(group, 0)
        seen[group] = position + 1
        (val if (position + 1) % val_every == 0 else train).append(image_id)
    return train, val


def _load_pairs(
    dataset: PairedDataset, ids: list[str], progress: bool, what: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load `ids` in chunks into preallocated uint8 tensors; DatasetError if sizes differ."""
    hazy_all = clear_all = None
    with tqdm(
        total=len(ids),
        desc=f"loading {what}",
        unit="img",
        disable=not progress,
        file=sys.stderr,
        leave=False,
    ) as bar:
        for start in range(0, len(ids), LOAD_CHUNK):
            hazy, clear = dataset.load_many(ids[start : start + LOAD_CHUNK])
            if hazy_all is None or clear_all is None:
                hazy_all = torch.empty((len(ids), *hazy.shape[1:]), dtype=torch.uint8)
                clear_all = torch.empty_like(hazy_all)
            if hazy.shape[1:] != hazy_all.shape[1:]:
                raise DatasetError(f"{what} images differ in size: training needs one size")
            hazy_all[start : start + len(hazy)] = torch.from_numpy(hazy)
            clear_all[start : start + len(clear)] = torch.from_numpy(clear)
            bar.update(len(hazy))
    assert hazy_all is not None and clear_all is not None
    return hazy_all, clear_all


def load_train_data(
    dataset: PairedDataset, limit: int | None, val_every: int, progress: bool = True
) -> TrainData:
    """Load the train split once (spread over `limit` images) and hold out validation frames."""
    all_train = dataset.ids("train")
    if not all_train:
        raise DatasetError(f"data set {dataset.name!r} has no train split images")
    chosen = spread(all_train, limit)
    train_ids, val_ids = split_validation(chosen, [dataset.group(i) for i in chosen], val_every)
    if not train_ids:
        raise TrainingError("no training images left after holding out validation frames")
    try:
        train_hazy, train_clear = _load_pairs(dataset, train_ids, progress, "train")
        val_hazy, val_clear = (
            _load_pairs(dataset, val_ids, progress, "validation")
            if val_ids
            else (
                torch.zeros((0, *train_hazy.shape[1:]), dtype=torch.uint8),
                torch.zeros((0, *train_hazy.shape[1:]), dtype=torch.uint8),
            )
        )
    except DatasetError as exc:
        raise DatasetError(f"{exc} (training stacks images in memory; resize them first)") from None
    if val_ids and val_hazy.shape[1:] != train_hazy.shape[1:]:
        raise DatasetError("validation and train images differ in size: training needs one size")
    description = {
        "name": dataset.name,
        "fingerprint": dataset.fingerprint,
        "split_sizes": {"train": len(all_train), "test": len(dataset.ids("test"))},
        "used": {"train": len(train_ids), "validation": len(val_ids)},
        "image_size": [int(train_hazy.shape[1]), int(train_hazy.shape[2])],
        "ids_sha256": _ids_digest(train_ids, val_ids),
        "val_psnr_hazy_input": input_psnr(val_hazy, val_clear),
        "validation": (
            f"every {val_every}-th frame of each train-split group (case/scene); these frames "
            "neighbour training frames, so validation tracks fitting, not new cases"
            if val_every
            else "none (--val-every 0)"
        ),
    }
    return TrainData(train_hazy, train_clear, val_hazy, val_clear, train_ids, val_ids, description)


def input_psnr(hazy: torch.Tensor, clear: torch.Tensor) -> float | None:
    """Mean PSNR of the hazy images themselves: the score of doing nothing (None if empty)."""
    if hazy.shape[0] == 0:
        return None
    scores = [
        psnr_per_image(
            to_float(hazy[k : k + EVAL_BATCH], torch.device("cpu")),
            to_float(clear[k : k + EVAL_BATCH], torch.device("cpu")),
        )
        for k in range(0, hazy.shape[0], EVAL_BATCH)
    ]
    return float(torch.cat(scores).double().mean())


def _ids_digest(train_ids: list[str], val_ids: list[str]) -> str:
    """sha256 over the train and validation id lists (part of the resume identity)."""
    text = json.dumps({"train": train_ids, "val": val_ids})
    return hashlib.sha256(text.encode()).hexdigest()


def to_float(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 (N,H,W,3) -> float32 (N,3,H,W) in [0,1] on `device`."""
    return images.to(device).permute(0, 3, 1, 2).float().div_(255.0)


def random_crops(
    hazy: torch.Tensor, clear: torch.Tensor, size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same random size x size window of each (hazy, clear) pair, one offset per image."""
    height, width = hazy.shape[1:3]
    tops = torch.randint(0, height - size + 1, (hazy.shape[0],), generator=generator)
    lefts = torch.randint(0, width - size + 1, (hazy.shape[0],), generator=generator)
    pairs = [
        (h[t : t + size, s : s + size], c[t : t + size, s : s + size])
        for h, c, t, s in zip(hazy, clear, tops.tolist(), lefts.tolist(), strict=True)
    ]
    return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])


# ----------------------------------------------------------------------------- initialisation


def _is_aodnet_state(state: dict[str, torch.Tensor]) -> bool:
    """True for an AOD-Net state_dict (e_conv1..e_conv5, e_conv1 of shape (3,3,1,1))."""
    weight = state.get("e_conv1.weight")
    return "e_conv5.weight" in state and weight is not None and tuple(weight.shape) == (3, 3, 1, 1)


def _procedure1(method: LNetGIEMethod, path: Path, source: str, trust: bool) -> dict[str, Any]:
    """Copy AOD-Net's e_conv1 rows/bias [:c] into LNet-GIE and describe what was done."""
    details = method.init_from_aodnet(path, trust=trust)
    rows = int(details["rows"])
    aod_sidecar = read_sidecar(path) or {}
    return {
        "kind": "aodnet-e_conv1-rows",
        "source": source,
        "path": str(path),
        "sha256": details["e_conv1"]["sha256"],
        "aodnet_trained_on": (aod_sidecar.get("dataset") or {}).get("fingerprint"),
        "copied": {
            "e_conv1.weight": f"AOD-Net e_conv1.weight[:{rows}]",
            "e_conv1.bias": f"AOD-Net e_conv1.bias[:{rows}]",
        },
        "others": "module default init (torch.manual_seed(seed) before building)",
        "reinitialised_after_copy": False,
        "note": "the authors' train.py re-initialises every conv with N(0,0.02) after the copy; "
        "here the copied values are kept",
    }


def _init_from_file(method: NeuralMethod, path: Path, trust: bool) -> dict[str, Any]:
    """Load `path` as the starting point: AOD-Net rows for LNet-GIE, else the whole module."""
    if not path.is_file():
        raise TrainingError(
            f"--init {path}: file not found (give a weights file, random or aodnet)"
        )
    if isinstance(method, LNetGIEMethod):
        state = extract_state_dict(read_checkpoint(path, trust=trust))
        if _is_aodnet_state(state):
            return _procedure1(method, path, "file", trust)
    method.load_weights(path, trust=trust)
    return {"kind": "weights", "source": "file", "path": str(path), "sha256": sha256_file(path)}


def initialise(method: NeuralMethod, init: str | None, seed: int, trust: bool) -> dict[str, Any]:
    """Apply --init to a freshly built (seeded) method and return the sidecar's "init" entry."""
    is_lnet = isinstance(method, LNetGIEMethod)
    choice = init if init is not None else ("aodnet" if is_lnet else "random")
    if choice == "random":
        return {"kind": "random", "source": "module default init", "seed": seed}
    if choice == "aodnet":
        if not is_lnet:
            raise TrainingError(
                "--init aodnet is Procedure 1 of LNet-GIE; for other methods use random or a PATH"
            )
        shipped = shipped_weights_for("aodnet")
        if shipped is None:
            raise TrainingError(
                "--init aodnet needs AOD-Net weights, and none are shipped yet: train them "
                "(python -m benchmark train aodnet --out methods/weights/aodnet.pth), or pass "
                "--init PATH to AOD-Net weights (e.g. the public port's dehazer.pth) or --init random"
            )
        assert isinstance(method, LNetGIEMethod)
        return _procedure1(method, shipped, "shipped", trust)
    return _init_from_file(method, Path(choice), trust)


def build_method(config: TrainConfig, device: torch.device) -> tuple[NeuralMethod, dict[str, Any]]:
    """The method with seeded default init, then --init applied; in train mode."""
    torch.manual_seed(config.seed)
    method = get_method(config.spec, device=device, use_shipped=False)
    assert isinstance(method, NeuralMethod)  # check_trainable ran first
    init = initialise(method, config.init, config.seed, config.trust_weights)
    method.module.to(device).train()
    return method, init


# ----------------------------------------------------------------------------- one epoch


@contextlib.contextmanager
def deterministic(seed: int) -> Iterator[None]:
    """Seed torch and ask for deterministic kernels; restore the global flags afterwards."""
    previous = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.benchmark,
        torch.backends.cudnn.deterministic,
    )
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])
        torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = previous[2:]


@dataclass
class Loop:
    """What one epoch needs: method, optimizer, data, shuffling generator and settings."""

    method: NeuralMethod
    optimizer: torch.optim.Optimizer
    data: TrainData
    generator: torch.Generator
    config: TrainConfig
    device: torch.device
    hooks: TrainHooks
    dead_start: bool | None = None  # set at the first step: True when no gradient flowed


def train_epoch(loop: Loop, epoch: int) -> tuple[float, float]:
    """One pass over the shuffled train images; returns (mean loss per image, seconds)."""
    config, data, method = loop.config, loop.data, loop.method
    method.module.train()
    order = torch.randperm(len(data.train_ids), generator=loop.generator)
    steps_before = (epoch - 1) * math.ceil(len(order) / config.batch_size)
    total, seen, start = 0.0, 0, time.perf_counter()
    desc = f"{method.spec} epoch {epoch}/{config.epochs}"
    with tqdm(
        total=len(order), desc=desc, unit="img", disable=not config.progress, file=sys.stderr
    ) as bar:
        for step, begin in enumerate(range(0, len(order), config.batch_size)):
            index = order[begin : begin + config.batch_size]
            hazy, clear = data.train_hazy[index], data.train_clear[index]
            if config.crop:
                hazy, clear = random_crops(hazy, clear, config.crop, loop.generator)
            loss = train_step(
                loop,
                to_float(hazy, loop.device),
                to_float(clear, loop.device),
                epoch,
                steps_before + step,
            )
            total, seen = total + loss * len(index), seen + len(index)
            bar.update(len(index))
            bar.set_postfix(loss=f"{total / seen:.5f}")
    return total / seen, time.perf_counter() - start


def train_step(loop: Loop, hazy: torch.Tensor, clear: torch.Tensor, epoch: int, step: int) -> float:
    """Forward, MSE, backward, optional clipping, the before_step hook, Adam step."""
    loss = F.mse_loss(loop.method.forward(hazy), clear)
    if not torch.isfinite(loss):
        raise TrainingError(
            f"loss became {loss.item()} at epoch {epoch}: lower --lr or set --clip-grad"
        )
    loop.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if step == 0:
        check_gradient_flow(loop)
    if loop.config.clip_grad > 0:
        torch.nn.utils.clip_grad_norm_(loop.method.module.parameters(), loop.config.clip_grad)
    if loop.hooks.before_step is not None:
        loop.hooks.before_step(loop.method, epoch, step)
    loop.optimizer.step()
    return float(loss.item())


def gradient_flows(module: torch.nn.Module) -> bool:
    """True when some parameter received a non-zero gradient."""
    return any(p.grad is not None and bool(p.grad.ne(0).any()) for p in module.parameters())


def check_gradient_flow(loop: Loop) -> None:
    """Record whether the first step got any gradient; stop a dead start unless told not to."""
    loop.dead_start = not gradient_flows(loop.method.module)
    if loop.dead_start and loop.config.stop_if_dead:
        raise TrainingError(
            f"{loop.method.spec}: no gradient reaches any parameter at the first step, so training "
            "cannot move (a dead ReLU at init: for LNet-GIE, K = ReLU(e_conv2(...)) is 0 on every "
            "pixel and the output is white); try another --seed"
        )


def psnr_per_image(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """RGB PSNR (data range 1) of each image, capped at PSNR_CAP_DB."""
    mse = (output - target).pow(2).flatten(1).mean(1).clamp_min(1e-10)
    return (-10.0 * torch.log10(mse)).clamp_max(PSNR_CAP_DB)


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
        shown = torch.round(out.clamp(0.0, 1.0) * 255.0) / 255.0
        psnrs.append(psnr_per_image(shown, y).cpu())
    method.module.train()
    return {
        "val_loss": float(torch.cat(losses).double().mean()),
        "val_psnr": float(torch.cat(psnrs).double().mean()),
    }


# ----------------------------------------------------------------------------- checkpoints


def resume_key(config: TrainConfig, spec: str, init: dict[str, Any], data: TrainData) -> dict:
    """Everything that must match for a checkpoint (or finished run) to belong to this run."""
    key = {
        "spec": spec,
        "dataset_fingerprint": data.description["fingerprint"],
        "ids_sha256": data.description["ids_sha256"],
        "init": {k: init.get(k) for k in ("kind", "source", "sha256", "seed")},
        **{k: v for k, v in config.hyperparameters().items() if k not in ("betas",)},
    }
    return json.loads(json.dumps(key))


def _atomic_save(obj: Any, path: Path) -> None:
    """torch.save to a temporary file, then rename over `path` (no torn files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _cpu_state(method: NeuralMethod) -> dict[str, torch.Tensor]:
    """The module's state_dict as contiguous CPU tensors (our key layout)."""
    return {k: v.detach().cpu().contiguous().clone() for k, v in method.module.state_dict().items()}


def save_checkpoint(path: Path, loop: Loop, state: dict[str, Any]) -> None:
    """Model, optimizer, epoch, history and RNG states, written atomically."""
    rng = {"shuffle": loop.generator.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    payload = {
        "model": _cpu_state(loop.method),
        "optimizer": loop.optimizer.state_dict(),
        "rng": rng,
        **state,
    }
    _atomic_save(payload, path)


def load_checkpoint(path: Path, key: dict[str, Any]) -> dict[str, Any]:
    """Read a resume checkpoint; TrainingError if it was written with other arguments."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a torn or foreign file: say so and how to start over
        raise TrainingError(
            f"cannot read checkpoint {path} ({exc}); delete it to start over"
        ) from None
    old = payload.get("key", {})
    if old != key:
        diffs = [
            f"{name}: {old.get(name)!r} -> {key.get(name)!r}"
            for name in sorted(set(old) | set(key))
            if old.get(name) != key.get(name)
        ]
        raise TrainingError(
            f"checkpoint {path} was written with different arguments ({'; '.join(diffs)}): "
            "rerun with the same arguments to resume, or delete it to start over"
        )
    return payload


def restore(loop: Loop, payload: dict[str, Any]) -> None:
    """Put model, optimizer and RNG states back from a checkpoint."""
    loop.method.module.load_state_dict(payload["model"])
    loop.optimizer.load_state_dict(payload["optimizer"])
    loop.generator.set_state(payload["rng"]["shuffle"])
    torch.set_rng_state(payload["rng"]["torch"])
    if "cuda" in payload["rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(payload["rng"]["cuda"])


# ----------------------------------------------------------------------------- outputs


def plot_history(
    history: dict[str, list],
    initial: dict[str, Any],
    path: Path,
    title: str,
    baseline: float | None = None,
) -> None:
    """Loss (train, validation) and validation PSNR per epoch; epoch 0 is the initial model."""
    epochs = list(range(1, len(history["train_loss"]) + 1))
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    left.plot(epochs, history["train_loss"], marker="o", label="train")
    if initial.get("val_loss") is not None:
        left.plot(
            [0, *epochs],
            [initial["val_loss"], *history["val_loss"]],
            marker="s",
            label="validation",
        )
        right.plot([0, *epochs], [initial["val_psnr"], *history["val_psnr"]], marker="s")
    left.set(xlabel="epoch", ylabel="MSE", yscale="log", title="loss")
    left.legend()
    if baseline is not None:
        right.axhline(baseline, color="grey", linestyle="--", label="hazy input")
        right.legend()
    right.set(xlabel="epoch", ylabel="PSNR (dB)", title="validation PSNR")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    fig.subplots_adjust(**LAYOUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def write_outputs(out: Path, loop: Loop, record: dict[str, Any]) -> TrainResult:
    """Weights (atomically), then the sidecar with their sha256, then the loss-curve PNG."""
    _atomic_save(_cpu_state(loop.method), out)
    record = {"spec": record["spec"], "sha256": sha256_file(out), "file": out.name, **record}
    side = sidecar_path(out)
    side.write_text(json.dumps(record, indent=1, default=str) + "\n", encoding="utf-8")
    figure = plot_path(out)
    title = f"{record['spec']} ({out.name})"
    baseline = record["dataset"].get("val_psnr_hazy_input")
    plot_history(record["history"], record["initial"], figure, title, baseline)
    return TrainResult(out, side, figure, record)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ----------------------------------------------------------------------------- training


def open_training_data(config: TrainConfig) -> PairedDataset:
    """The data set named by the config (default: the built-in synthetic one)."""
    return open_dataset(config.data, **config.data_options)


def check_trainable(spec: str) -> None:
    """TrainingError for classical methods (before any data is loaded)."""
    if not issubclass(method_class(parse_spec(spec).name), NeuralMethod):
        raise TrainingError(f"{spec} is a classical method: it has nothing to train")


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
    spec = canonical_spec(config.spec)
    check_trainable(spec)
    out = Path(config.out) if config.out is not None else default_out(spec)
    ckpt = checkpoint_path(out)
    if out.exists() and not ckpt.exists() and not config.overwrite:
        raise TrainingError(
            f"{out} exists: pass --overwrite to replace it, or choose another --out"
        )
    device = resolve_device(config.device)
    if data is None:
        data = load_train_data(
            dataset or open_training_data(config), config.limit, config.val_every, config.progress
        )
    data = data.to(device)
    with deterministic(config.seed):
        method, init = build_method(config, device)
        height, width = data.train_hazy.shape[1:3]
        if config.crop > min(height, width):
            raise TrainingError(
                f"--crop {config.crop} is larger than the images ({width}x{height})"
            )
        return _run(config, spec, out, method, init, data, device, hooks or TrainHooks())


def _run(
    config: TrainConfig,
    spec: str,
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
    for epoch in range(int(state["epoch"]) + 1, config.epochs + 1):
        _one_epoch(loop, epoch, state)
        save_checkpoint(ckpt, loop, {**state, "key": key})
        if hooks.on_epoch_end is not None:
            hooks.on_epoch_end(epoch, state["history"])
    record = _record(config, spec, method, init, data, device, state, key)
    result = write_outputs(out, loop, record)
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
            "started": _now(),
            "dead_start": None,
        }
    payload = load_checkpoint(ckpt, key)
    restore(loop, payload)
    state = {k: payload[k] for k in ("epoch", "history", "initial", "elapsed_s", "started")}
    state["sessions"] = int(payload.get("sessions", 1)) + 1
    state["dead_start"] = payload.get("dead_start")
    _say(loop.config, f"resuming {loop.method.spec} from {ckpt} after epoch {state['epoch']}")
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
    _say(loop.config, _epoch_line(epoch, loop.config.epochs, loss, metrics, seconds))


def _epoch_line(epoch: int, epochs: int, loss: float, metrics: dict, seconds: float) -> str:
    """One log line per epoch (the bars are cleared on some terminals)."""
    text = f"epoch {epoch}/{epochs}: train loss {loss:.5f}"
    if metrics["val_psnr"] is not None:
        text += f", val loss {metrics['val_loss']:.5f}, val PSNR {metrics['val_psnr']:.2f} dB"
    return text + f" ({seconds:.1f} s)"


def _say(config: TrainConfig, text: str) -> None:
    if config.progress:
        tqdm.write(text, file=sys.stderr)


def _record(
    config: TrainConfig,
    spec: str,
    method: NeuralMethod,
    init: dict[str, Any],
    data: TrainData,
    device: torch.device,
    state: dict[str, Any],
    key: dict[str, Any],
) -> dict[str, Any]:
    """The sidecar content (sha256 and file name are added once the weights are written)."""
    history = state["history"]
    return {
        "spec": spec,
        "method": method.name,
        "format": "state_dict of the method's module (dehaze-bench key layout)",
        "num_params": method.num_params,
        "dataset": data.description,
        "data_options": {"data": config.data, **config.data_options},
        "hyperparameters": config.hyperparameters(),
        "init": init,
        "initial": state["initial"],
        "history": history,
        "epochs": len(history["train_loss"]),
        "final_loss": history["train_loss"][-1],
        "final_val_loss": history["val_loss"][-1],
        "final_val_psnr": history["val_psnr"][-1],
        "dead_start": state["dead_start"],
        "wall_time_s": round(float(state["elapsed_s"]), 3),
        "sessions": state["sessions"],
        "started": state["started"],
        "finished": _now(),
        "device": str(device),
        "seed": config.seed,
        "torch_version": torch.__version__,
        "git_commit": git_commit(),
        "environment": environment(device),
        "resume_key": key,
    }


# ----------------------------------------------------------------------------- init ablation


def compare_init(
    config: TrainConfig,
    public: str | Path | None = None,
    dataset: PairedDataset | None = None,
    seeds: int = 1,
    data: TrainData | None = None,
) -> dict[str, Any]:
    """Train LNet-GIE from random and AOD-Net inits, each with the seeds seed..seed+seeds-1.

    Writes `<out-stem>-compare-init/` with one weights file per (init, seed), curves.csv,
    curves.json and curves.png (validation PSNR per epoch, epoch 0 = the initial model). Runs
    that start dead (no gradient) are kept and counted: how often that happens is part of
    what initialisation changes.
    """
    config.validate()
    spec = canonical_spec(config.spec)
    _check_compare(config, spec, seeds)
    inits = init_variants(public)
    folder = compare_folder(Path(config.out) if config.out else default_out(spec))
    if data is None:
        data = load_train_data(
            dataset or open_training_data(config), config.limit, config.val_every, config.progress
        )
    if not data.val_ids:
        raise TrainingError("no validation frames: use a smaller --val-every or a larger --limit")
    data = data.to(resolve_device(config.device))
    runs: list[dict[str, Any]] = []
    for seed in range(config.seed, config.seed + seeds):
        for label, init in inits.items():
            name = f"{label}-seed{seed}"
            _say(config, f"--- {spec}: init {label}, seed {seed} ---")
            run = replace_config(
                config, init=init, seed=seed, out=folder / f"{name}.pth", stop_if_dead=False
            )
            record = _train_or_reuse(run, spec, data)
            runs.append({"name": name, "label": label, "seed": seed, "record": record})
    return write_comparison(folder, spec, data, config, runs)


def _check_compare(config: TrainConfig, spec: str, seeds: int) -> None:
    """Raise TrainingError unless an init comparison can run with these settings."""
    if not isinstance(get_method(spec, use_shipped=False), LNetGIEMethod):
        raise TrainingError(
            "--compare-init compares LNet-GIE initialisations: give an lnet-gie spec"
        )
    if config.val_every == 0:
        raise TrainingError("--compare-init plots validation PSNR: --val-every must not be 0")
    if seeds < 1:
        raise TrainingError("--compare-seeds must be at least 1")


def replace_config(config: TrainConfig, **changes: Any) -> TrainConfig:
    """A copy of `config` with some fields changed."""
    return TrainConfig(**{**asdict(config), **changes})


def init_variants(public: str | Path | None) -> dict[str, str]:
    """label -> --init value: random, the shipped AOD-Net weights, the public file (if given)."""
    inits = {"random": "random"}
    if shipped_weights_for("aodnet") is not None:
        inits["aodnet-shipped"] = "aodnet"
    if public is not None:
        if not Path(public).is_file():
            raise TrainingError(f"--aodnet-public {public}: file not found")
        inits["aodnet-public"] = str(public)
    if len(inits) < 2:
        raise TrainingError(
            "nothing to compare random init with: no AOD-Net weights are shipped yet; pass "
            "--aodnet-public PATH (e.g. the port's dehazer.pth) or train aodnet first"
        )
    return inits


def compare_folder(out: Path) -> Path:
    """Where an init comparison goes: '<out-stem>-compare-init/' beside `out`."""
    return out.with_name(out.stem + "-compare-init")


def _train_or_reuse(config: TrainConfig, spec: str, data: TrainData) -> dict[str, Any]:
    """The finished run's record when its sidecar matches these arguments, else train it."""
    out = Path(config.out)  # type: ignore[arg-type]
    previous = read_sidecar(out) if out.is_file() else None
    if previous and not checkpoint_path(out).exists():
        with deterministic(config.seed):
            _, init = build_method(config, resolve_device(config.device))
        if previous.get("resume_key") == resume_key(config, spec, init, data):
            _say(config, f"reusing {out} (trained with these arguments)")
            return previous
    return train(replace_config(config, overwrite=True), data=data).record


def comparison_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Long-form curve rows: one per (run, epoch); epoch 0 is the initial model."""
    rows = []
    for run in runs:
        record = run["record"]
        initial, history = record["initial"], record["history"]
        base = {
            "run": run["name"],
            "init": run["label"],
            "seed": run["seed"],
            "dead_start": record.get("dead_start"),
        }
        rows.append({**base, "epoch": 0, "train_loss": None, **initial})
        for k, loss in enumerate(history["train_loss"]):
            rows.append(
                {
                    **base,
                    "epoch": k + 1,
                    "train_loss": loss,
                    "val_loss": history["val_loss"][k],
                    "val_psnr": history["val_psnr"][k],
                }
            )
    return rows


def comparison_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per init: final validation PSNR of each seed, their mean, and how many started dead."""
    summary: dict[str, Any] = {}
    for run in runs:
        entry = summary.setdefault(
            run["label"], {"seeds": [], "final_val_psnr": [], "dead_starts": 0}
        )
        entry["seeds"].append(run["seed"])
        entry["final_val_psnr"].append(run["record"]["final_val_psnr"])
        entry["dead_starts"] += int(bool(run["record"].get("dead_start")))
    for entry in summary.values():
        entry["mean_final_val_psnr"] = float(np.mean(entry["final_val_psnr"]))
    return summary


def write_comparison(
    folder: Path, spec: str, data: TrainData, config: TrainConfig, runs: list[dict[str, Any]]
) -> dict[str, Any]:
    """curves.csv (long form), curves.json and curves.png of an init comparison."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = comparison_rows(runs)
    with open(folder / "curves.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = {
        "spec": spec,
        "dataset": data.description,
        "hyperparameters": {**config.hyperparameters(), "seed": None},
        "summary": comparison_summary(runs),
        "runs": {
            run["name"]: {
                "init_label": run["label"],
                "seed": run["seed"],
                "init": run["record"]["init"],
                "weights": str(folder / f"{run['name']}.pth"),
                "sha256": run["record"].get("sha256"),
                "dead_start": run["record"].get("dead_start"),
                "initial": run["record"]["initial"],
                "history": run["record"]["history"],
            }
            for run in runs
        },
        "git_commit": git_commit(),
        "torch_version": torch.__version__,
        "finished": _now(),
    }
    (folder / "curves.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    plot_comparison(runs, summary["summary"], folder / "curves.png", spec)
    return {"folder": folder, "summary": summary}


def plot_comparison(
    runs: list[dict[str, Any]], summary: dict[str, Any], path: Path, spec: str
) -> None:
    """Validation PSNR and train loss per epoch: one colour per init, one line per seed."""
    fig = Figure(figsize=(11, 4.5))
    left, right = fig.subplots(1, 2)
    colours = {label: f"C{k}" for k, label in enumerate(summary)}
    for run in runs:
        record, label = run["record"], run["label"]
        history, first = record["history"], run is next(r for r in runs if r["label"] == label)
        entry = summary[label]
        name = f"{label} ({entry['dead_starts']}/{len(entry['seeds'])} dead starts)"
        epochs = list(range(len(history["val_psnr"]) + 1))
        style = {"color": colours[label], "marker": "o", "markersize": 3, "alpha": 0.8}
        left.plot(
            epochs,
            [record["initial"]["val_psnr"], *history["val_psnr"]],
            label=name if first else None,
            **style,
        )
        right.plot(epochs[1:], history["train_loss"], label=name if first else None, **style)
    baseline = runs[0]["record"]["dataset"].get("val_psnr_hazy_input")
    if baseline is not None:
        left.axhline(baseline, color="grey", linestyle="--", label="hazy input")
    left.set(xlabel="epoch (0 = initial model)", ylabel="PSNR (dB)", title="validation PSNR")
    right.set(xlabel="epoch", ylabel="MSE", yscale="log", title="train loss")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    seeds = sorted({run["seed"] for run in runs})
    fig.suptitle(f"{spec}: random vs AOD-Net initialisation (seeds {seeds[0]}..{seeds[-1]})")
    fig.subplots_adjust(**LAYOUT)
    fig.savefig(path, dpi=110)
