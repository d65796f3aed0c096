"""`train all` on a tiny budget: each method's recipe, weights into the cache, resumable, found by run."""

from __future__ import annotations

import json

import torch

from benchmark.cli import main
from benchmark.report.provenance import provenance_cell
from benchmark.run.config import RunConfig
from benchmark.run.plan import plan_methods
from benchmark.train import TrainConfig
from benchmark.train.budget import budget_text
from benchmark.train.config import replace_config
from benchmark.train.train_all import methods_to_train, train_all
from methods import method_class
from methods.core.releases import trained_dir

TINY = TrainConfig(
    spec="all", data_options={"size": 32}, epochs=1, limit=4, val_every=2, progress=False
)


def test_train_all_skips_shipped_and_trains_the_rest_with_their_recipes() -> None:
    todo, skipped, again = methods_to_train()
    assert skipped == {"aodnet": "shipped weights", "lnet-gie": "shipped weights"}
    assert set(todo) == {"c2pnet", "da-dehazing", "ffanet", "gcanet", "griddehazenet", "msbdn-dff"}
    assert again == {}
    result = train_all(TINY, only=lambda name: name == "griddehazenet")
    assert list(result.trained) == ["griddehazenet"] and not result.failed
    side = json.loads(result.trained["griddehazenet"].with_suffix(".json").read_text())
    hyper, recipe = side["hyperparameters"], method_class("griddehazenet").recipe
    assert hyper["loss"].startswith("SmoothL1") and hyper["lr"] == recipe.lr == 1e-3
    assert hyper["lr_schedule"] == {"kind": "step", "decay_every": 0.2, "decay_gamma": 0.5}
    assert side["spec"] == "griddehazenet" and side["epochs"] == 1


def test_train_all_resumes_and_run_finds_the_weights(capsys) -> None:
    first = train_all(TINY, only=lambda name: name == "gcanet")
    assert list(first.trained) == ["gcanet"]
    before = first.trained["gcanet"].stat().st_mtime_ns
    second = train_all(TINY, only=lambda name: name in ("gcanet", "griddehazenet"))
    assert second.skipped["gcanet"] == "already suite-trained with this budget"  # not again
    assert list(second.trained) == ["griddehazenet"]
    assert first.trained["gcanet"].stat().st_mtime_ns == before
    (planned,) = plan_methods(RunConfig(methods=("gcanet",)), torch.device("cpu"))
    fingerprint = planned.method.weights.sidecar["dataset"]["fingerprint"]
    assert planned.method.weights.source == f"suite-trained:{fingerprint[:12]}"
    assert planned.method.weights.path == str(trained_dir() / "gcanet.pth")


def test_a_smaller_budget_is_retrained_and_labelled_with_its_budget() -> None:
    first = train_all(TINY, only=lambda name: name == "gcanet")
    side = json.loads(first.trained["gcanet"].with_suffix(".json").read_text())
    row = {
        "spec": "gcanet",
        "weights_source": "suite-trained:abc",
        "weights_sha256": side["sha256"],
    }
    assert provenance_cell(row) == "suite-trained, 1 epoch x 4 images (data abc)"
    bigger = replace_config(TINY, epochs=2)
    todo, skipped, again = methods_to_train(bigger)
    assert "gcanet" in todo and "gcanet" not in skipped
    assert again["gcanet"].startswith("trained with another budget: epochs 1 -> 2")
    second = train_all(bigger, only=lambda name: name == "gcanet")
    assert list(second.trained) == ["gcanet"] and "gcanet" in second.retrained
    side = json.loads(second.trained["gcanet"].with_suffix(".json").read_text())
    assert side["epochs"] == 2
    row["weights_sha256"] = side["sha256"]
    assert provenance_cell(row) == "suite-trained, 2 epochs x 4 images (data abc)"
    full = json.loads(json.dumps(side))
    full["hyperparameters"].update(epochs=30, limit=None)
    assert budget_text(full) == ""  # the recipe's full budget: no budget in the label


def test_train_all_refuses_per_method_options(capsys) -> None:
    assert main(["train", "all", "--lr", "0.1"]) == 2
    assert "each method's own recipe" in capsys.readouterr().err


def test_recipe_fills_what_the_user_did_not_give() -> None:
    from benchmark.cli import build_parser
    from benchmark.cli.train import train_config

    config = train_config(build_parser().parse_args(["train", "c2pnet", "--lr", "0.5"]))
    assert (config.loss, config.lr, config.clip_grad, config.schedule) == ("l1", 0.5, 0.2, "cosine")
    assert "overridden: lr" in config.recipe_source
    plain = train_config(build_parser().parse_args(["train", "aodnet"]))
    assert (plain.loss, plain.lr, plain.schedule, plain.recipe_source) == (
        "mse",
        0.01,
        "constant",
        "",
    )
