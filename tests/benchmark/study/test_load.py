"""Load: 20 simulated raters x 50 votes at once over HTTP, the server killed (SIGKILL) and restarted
half-way: every acknowledged vote is in the store, and no item is answered twice."""

from __future__ import annotations

import csv
import http.client
import json
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from benchmark.study.store import StudyStore

from .conftest import free_port, make_study, start_server

RATERS, VOTES = 20, 50
#: what a client sees of a server killed mid-request: no connection, a reset, a cut-off reply
TRANSIENT = (OSError, http.client.HTTPException, json.JSONDecodeError)


def call(url: str, body: dict | None = None) -> tuple[int, dict]:
    """GET (or POST JSON) and the decoded reply; OSError when the server is not there."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


class Rater(threading.Thread):
    """Votes on its items in order until done, retrying through the server's restart."""

    def __init__(self, base: str, token: str, index: int) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.index = base, token, index
        self.acked: dict[int, str] = {}
        self.errors: list[str] = []

    def run(self) -> None:
        while True:
            try:
                status, item = call(f"{self.base}/api/next?token={self.token}")
                if item.get("done"):
                    return
                choice = ("left", "right", "equal")[(item["item"] + self.index) % 3]
                body = {"token": self.token, "item": item["item"], "choice": choice}
                while True:  # the same vote until the server acknowledges it
                    try:
                        status, reply = call(f"{self.base}/api/vote", body)
                        break
                    except TRANSIENT:
                        time.sleep(0.05)
                if status == 200 and reply.get("ok"):
                    self.acked[item["item"]] = choice
                else:
                    self.errors.append(f"{status} {reply}")
            except TRANSIENT:  # the server is down (or died mid-reply): try again shortly
                time.sleep(0.05)


@pytest.mark.slow
def test_concurrent_raters_survive_a_kill_9(tiny_run: Path, tmp_path: Path) -> None:
    study = make_study(tiny_run, tmp_path / "load", raters=RATERS, per_rater=VOTES)
    with open(study / "raters.csv", newline="", encoding="utf-8") as handle:
        tokens = [row["token"] for row in csv.DictReader(handle)]
    port = free_port()
    server = start_server(study, port)
    raters = [Rater(f"http://127.0.0.1:{port}", t, k) for k, t in enumerate(tokens)]
    try:
        for rater in raters:
            rater.start()
        while sum(len(r.acked) for r in raters) < RATERS * VOTES * 0.4:
            time.sleep(0.02)
        server.send_signal(signal.SIGKILL)  # mid-way, with requests in flight
        server.wait()
        acked_at_kill = {k: v for r in raters for k, v in dict(r.acked).items()}
        server = start_server(study, port)
        for rater in raters:
            rater.join(timeout=240)
        assert not any(r.is_alive() for r in raters)
    finally:
        server.kill()
        server.wait()
    assert 0 < len(acked_at_kill) < RATERS * VOTES
    assert not [e for r in raters for e in r.errors]
    votes = StudyStore(study).votes_frame()
    stored = dict(zip(votes["item_id"], votes["choice"], strict=True))
    assert votes["item_id"].is_unique and len(votes) == RATERS * VOTES  # none twice, none lost
    acked = {k: v for r in raters for k, v in r.acked.items()}
    assert len(acked) == RATERS * VOTES
    assert all(stored[item] == choice for item, choice in acked.items())
    assert all(stored[item] == choice for item, choice in acked_at_kill.items())
