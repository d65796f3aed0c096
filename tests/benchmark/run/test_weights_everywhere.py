"""Serial equals Dask for every weights source: the driver resolves, workers load and verify.

One serial run and one run on a real 2-process LocalCluster score, side by side: shipped weights
(lnet-gie), a backend variant sharing them (lnet-gie:backend=eager), weights `train` wrote into
weights/ (gcanet), a user file (aodnet) and the authors' release from a prepared cache
(aodnet:backend=eager=official:port). Before the single resolver the Dask workers never looked
in weights/ and scored a randomly initialised GCANet under the trained file's sha256.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch

from benchmark.cli import main
from methods import get_method, method_class, release_path, sha256_file

pytest.importorskip("distributed", reason="dask[distributed] not installed (the distributed extra)")

pytestmark = pytest.mark.slow

FAST = ["--size", "32", "--limit", "2", "--batch-size", "2", "--no-progress"]
SCORES = ["psnr", "ssim", "ciede2000"]


def _trained_gcanet(folder: Path) -> Path:
    """A GCANet checkpoint with the sidecar `train` writes (seeded, so not the module default)."""
    torch.manual_seed(7)
    method = get_method("gcanet", use_shipped=False)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "gcanet.pth"
    torch.save(method.module.state_dict(), path)
    path.with_suffix(".json").write_text(json.dumps({"spec": "gcanet", "method": "gcanet"}))
    return path


def _user_aodnet(folder: Path) -> Path:
    """An AOD-Net file that is not the shipped one (its weights scaled)."""
    method = get_method("aodnet")
    state = {k: v * 0.9 for k, v in method.module.state_dict().items()}
    path = folder / "my-aodnet.pth"
    torch.save(state, path)
    return path


def _run(out: Path, run_id: str, args: list[str]) -> int:
    return main(["run", "--out", str(out), "--run-id", run_id, "--latency-budget", "0.01", *args])


def test_serial_equals_dask_for_every_weights_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aod_weights: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # weights/ is where `train` writes: relative to the cwd
    trained = _trained_gcanet(tmp_path / "weights")
    user = _user_aodnet(tmp_path)
    official = release_path("aodnet", method_class("aodnet").releases[0])  # the port
    official.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(aod_weights, official)
    specs = "lnet-gie,lnet-gie:backend=eager,gcanet,aodnet,aodnet:backend=eager"
    weights = [f"aodnet={user}", "aodnet:backend=eager=official:port"]
    args = [*FAST, "--methods", specs, "--weights", *weights]
    assert _run(tmp_path / "out", "serial", args) == 0
    assert _run(tmp_path / "out", "dask", [*args, "--scheduler", "local:2"]) == 0

    expected = {
        "lnet-gie": "shipped",
        "lnet-gie:backend=eager": "shipped",
        "gcanet": "trained",
        "aodnet": "user",
        "aodnet:backend=eager": "official:port",
    }
    files = {"gcanet": trained, "aodnet": user, "aodnet:backend=eager": official}
    frames = {}
    for run_id in ("serial", "dask"):
        folder = tmp_path / "out" / "runs" / run_id
        table = pd.read_csv(folder / "methods.csv").groupby("spec").last()
        assert table["status"].to_dict() == dict.fromkeys(expected, "done")
        assert table["weights_source"].to_dict() == expected
        for spec, path in files.items():
            assert table.loc[spec, "weights_sha256"] == sha256_file(path), (run_id, spec)
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["weights"] == table["weights_sha256"].to_dict()
        frames[run_id] = pd.read_csv(folder / "per_image.csv").sort_values(["spec", "image_id"])
    serial, dask = (frames[k].reset_index(drop=True) for k in ("serial", "dask"))
    assert list(serial["spec"]) == list(dask["spec"]) and (dask["status"] == "ok").all()
    assert len(serial) == 2 * len(expected)
    for name in SCORES:
        assert (serial[name] - dask[name]).abs().max() <= 1e-6, name
