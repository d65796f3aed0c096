"""Safe checkpoint loading: weights_only by default, wrapper/prefix unwrapping, strict key checks.

Every failure is a WeightsError whose message names the file and says what to do.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import pickle
import pickletools
import re
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .errors import UnsafeWeightsError, WeightsError

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "weights"
#: dict keys under which training scripts in the wild nest the state_dict
WRAPPER_KEYS = ("state_dict", "model", "model_state_dict", "net", "network", "params", "params_ema")
#: prefixes added by DataParallel/DistributedDataParallel and torch.compile
STRIP_PREFIXES = ("module.", "_orig_mod.")
ZIP_MAGIC = b"PK\x03\x04"  # torch.save's default (zip) format
PICKLE_PROTO = b"\x80"  # a pickle stream of protocol 2+ (torch's legacy format, or raw pickle)
TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # the first object of torch's pre-1.6 format
#: globals every torch checkpoint names (tensor rebuilding), never the reason a load is unsafe
_SAFE_GLOBAL_PREFIXES = ("torch.", "collections.OrderedDict", "_codecs.encode")


@dataclass(frozen=True)
class WeightsInfo:
    """What was loaded: where from, its sha256, and whether it came with the package."""

    path: str
    sha256: str
    source: str  # "shipped" | "suite-trained" | "official:TAG" | "user"
    sidecar: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for manifests."""
        return asdict(self)


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _numpy_scalar_globals() -> list[Any]:
    """What unpickling numpy scalars needs: `scalar`, `dtype` and the numeric dtype classes.

    Training scripts (FFA-Net, C2PNet, ...) save metrics such as `max_psnr` as np.float64 beside
    the weights. `scalar` is registered under its numpy 1.x and 2.x paths so files from either
    load under either; only bool/int/float dtype classes may be built, so object dtypes (which
    could carry arbitrary objects) and numpy arrays are still refused.
    """
    try:
        multiarray = importlib.import_module("numpy._core.multiarray")
    except ImportError:  # numpy < 2
        multiarray = importlib.import_module("numpy.core.multiarray")
    dtype_classes = {type(np.dtype(code)) for code in "?bBhHiIlLqQefdg"}
    return [
        (multiarray.scalar, "numpy.core.multiarray.scalar"),
        (multiarray.scalar, "numpy._core.multiarray.scalar"),
        (np.dtype, "numpy.dtype"),
        *sorted(dtype_classes, key=lambda cls: cls.__name__),
    ]


def _safe_load(path: Path) -> Any:
    """torch.load(weights_only=True) that also accepts numpy scalars (torch >= 2.5)."""
    safe_globals = getattr(torch.serialization, "safe_globals", None)
    if safe_globals is None:
        return torch.load(path, map_location="cpu", weights_only=True)
    with safe_globals(_numpy_scalar_globals()):
        return torch.load(path, map_location="cpu", weights_only=True)


def read_checkpoint(path: str | Path, trust: bool = False) -> Any:
    """torch.load on the CPU; refuses pickles that need arbitrary code unless `trust`."""
    path = Path(path)
    if path.is_dir():
        raise WeightsError(f"{path} is a folder, not a weights file (give the .pth file inside)")
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path} (check the path)")
    if path.stat().st_size == 0:
        raise WeightsError(f"weights file {path} is empty (0 bytes): download or save it again")
    try:
        with warnings.catch_warnings():  # torch warns about old pickle protocols: noise here
            warnings.simplefilter("ignore")
            if trust:
                return torch.load(path, map_location="cpu", weights_only=False)
            return _safe_load(path)
    except pickle.UnpicklingError as exc:
        if trust or not _is_pickle_or_zip(path) or _is_plain_pickle_of_data(path):
            raise WeightsError(_unreadable(path, exc)) from None
        raise UnsafeWeightsError(
            f"refusing to unpickle {path}: {_unsafe_reason(path, exc)}, and full unpickling can "
            "run arbitrary code; if you trust the file, pass --trust-weights (or trust=True), or "
            "convert it once with `python -m benchmark convert-weights`"
        ) from None
    except Exception as exc:  # torch raises many types for corrupt files; all mean 'unreadable'
        raise WeightsError(_unreadable(path, exc)) from None


def _header(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4)


def _is_pickle_or_zip(path: Path) -> bool:
    """True for a torch zip archive or a pickle stream (protocol 2+), by the first bytes."""
    head = _header(path)
    return head.startswith(ZIP_MAGIC) or head[:1] == PICKLE_PROTO


def _is_plain_pickle_of_data(path: Path) -> bool:
    """A pickle stream that is neither torch's legacy format nor names any unsafe global."""
    if _header(path)[:1] != PICKLE_PROTO:
        return False
    try:
        ops = pickletools.genops(path.read_bytes())
        first = next(op for op in ops if op[0].name not in ("PROTO", "FRAME"))
    except Exception:
        return False
    legacy = first[0].name.startswith("LONG") and first[1] == TORCH_LEGACY_MAGIC
    return not legacy and not _pickle_globals(path)


def _unreadable(path: Path, exc: BaseException) -> str:
    """Why a file could not be read: not a checkpoint, truncated/corrupt, or torch's reason."""
    head = _header(path)
    if not (head.startswith(ZIP_MAGIC) or head[:1] == PICKLE_PROTO):
        return f"{path} is not a torch checkpoint (neither a zip archive nor a pickle): wrong file?"
    if _is_plain_pickle_of_data(path):
        return f"{path} is a plain pickle, not a torch checkpoint: save it with torch.save"
    text = _first_line(exc)
    truncated = isinstance(exc, EOFError | OSError) or any(
        word in text for word in ("central directory", "corrupt", "Ran out of input", "truncated")
    )
    if truncated or (head.startswith(ZIP_MAGIC) and not zipfile.is_zipfile(path)):
        return f"weights file {path} is truncated or corrupt: download or save it again"
    return f"cannot read weights file {path}: {text[:200]} (is it a torch checkpoint?)"


def _unsafe_reason(path: Path, exc: BaseException) -> str:
    """What needs full unpickling: the blocked global torch names, else the ones in the file."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    found = re.search(r"GLOBAL ([\w.]+)", text, flags=re.IGNORECASE)
    names = _pickle_globals(path)
    if found:
        others = [n for n in names if n.rpartition(".")[2] != found.group(1).rpartition(".")[2]]
        seen = f" (it also imports {', '.join(others[:3])})" if others else ""
        return f"it needs the Python global {found.group(1)}{seen}"
    if names:
        return f"it needs the Python global(s) {', '.join(names[:3])}"
    return "its pickle uses constructs the safe loader does not allow"


def _pickle_globals(path: Path) -> list[str]:
    """Globals a pickle stream (or a torch archive's data.pkl) imports, read without running it."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                name = next(n for n in archive.namelist() if n.endswith("data.pkl"))
                data = archive.read(name)
        else:
            data = path.read_bytes()
        names, strings = [], []
        for op, arg, _ in pickletools.genops(data):
            if op.name == "GLOBAL":
                names.append(str(arg).replace(" ", "."))
            elif "UNICODE" in op.name:
                strings.append(str(arg))
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                names.append(f"{strings[-2]}.{strings[-1]}")
    except Exception:  # a damaged stream: report what was found before the damage
        pass
    return list(dict.fromkeys(n for n in names if not n.startswith(_SAFE_GLOBAL_PREFIXES)))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def extract_state_dict(obj: Any) -> dict[str, torch.Tensor]:
    """Find the tensors of a checkpoint: unwrap dict wrappers and whole models, strip prefixes."""
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    for _ in range(3):  # nested wrappers, e.g. {"model": {"state_dict": ...}}
        if isinstance(obj, Mapping) and not _is_state_dict(obj):
            inner = next((obj[k] for k in WRAPPER_KEYS if k in obj), None)
            if inner is None:
                break
            obj = inner.state_dict() if isinstance(inner, nn.Module) else inner
    if not isinstance(obj, Mapping) or not _is_state_dict(obj):
        raise WeightsError(
            "no state_dict found in the checkpoint (expected tensors, or a dict with one of "
            f"{', '.join(WRAPPER_KEYS)})"
        )
    state = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    return strip_prefixes(state)


def _is_state_dict(obj: Mapping) -> bool:
    return bool(obj) and all(isinstance(v, torch.Tensor) for v in obj.values())


def strip_prefixes(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Remove 'module.' / '_orig_mod.' prefixes (repeatedly, in any order)."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        changed = True
        while changed:
            changed = False
            for prefix in STRIP_PREFIXES:
                if key.startswith(prefix):
                    key, changed = key[len(prefix) :], True
        out[key] = value
    return out


def check_state_dict(module: nn.Module, state: Mapping[str, torch.Tensor], where: str) -> None:
    """Raise a WeightsError naming missing/unexpected keys and shape mismatches."""
    expected = module.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [
        f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and tuple(state[k].shape) != tuple(v.shape)
    ]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing keys {_few(missing)}")
        if unexpected:
            parts.append(f"unexpected keys {_few(unexpected)}")
        if shapes:
            parts.append(f"shape mismatch (file vs model) {_few(shapes)}")
        raise WeightsError(
            f"{where} does not fit this architecture: {'; '.join(parts)} "
            "(is it for another method or variant?)"
        )


def _few(items: list[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return f"[{shown}{f', ... +{len(items) - limit} more' if len(items) > limit else ''}]"


def load_weights_file(
    module: nn.Module,
    path: str | Path,
    convert: Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]] | None = None,
    trust: bool = False,
    source: str = "user",
    reader: Callable[[Path, bool], Any] | None = None,
) -> WeightsInfo:
    """Load `path` strictly into `module` (after unwrapping and `convert`); return its info.

    `reader(path, trust)` replaces `read_checkpoint` for formats that need it (e.g. a pickled
    whole model whose classes must be mapped while unpickling).
    """
    path = Path(path)
    raw = (reader or read_checkpoint)(path, trust)
    try:
        state = extract_state_dict(raw)
    except WeightsError as exc:
        raise WeightsError(f"{path}: {exc}") from None
    if convert is not None:
        state = convert(state)
    check_state_dict(module, state, str(path))
    module.load_state_dict(state, strict=True)
    return WeightsInfo(str(path), sha256_file(path), source, read_sidecar(path))


def sidecar_path(weights_path: str | Path) -> Path:
    """The JSON sidecar that describes a weights file the suite wrote."""
    return Path(weights_path).with_suffix(".json")


def read_sidecar(weights_path: str | Path) -> dict[str, Any] | None:
    """The sidecar's contents, or None when there is none (e.g. the authors' files)."""
    side = sidecar_path(weights_path)
    if not side.is_file():
        return None
    try:
        return json.loads(side.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def weights_index(folder: Path) -> dict[str, Path]:
    """Canonical spec -> weights file, for every `.pth` in `folder` with a sidecar naming its spec."""
    index: dict[str, Path] = {}
    for side in sorted(Path(folder).glob("*.json")):
        weights = side.with_suffix(".pth")
        data = read_sidecar(weights)
        if data and weights.is_file() and "spec" in data:
            index[str(data["spec"])] = weights
    return index


@cache
def _shipped_index() -> dict[str, Path]:
    return weights_index(SHIPPED_DIR)


def shipped_weights_for(spec: str) -> Path | None:
    """The weights file shipped in the package for exactly this canonical spec, if any."""
    return _shipped_index().get(spec)


def trained_weights_for(spec: str, folder: Path) -> Path | None:
    """Suite-trained weights for exactly this canonical spec in `folder` (sidecar says so)."""
    if not folder.is_dir():
        return None
    for side in sorted(folder.glob("*.json")):
        weights = side.with_suffix(".pth")
        data = read_sidecar(weights)
        if data and weights.is_file() and str(data.get("spec")) == spec:
            return weights
    return None
