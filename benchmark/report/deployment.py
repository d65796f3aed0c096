"""Table 2 at deployment resolutions (`run --profile-size`): one row per spec, backend included.

The device is named once, in the notes (the caption), with the protocol; rows carry only what
differs between methods: backend, latency, throughput (and its batch), MACs, memory, skips.
"""

from __future__ import annotations

import re

import pandas as pd

from ..run.store import RunStore
from .tables import _backend_text, _div, _fmt, _int

SIZED = re.compile(r"^throughput_ips_(\d+x\d+)$")


def profile_sizes(methods: pd.DataFrame) -> list[str]:
    """The HxW labels that methods.csv holds sized columns for, in column order."""
    return [m.group(1) for c in methods.columns if (m := SIZED.match(str(c)))]


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def deployment_table(methods: pd.DataFrame, size: str) -> pd.DataFrame:
    """Latency, throughput, MACs and memory of every spec at one profile size."""
    rows = []
    for _, row in methods.sort_values("spec").iterrows():
        note = _text(row.get(f"profile_note_{size}"))
        rows.append(
            {
                "Method": str(row.get("spec")),
                "Backend": _backend_text(row.get("backend"), row.get("backend_path")),
                "Latency median (ms)": _fmt(row.get(f"latency_median_ms_{size}"), 2),
                "Latency p90 (ms)": _fmt(row.get(f"latency_p90_ms_{size}"), 2),
                "Throughput (img/s)": _fmt(row.get(f"throughput_ips_{size}"), 2),
                "at batch": _int(row.get(f"throughput_batch_{size}")),
                "GMACs": _fmt(_div(row.get(f"macs_{size}"), 1e9), 4),
                "Peak memory (MB)": _fmt(_div(row.get(f"peak_memory_bytes_{size}"), 2**20), 1),
                "Max abs diff vs eager": _fmt(row.get("max_abs_diff_vs_eager"), 7),
                "Note": note,
            }
        )
    return pd.DataFrame(rows)


def deployment_notes(store: RunStore, size: str) -> list[str]:
    """The caption: device, threads, protocol."""
    manifest = store.read_manifest() if store.exists() else {}
    env = manifest.get("environment", {})
    return [
        f"Device: {env.get('device_name', '?')}, {env.get('torch_threads', '?')} torch threads, "
        f"torch {env.get('versions', {}).get('torch', '?')}; input {size} (HxW), float32 "
        "unless the backend says otherwise.",
        "Latency: batch 1 after warm-up, CUDA-synchronised, median/p90 over adaptive repeats. "
        "Throughput: images/s at the best batch size of 1, 2, 4, ... 16 (stops at the first "
        "out-of-memory or when a larger batch gains nothing). Compile time (backend=compile) "
        "is never part of latency. Methods estimated to need more than the latency budget per "
        "forward on a CPU are skipped (Note).",
        "Max abs diff vs eager: the backend's first batch against the eager network "
        "('–': eager itself, or a classical method).",
    ]
