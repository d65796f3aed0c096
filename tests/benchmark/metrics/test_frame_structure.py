"""Structure across frames: ORB/SIFT matches and RANSAC inlier ratio equal a plain OpenCV pipeline
written here, a translated texture is registered, unrelated frames are not, and the tracker
carried across batches gives each frame pair's value once."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from benchmark.metrics import Metric, get_metric
from benchmark.metrics.frame_structure import FramePairs, PairStat

H, W = 128, 160


def _scene(seed: int, margin: int = 16) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (H + 2 * margin, W + 2 * margin, 3)
    scene = sum(cv2.GaussianBlur(rng.random(shape), (0, 0), s) * s for s in (1, 2, 5))
    scene = (scene - scene.min()) / (scene.max() - scene.min())
    return np.round(scene * 255).astype(np.uint8)


def _frame(scene: np.ndarray, dy: int = 0, dx: int = 0, margin: int = 16) -> torch.Tensor:
    cut = np.ascontiguousarray(scene[margin + dy : margin + dy + H, margin + dx : margin + dx + W])
    return torch.from_numpy(cut).permute(2, 0, 1).float() / 255.0


def _opencv_reference(detector: str, a: torch.Tensor, b: torch.Tensor) -> tuple[int, float]:
    """The textbook pipeline: grey, detectAndCompute, knnMatch k=2, ratio 0.75, RANSAC 3 px."""
    make = cv2.ORB_create if detector == "orb" else cv2.SIFT_create
    norm = cv2.NORM_HAMMING if detector == "orb" else cv2.NORM_L2
    grey = [
        cv2.cvtColor(
            (x.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8), cv2.COLOR_RGB2GRAY
        )
        for x in (a, b)
    ]
    (k1, d1), (k2, d2) = (make().detectAndCompute(g, None) for g in grey)
    good = []
    for pair in cv2.BFMatcher(norm).knnMatch(d1, d2, k=2):
        if len(pair) == 2 and pair[0].distance < 0.75 * pair[1].distance:
            good.append(pair[0])
    src = np.float32([k1[m.queryIdx].pt for m in good])
    dst = np.float32([k2[m.trainIdx].pt for m in good])
    _, mask = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
    return len(good), float(mask.sum()) / len(good)


@pytest.mark.parametrize("detector", ["orb", "sift"])
def test_equal_to_the_plain_opencv_pipeline(detector: str) -> None:
    scene = _scene(0)
    a, b = _frame(scene), _frame(scene, 3, -4)
    matches, ratio = _opencv_reference(detector, a, b)
    ours_matches = PairStat(detector, "matches")(a[None], b[None])
    ours_ratio = PairStat(detector, "inlier_ratio")(a[None], b[None])
    assert ours_matches.dtype == torch.float64
    assert float(ours_matches[0]) == matches and matches > 20
    assert float(ours_ratio[0]) == pytest.approx(ratio, abs=1e-12) and ratio > 0.8


@pytest.mark.parametrize("detector", ["orb", "sift"])
def test_unrelated_frames_are_not_registered(detector: str) -> None:
    same = PairStat(detector, "matches")(_frame(_scene(0))[None], _frame(_scene(0), 2, 2)[None])
    other = PairStat(detector, "matches")(_frame(_scene(0))[None], _frame(_scene(9))[None])
    assert float(other[0]) < 0.25 * float(same[0])
    flat = torch.full((1, 3, H, W), 0.5)
    assert PairStat(detector, "inlier_ratio")(flat, flat).tolist() == [0.0]  # nothing to track


def test_tracker_is_carried_across_batches_and_resets_at_gaps() -> None:
    scene = _scene(1)
    frames = torch.stack([_frame(scene, k, -k) for k in range(5)])
    metrics = [get_metric(n) for n in ("orb_matches", "orb_inlier_ratio", "sift_matches")]
    assert {m.kind for m in metrics} == {"frame-pair"}
    one = FramePairs(metrics).update(range(5), ["v"] * 5, frames)
    tracker = FramePairs(metrics)
    first = tracker.update([0, 1], ["v", "v"], frames[:2])
    second = tracker.update([2, 3, 4], ["v"] * 3, frames[2:])
    for name in one:
        carried = np.concatenate([first[name], second[name]])
        np.testing.assert_array_equal(carried, one[name])
        assert np.isnan(one[name][0]) and np.isfinite(one[name][1:]).all()
        direct = [
            float(
                metrics[[m.name for m in metrics].index(name)].fn(
                    frames[k - 1 : k], frames[k : k + 1]
                )[0]
            )
            for k in range(1, 5)
        ]
        np.testing.assert_array_equal(one[name][1:], direct)
    gap = FramePairs(metrics).update([0, 2], ["v", "v"], frames[:2])  # frame 1 not scored
    assert np.isnan(gap["orb_matches"]).all()
    videos = FramePairs(metrics).update([0, 1], ["a", "b"], frames[:2])  # another video
    assert np.isnan(videos["orb_matches"]).all()


def test_any_frame_pair_function_gets_previous_and_current_frames() -> None:
    frames = torch.stack([_frame(_scene(2), k, 0) for k in range(3)])
    change = Metric(
        "test_change",
        "Change",
        lambda prev, cur: (cur - prev).abs().flatten(1).mean(1, dtype=torch.float64),
        False,
        digits=3,
        kind="frame-pair",
    )
    values = FramePairs([change]).update(range(3), ["v"] * 3, frames)["test_change"]
    expected = [float((frames[k] - frames[k - 1]).abs().double().mean()) for k in (1, 2)]
    assert np.isnan(values[0]) and values[1:] == pytest.approx(expected, rel=1e-6)
