"""`enhance --stats`, `--realtime` and live sources: latency percentiles, drops, an HTTP stream.

The live source is an MJPEG-over-HTTP stream (multipart/x-mixed-replace) served from 127.0.0.1
by the test itself, read by OpenCV's FFmpeg backend as a camera stream would be. Dropping is
proven with a method slowed on purpose (tests/benchmark/faulty_methods.py's test-slow).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np
import pytest

import tests.benchmark.faulty_methods  # noqa: F401  (registers the test methods)
from benchmark.cli import main
from benchmark.data.video import VideoWriter, probe_video
from benchmark.enhance.background import freshest

SIZE = (96, 64)


def _clip(path: Path, frames: int, fps: float = 30.0) -> Path:
    width, height = SIZE
    with VideoWriter(path, fps, width, height) as writer:
        for i in range(frames):
            writer.write(np.full((height, width, 3), (7 * i) % 200 + 20, np.uint8))
    return path


def _stats(path: Path) -> dict:
    return json.loads(path.read_text())


def test_stats_file_and_last_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip, out, stats = _clip(tmp_path / "in.avi", 12), tmp_path / "out.avi", tmp_path / "s.json"
    args = ["enhance", "lnet-gie", str(clip), str(out), "--stats", str(stats), "--no-progress"]
    assert main(args) == 0
    record = _stats(stats)
    assert record["frames"] == 12 and record["dropped"] == 0 and record["device"] == "cpu"
    latency = record["latency_ms"]
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert record["fps"] > 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert "frames/s end to end" in last and f"latency p90 {latency['p90']:.1f} ms" in last


def test_p90_over_the_frame_interval_is_said(tmp_path: Path, capsys) -> None:
    clip = _clip(tmp_path / "in.avi", 4, fps=100.0)  # 10 ms per frame: a 50 ms method misses it
    args = ["enhance", "test-slow", str(clip), str(tmp_path / "o.avi"), "--no-progress"]
    monkey = pytest.MonkeyPatch()
    monkey.setenv("DEHAZE_TEST_SLEEP", "0.05")
    try:
        assert main(args) == 0
    finally:
        monkey.undo()
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert "p90 exceeds the source's frame interval (10.0 ms at 100 fps)" in last


def test_realtime_drops_instead_of_queueing_and_bounds_the_delay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEHAZE_TEST_SLEEP", "0.1")  # 10 frames/s against a 30 frames/s file
    clip, stats = _clip(tmp_path / "in.avi", 30), tmp_path / "s.json"
    args = ["enhance", "test-slow", str(clip), str(tmp_path / "o.avi"), "--no-progress"]
    assert main([*args, "--realtime", "--max-delay", "2", "--stats", str(stats)]) == 0
    record = _stats(stats)
    assert record["dropped"] > 0 and record["frames"] + record["dropped"] == 30
    assert probe_video(tmp_path / "o.avi").frames == record["frames"]
    # a frame waits behind at most 2 queued frames, then its own call and its write: bounded by
    # a few method calls, measured against the method's own time in the same run
    per_frame_ms = 1000.0 / record["method_fps"]
    assert record["latency_ms"]["max"] <= (2 + 2) * per_frame_ms + 100
    slow = tmp_path / "queued.json"
    queued = ["enhance", "test-slow", str(clip), str(tmp_path / "q.avi"), "--no-progress"]
    assert main([*queued, "--stats", str(slow)]) == 0
    assert _stats(slow)["dropped"] == 0 and _stats(slow)["frames"] == 30  # without: all queued


def test_freshest_keeps_the_newest_and_counts_the_rest() -> None:
    drops: list[int] = []

    def produce() -> Iterator[int]:
        yield from range(50)

    taken = []
    for item in freshest(produce(), 3, lambda: drops.append(1)):
        taken.append(item)
        time.sleep(0.01)
    assert taken == sorted(taken) and taken[-1] == 49
    assert len(taken) + len(drops) == 50


class _MJPEG(BaseHTTPRequestHandler):
    """multipart/x-mixed-replace JPEG frames at ~30 frames/s, then the stream ends."""

    frames: ClassVar[list[bytes]] = []

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        for data in self.frames:
            head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n"
            self.wfile.write(head.encode() + data + b"\r\n")
            time.sleep(1 / 30)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mjpeg_url() -> Iterator[str]:
    width, height = SIZE
    _MJPEG.frames = [
        cv2.imencode(".jpg", np.full((height, width, 3), 30 * i + 10, np.uint8))[1].tobytes()
        for i in range(8)
    ]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MJPEG)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/stream.mjpg"
    finally:
        server.shutdown()
        server.server_close()


def test_an_mjpeg_http_stream_is_a_source(mjpeg_url: str, tmp_path: Path) -> None:
    capture = cv2.VideoCapture(mjpeg_url)
    readable = capture.isOpened()
    capture.release()
    if not readable:
        pytest.skip("this OpenCV build reads no HTTP streams (no FFmpeg backend)")
    out, stats = tmp_path / "live.avi", tmp_path / "s.json"
    args = ["enhance", "dcp", mjpeg_url, str(out), "--stats", str(stats), "--no-progress"]
    assert main([*args, "--max-frames", "5"]) == 0
    assert probe_video(out).frames == 5 and _stats(stats)["frames"] == 5
    assert (probe_video(out).width, probe_video(out).height) == SIZE


def test_a_live_source_that_does_not_open_is_one_line(tmp_path: Path, capsys) -> None:
    args = ["enhance", "dcp", "http://127.0.0.1:9/none.mjpg", str(tmp_path / "o.avi")]
    assert main([*args, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot open live source") and "Traceback" not in err
