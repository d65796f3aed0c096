"""The catalogue's shape, `weights` listing, `official` resolution from the cache, `weights add`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.errors import FetchError
from benchmark.run.config import RunConfig
from benchmark.run.plan import plan_methods
from benchmark.weights import add_release, catalogue_rows, official_weights
from methods import NeuralMethod, available_methods, method_class
from methods.core.errors import WeightsError
from methods.core.releases import release_path

# verified by hand against ../shared/weights/SOURCES.txt (size and sha256 of the same files)
VERIFIED = {
    "aodnet:port": (8613, "79409b63bf019d6c7ca6903883a8635d5723c25406f74903751bd7459462a53b"),
    "gcanet:its": (2824156, "960c0967d848b569aeb253f5573509dc9fdbcbc683b204b5fe3e0876649f68fa"),
}
BASELINES = ("ffanet", "c2pnet", "gcanet", "griddehazenet", "msbdn-dff", "da-dehazing")


def test_every_baseline_has_a_well_formed_catalogue() -> None:
    for name in BASELINES:
        cls = method_class(name)
        assert cls.releases, name
        tags = [r.tag for r in cls.releases]
        assert len(tags) == len(set(tags)), name
        for release in cls.releases:
            assert release.url.startswith("https://") and release.file_name
            assert release.training_set and release.terms
            assert (release.size is None) == (release.sha256 is None)
            if release.sha256 is not None:
                assert re.fullmatch(r"[0-9a-f]{64}", release.sha256)
            for score in release.published:
                assert 10 < score.psnr < 50 and score.source
                assert score.ssim is None or 0 < score.ssim <= 1


def test_pinned_releases_are_exactly_the_verified_ones() -> None:
    pinned = {row["tag"]: (row["size"], row["sha256"]) for row in catalogue_rows() if row["size"]}
    assert pinned == VERIFIED


def test_gcanet_publishes_the_papers_sots_score() -> None:
    (score,) = method_class("gcanet").releases[0].published
    assert (score.psnr, score.ssim) == (30.23, 0.980)


def test_weights_lists_every_release_offline(capsys) -> None:
    assert main(["weights"]) == 0
    out = capsys.readouterr().out
    count = sum(len(getattr(method_class(n), "releases", ())) for n in available_methods())
    assert out.count("| `") == count == len(catalogue_rows())
    assert "| 2,824,156 | 960c0967d848… |" in out and "unpinned" in out


def _file_gcanet(shared_data: Path) -> Path:
    src = shared_data.parent / "weights" / "gcanet_wacv_dehaze.pth"
    if not src.is_file():
        pytest.skip("../shared/weights/gcanet_wacv_dehaze.pth not present")
    dest = release_path("gcanet", method_class("gcanet").releases[0])
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest


def test_official_resolves_from_the_cache(shared_data) -> None:
    dest = _file_gcanet(shared_data)
    path, release = official_weights("gcanet")
    assert path == dest and release.tag == "its"
    (planned,) = plan_methods(
        RunConfig(methods=("gcanet",), weights={"gcanet": "official:its"}), "cpu"
    )
    assert planned.method.weights.source == "official:its"
    assert planned.method.weights.sha256 == VERIFIED["gcanet:its"][1]


def test_official_offline_names_url_and_cache_path(monkeypatch) -> None:
    monkeypatch.setenv("DEHAZE_BENCH_MIRROR", "http://127.0.0.1:9")  # nothing listens there
    dest = release_path("gcanet", method_class("gcanet").releases[0])
    with pytest.raises(FetchError) as info:
        official_weights("gcanet", progress=False)
    text = str(info.value)
    assert "http://127.0.0.1:9/gcanet/wacv_gcanet_dehaze.pth" in text and str(dest) in text


def test_official_unknown_tag_lists_the_tags() -> None:
    with pytest.raises(WeightsError, match="ffanet:its, ffanet:ots"):
        official_weights("ffanet:nyu")


def test_add_files_a_checked_copy(shared_data, tmp_path) -> None:
    src = shared_data.parent / "weights" / "gcanet_wacv_dehaze.pth"
    if not src.is_file():
        pytest.skip("../shared/weights/gcanet_wacv_dehaze.pth not present")
    path, digest = add_release("gcanet:its", src)
    assert path.read_bytes() == src.read_bytes() and digest == VERIFIED["gcanet:its"][1]


def test_add_refuses_a_wrong_architecture_file(aod_weights, capsys) -> None:
    assert main(["weights", "add", "gcanet:its", str(aod_weights)]) == 2
    err = capsys.readouterr().err
    assert "does not fit this architecture" in err and "e_conv1.weight" in err
    assert not release_path("gcanet", method_class("gcanet").releases[0]).exists()


def test_add_refuses_a_file_that_is_not_the_pinned_release(tmp_path) -> None:
    cls = method_class("gcanet")
    assert issubclass(cls, NeuralMethod)
    other = tmp_path / "other.pth"
    import torch

    torch.save(cls().module.state_dict(), other)  # the right architecture, other weights
    with pytest.raises(FetchError, match="not the released file"):
        add_release("gcanet:its", other)
