"""The study's web API through Flask's test client: votes, resume, and every refusal."""

from __future__ import annotations

import csv
import re
import sqlite3
import struct
from pathlib import Path

import pytest

from benchmark.study.server import create_app
from benchmark.study.store import StudyStore

from .conftest import make_study


def tokens(study: Path) -> list[str]:
    with open(study / "raters.csv", newline="", encoding="utf-8") as handle:
        return [row["token"] for row in csv.DictReader(handle)]


def png_chunks(data: bytes) -> set[bytes]:
    """The chunk types of a PNG file (text chunks would be tEXt, zTXt, iTXt)."""
    kinds, at = set(), 8
    while at < len(data):
        length = struct.unpack(">I", data[at : at + 4])[0]
        kinds.add(data[at + 4 : at + 8])
        at += 12 + length
    return kinds


def vote_count(study: Path) -> int:
    return StudyStore(study).counts()["votes"]


@pytest.fixture
def client(pairs_study: Path):
    return create_app(pairs_study).test_client()


def test_vote_resume_and_done(pairs_study: Path, client) -> None:
    token = tokens(pairs_study)[0]
    first = client.get(f"/api/next?token={token}").get_json()
    assert set(first) == {"item", "left", "right", "input", "answered", "total"}
    assert first["answered"] == 0 and first["total"] == 12
    assert client.get(f"/api/next?token={token}").get_json()["item"] == first["item"]  # unanswered
    for side in ("left", "right", "input"):
        image = client.get(first[side])
        assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    body = {"token": token, "item": first["item"], "choice": "left", "seconds": 2.5}
    assert client.post("/api/vote", json=body).get_json() == {"ok": True, "stored": True}
    assert client.post("/api/vote", json=body).get_json() == {"ok": True, "stored": False}
    assert client.post("/api/vote", json={**body, "choice": "right"}).status_code == 409
    nxt = client.get(f"/api/next?token={token}").get_json()
    assert nxt["item"] != first["item"] and nxt["answered"] == 1
    votes = StudyStore(pairs_study).votes_frame()
    assert len(votes) == 1 and votes.loc[0, "choice"] == "left" and votes.loc[0, "seconds"] == 2.5
    assert (
        votes.loc[0, "left"] in StudyStore(pairs_study).meta()["specs"] and votes.loc[0, "voted_at"]
    )
    for _ in range(11):
        item = client.get(f"/api/next?token={token}").get_json()["item"]
        client.post("/api/vote", json={"token": token, "item": item, "choice": "equal"})
    assert client.get(f"/api/next?token={token}").get_json() == {
        "done": True,
        "answered": 12,
        "total": 12,
    }


def test_the_page_and_urls_never_name_a_method(pairs_study: Path, client) -> None:
    token = tokens(pairs_study)[0]
    page = client.get(f"/r/{token}")
    assert page.status_code == 200 and b"Reader study" in page.data
    item = client.get(f"/api/next?token={token}")
    shown = (page.data.decode() + item.data.decode()).replace(token, "TOKEN").lower()
    specs = StudyStore(pairs_study).meta()["specs"]
    assert not any(re.search(rf"\b{re.escape(spec)}\b", shown) for spec in specs)
    files = [p.name for p in (pairs_study / "images").iterdir()]
    assert not any(spec in name for spec in specs for name in files)
    image = client.get(item.get_json()["left"])
    assert png_chunks(image.data) <= {b"IHDR", b"IDAT", b"IEND", b"sRGB", b"pHYs"}  # no text
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_wrong_tokens_are_refused_with_403(pairs_study: Path, client) -> None:
    item = client.get(f"/api/next?token={tokens(pairs_study)[0]}").get_json()["item"]
    for url in (
        "/r/nope",
        "/api/next?token=nope",
        "/api/next",
        f"/img/{item}/left?token=nope",
        f"/img/{item}/left",
    ):
        assert client.get(url).status_code == 403, url
    for body in (
        {"token": "nope", "item": item, "choice": "left"},
        {"item": item, "choice": "left"},
        {"token": ["x"], "item": item, "choice": "left"},
    ):
        assert client.post("/api/vote", json=body).status_code == 403
    assert vote_count(pairs_study) == 0


def test_other_raters_items_paths_and_malformed_votes_are_refused(
    pairs_study: Path, client
) -> None:
    mine, theirs = tokens(pairs_study)
    their_item = client.get(f"/api/next?token={theirs}").get_json()["item"]
    assert client.get(f"/img/{their_item}/left?token={mine}").status_code == 404
    vote = {"token": mine, "item": their_item, "choice": "left"}
    assert client.post("/api/vote", json=vote).status_code == 404
    item = client.get(f"/api/next?token={mine}").get_json()["item"]
    for url in (
        f"/img/{item}/..%2F..%2Fstudy.sqlite",
        f"/img/{item}/../../raters.csv",
        "/img/..%2Fstudy.sqlite/left",
        f"/img/{item}/%2Fetc%2Fpasswd",
        "/study.sqlite",
        "/images/",
        f"/img/{item}/image",
        "/img/999999/left",
        "/raters.csv",
    ):
        response = client.get(f"{url}?token={mine}")
        assert response.status_code in (404, 400), url
        assert b"rater" not in response.data and b"SQLite" not in response.data
    bad = [
        b"not json",
        b"[1, 2]",
        b'{"token": "%s"}' % mine.encode(),
        {"token": mine, "item": str(item), "choice": "left"},
        {"token": mine, "item": True, "choice": "left"},
        {"token": mine, "item": item, "choice": "LEFT"},
        {"token": mine, "item": item, "choice": "left", "score": 3},
        {"token": mine, "item": item, "score": 4},
        {"token": mine, "item": item, "choice": "left", "seconds": -1},
        {"token": mine, "item": item, "choice": "left", "seconds": "1"},
        {"token": mine, "item": item, "choice": "left", "seconds": float("inf")},
    ]
    for body in bad:
        if isinstance(body, bytes):
            response = client.post("/api/vote", data=body, content_type="application/json")
        else:
            response = client.post("/api/vote", json=body)
        assert response.status_code == 400, body
    big = {"token": mine, "item": item, "choice": "left", "pad": "x" * 10_000}
    assert client.post("/api/vote", json=big).status_code == 413
    assert vote_count(pairs_study) == 0


def test_rating_design_takes_scores_only(tiny_run: Path, tmp_path: Path) -> None:
    study = make_study(tiny_run, tmp_path / "rating", design="rating", raters=1, per_rater=8)
    client = create_app(study).test_client()
    token = tokens(study)[0]
    item = client.get(f"/api/next?token={token}").get_json()
    assert set(item) == {"item", "image", "input", "answered", "total"}
    assert client.get(item["image"]).status_code == 200
    assert client.get(f"/img/{item['item']}/left?token={token}").status_code == 404
    for bad in ({"choice": "left"}, {"score": 0}, {"score": 6}, {"score": 2.5}, {}):
        assert (
            client.post("/api/vote", json={"token": token, "item": item["item"], **bad}).status_code
            == 400
        )
    assert (
        client.post(
            "/api/vote", json={"token": token, "item": item["item"], "score": 4}
        ).status_code
        == 200
    )
    assert StudyStore(study).votes_frame()["score"].tolist() == [4]


def test_the_store_refuses_a_second_vote_on_an_item(pairs_study: Path) -> None:
    with sqlite3.connect(pairs_study / "study.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        item, rater = conn.execute("SELECT item_id, rater_id FROM items LIMIT 1").fetchone()
        insert = (
            "INSERT INTO votes (item_id, rater_id, choice, voted_at) VALUES (?, ?, 'left', 'now')"
        )
        conn.execute(insert, (item, rater))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(insert, (item, rater))


def test_a_study_folder_given_relative_to_the_working_directory(
    pairs_study: Path, monkeypatch
) -> None:
    monkeypatch.chdir(pairs_study.parent)
    client = create_app(pairs_study.name).test_client()
    item = client.get(f"/api/next?token={tokens(pairs_study)[0]}").get_json()
    assert client.get(item["left"]).status_code == 200


class _NoServer:
    def run(self) -> None:  # serve() returns at once
        return None


def test_serve_prints_one_url_per_rater_and_warns_off_localhost(
    pairs_study: Path, monkeypatch, capsys
) -> None:
    import waitress

    from benchmark.study.server import serve

    monkeypatch.setattr(waitress, "create_server", lambda app, **kw: _NoServer())
    serve(pairs_study, "127.0.0.1", 8765)
    out = capsys.readouterr()
    assert out.err == "" and out.out.count("http://127.0.0.1:8765/r/") == 2
    assert all(f"/r/{t}" in out.out for t in tokens(pairs_study))
    serve(pairs_study, "0.0.0.0", 8765)
    assert "the tokens are the only protection" in capsys.readouterr().err
