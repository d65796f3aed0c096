"""Run folders written through RunStore with made-up scores, for the check and ablation tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmark.check import CheckOptions
from benchmark.run.profiling import join_repeats_ms
from benchmark.run.store import RunStore
from methods.core.spec import spec_name

N_IMAGES = 200
DEVICE = "CPU Test CPU (2 logical cores)"
FAST = CheckOptions(n_boot=2000)


def base_scores(n: int = N_IMAGES, seed: int = 0) -> dict[str, np.ndarray]:
    """Per-image scores of a reference method: PSNR, SSIM, CIEDE2000."""
    rng = np.random.default_rng(seed)
    return {
        "psnr": rng.normal(25.0, 2.0, n),
        "ssim": rng.uniform(0.7, 0.9, n),
        "ciede2000": rng.uniform(3.0, 6.0, n),
    }


def shifted(scores: dict[str, np.ndarray], psnr_shift: float, seed: int = 1) -> dict:
    """The same images with PSNR shifted by a true effect plus noise sd 0.2, SSIM unchanged."""
    noise = np.random.default_rng(seed).normal(0.0, 0.2, scores["psnr"].size)
    return {**scores, "psnr": scores["psnr"] + psnr_shift + noise}


def write_run(
    root: Path,
    scores: dict[str, dict[str, np.ndarray]],
    fingerprint: str = "synthetic-v1-seed0",
    device: str = DEVICE,
    latency_ms: dict[str, np.ndarray] | None = None,
    errors: dict[str, list[int]] | None = None,
    n_images: int | None = None,
    status: dict[str, str] | None = None,
    manifest: dict | None = None,
) -> Path:
    """A run folder with the runner's layout, rows written through RunStore (`manifest`: extra
    manifest keys, e.g. the run's metric set and its fitted metric models)."""
    store = RunStore(root)
    specs = list(scores)
    store.write_manifest(
        {
            "dataset_fingerprint": fingerprint,
            "split": "test",
            "limit": None,
            "specs": specs,
            "weights": dict.fromkeys(specs),
            "run_id": root.name,
            "dataset": {"name": "synthetic"},
            "n_images": n_images or N_IMAGES,
            "environment": {"device_name": device, "git_commit": "abc"},
            "methods": {},
            "sample_images": [],
            **(manifest or {}),
        }
    )
    with store.per_image_writer() as rows:
        for spec, values in scores.items():
            failed = set((errors or {}).get(spec, []))
            rows.write(
                {
                    "spec": spec,
                    "method": spec_name(spec),
                    "image_id": f"img{i:04d}",
                    "group": "g",
                    **({} if i in failed else {k: float(v[i]) for k, v in values.items()}),
                    "status": "error" if i in failed else "ok",
                    "error": "RuntimeError: boom" if i in failed else "",
                }
                for i in range(values["psnr"].size)
            )
    with store.methods_writer() as table:
        for spec in specs:
            reps = (latency_ms or {}).get(spec, np.full(10, 5.0))
            table.write(
                [
                    {
                        "spec": spec,
                        "method": spec_name(spec),
                        "status": (status or {}).get(spec, "done"),
                        "reason": "skipped after 3 consecutive failures",
                        "params": 14,
                        "macs": 1.5e6,
                        "latency_median_ms": float(np.median(reps)),
                        "latency_repeats": reps.size,
                        "latency_repeats_ms": join_repeats_ms(reps),
                        "eval_height": 32,
                        "eval_width": 32,
                        "device_name": device,
                    }
                ]
            )
    return root


def by_metric(result, spec: str | None = None) -> dict[str, object]:
    """Comparisons of a result keyed by metric (of one spec)."""
    return {c.metric: c for c in result.comparisons if spec is None or c.spec == spec}
