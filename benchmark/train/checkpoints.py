"""Resume checkpoints: what identifies a run, and saving/restoring its full state atomically."""

from __future__ import annotations

import errno
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from methods import NeuralMethod

from ..errors import TrainingError
from ..files import atomic_target
from .config import TrainConfig
from .data import TrainData
from .loop import Loop


def checkpoint_path(out: Path) -> Path:
    """The resume checkpoint of a run writing `out`: '<out>.ckpt'."""
    return out.with_name(out.name + ".ckpt")


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


def save_torch(obj: Any, path: Path) -> None:
    """torch.save to the temporary sibling, then rename it over `path` (never a torn file).

    Not via a bytes buffer: torch names the archive inside a file after the file, so saving
    to a buffer would change the bytes (and sha256) of every weights file.
    """
    try:
        with atomic_target(path) as tmp:
            torch.save(obj, tmp)
    except (RuntimeError, OSError) as exc:  # torch reports a full disk as a RuntimeError
        raise WriteFailed(write_failure(path, exc)) from None


class WriteFailed(TrainingError):
    """An output or checkpoint that could not be written (a full disk, a read-only folder)."""


@contextmanager
def kept_on_failure(ckpt: Path) -> Iterator[None]:
    """A failed write as one line that names the file and says which checkpoint is kept."""
    try:
        yield
    except (WriteFailed, OSError) as exc:
        if isinstance(exc, OSError) and exc.strerror is None:
            raise  # our own message already
        text = str(exc) if isinstance(exc, WriteFailed) else write_failure(exc.filename, exc)
        epoch = checkpoint_epoch(ckpt)
        kept = (
            f"the last checkpoint {ckpt} (epoch {epoch}) is kept: free some space and run the "
            "same command again to resume"
            if epoch is not None
            else "no epoch was checkpointed yet: free some space and run it again"
        )
        raise WriteFailed(f"{text}: {kept}") from None


def checkpoint_epoch(ckpt: Path) -> int | None:
    """The last epoch a checkpoint holds, or None when there is none (or it cannot be read)."""
    if not ckpt.is_file():
        return None
    try:
        return int(torch.load(ckpt, map_location="cpu", weights_only=True)["epoch"])
    except Exception:  # a torn file is no checkpoint to speak of
        return None


#: free bytes below which a failed save is called a full disk (a checkpoint is far larger)
FULL_BELOW = 1 << 20


def write_failure(path: str | Path | None, exc: BaseException) -> str:
    """'could not write PATH (reason; N bytes free there)' for a failed save."""
    path = Path(path or ".")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    reason = " ".join(reason.split())[:120]
    try:
        left = shutil.disk_usage(path.parent).free
    except OSError:
        return f"could not write {path} ({reason}; free space unknown)"
    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if full or left < FULL_BELOW:  # torch says "unexpected pos ..." for a full disk
        return f"could not write {path}: disk full ({left:,} bytes free there; {reason})"
    return f"could not write {path} ({reason}; {left:,} bytes free there)"


def cpu_state(method: NeuralMethod) -> dict[str, torch.Tensor]:
    """The module's state_dict as contiguous CPU tensors (our key layout)."""
    return {k: v.detach().cpu().contiguous().clone() for k, v in method.module.state_dict().items()}


def save_checkpoint(path: Path, loop: Loop, state: dict[str, Any]) -> None:
    """Model, optimizer, epoch, history and RNG states, written atomically."""
    rng = {"shuffle": loop.generator.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    payload = {
        "model": cpu_state(loop.method),
        "optimizer": loop.optimizer.state_dict(),
        "rng": rng,
        **state,
    }
    save_torch(payload, path)


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
