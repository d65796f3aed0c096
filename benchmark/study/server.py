"""`study serve`: the rater pages and their JSON API, a Flask app served by waitress.

Why these: the store is SQLite, whose calls block, so a synchronous WSGI framework fits better
than an async one; Flask is small, maintained (Pallets) and its test client makes the API easy to
test without sockets. waitress is a maintained, production-grade pure-Python WSGI server with a
thread pool, no C extensions and no fork, so it behaves the same on Linux, macOS and Windows.

Security: every page, API call and image needs the rater's token (unknown -> 403); an item is
looked up only among that rater's own items (others -> 404); images are found by item id and side
in the store, never by a path from the request, so nothing else on disk can be read; the page and
URLs carry no method name. Responses are not cached and send no Referer (the token is in the URL).
"""

from __future__ import annotations

import logging
import math
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, jsonify, request, send_file

from .page import rater_page
from .store import CHOICES, StudyStore

SIDES = ("left", "right", "input", "image")
logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is N": not news
MAX_SECONDS = 24 * 3600.0  # a longer time on one item is not a time on the item


def create_app(folder: str | Path) -> Flask:
    """The study's web app (the store must exist; StudyError otherwise)."""
    store = StudyStore(folder)
    design = store.meta()["design"]
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 4096  # a vote is a few dozen bytes

    def rater_or_403(token: Any) -> int:
        rater = store.rater_id(token) if isinstance(token, str) and token else None
        if rater is None:
            abort(403, "unknown token")
        return rater

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'"
        )
        return response

    @app.get("/r/<token>")
    def page(token: str) -> Response:
        rater_or_403(token)
        return Response(rater_page(design), mimetype="text/html")

    @app.get("/api/next")
    def next_item() -> Response:
        token = request.args.get("token", "")
        rater = rater_or_403(token)
        row, done, total = store.next_item(rater)
        if row is None:
            return jsonify({"done": True, "answered": done, "total": total})
        item = int(row["item_id"])
        url = f"/img/{item}/{{}}?token={token}"
        body: dict[str, Any] = {"item": item, "answered": done, "total": total}
        if design == "pairs":
            body.update(left=url.format("left"), right=url.format("right"))
        else:
            body["image"] = url.format("image")
        body["input"] = url.format("input")
        return jsonify(body)

    @app.get("/img/<int:item_id>/<side>")
    def image(item_id: int, side: str) -> Response:
        rater = rater_or_403(request.args.get("token", ""))
        item = store.item(rater, item_id)
        if item is None or side not in SIDES or (side == "image") != (design == "rating"):
            abort(404)
        if side == "input":
            method = None
        else:
            method = item["right_method"] if side == "right" else item["left_method"]
        path = store.image_file(int(item["input_id"]), method)
        if path is None or not path.is_file():
            abort(404)
        return send_file(path, mimetype="image/png", max_age=0, etag=False, conditional=False)

    @app.post("/api/vote")
    def vote() -> tuple[Response, int]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify({"error": "the body must be a JSON object"}), 400
        rater = rater_or_403(body.get("token"))
        item_id = body.get("item")
        if not isinstance(item_id, int) or isinstance(item_id, bool):
            return jsonify({"error": "item must be an integer item id"}), 400
        item = store.item(rater, item_id)
        if item is None:
            return jsonify({"error": "no such item for this rater"}), 404
        answer = parse_answer(body, design)
        if isinstance(answer, str):
            return jsonify({"error": answer}), 400
        choice, score, seconds = answer
        stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        if store.add_vote(dict(item), choice, score, seconds, stamp):
            return jsonify({"ok": True, "stored": True}), 200
        if store.stored_answer(item_id) == (choice, score):  # a retried request: already stored
            return jsonify({"ok": True, "stored": False}), 200
        return jsonify({"error": "this item was already answered differently"}), 409

    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    def _error(exc: Any) -> tuple[Response, int]:
        return jsonify({"error": getattr(exc, "description", "refused")}), exc.code

    return app


def parse_answer(
    body: dict[str, Any], design: str
) -> tuple[str | None, int | None, float | None] | str:
    """(choice, score, seconds) from a vote body, or the one-line reason it is malformed."""
    choice, score, seconds = body.get("choice"), body.get("score"), body.get("seconds")
    if design == "pairs":
        if choice not in CHOICES or score is not None:
            return f"choice must be one of {', '.join(CHOICES)} (and no score)"
    elif (
        not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5
    ) or choice is not None:
        return "score must be an integer from 1 to 5 (and no choice)"
    if seconds is not None:
        ok = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
        if not ok or not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
            return f"seconds must be a number from 0 to {MAX_SECONDS:.0f}"
        seconds = float(seconds)
    return choice, score, seconds


def rater_urls(folder: str | Path, host: str, port: int) -> list[tuple[str, str]]:
    """(rater, URL) for every rater of the study."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    with StudyStore(folder).open() as conn:
        rows = conn.execute("SELECT name, token FROM raters ORDER BY name").fetchall()
    return [(r["name"], f"http://{shown}:{port}/r/{r['token']}") for r in rows]


def serve(folder: str | Path, host: str = "127.0.0.1", port: int = 8765, threads: int = 8) -> None:
    """Serve the study until interrupted, after printing one private URL per rater."""
    from waitress import create_server

    app = create_app(folder)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: serving on {host}: anyone on this network who has a rater's URL can vote "
            "as that rater; the tokens are the only protection (no TLS, no login)",
            file=sys.stderr,
        )
    server = create_server(app, host=host, port=port, threads=threads, ident="")
    print(f"serving study {folder} on http://{host}:{port} (Ctrl-C stops; votes are kept)")
    for name, url in rater_urls(folder, host, port):
        print(f"  {name}: {url}")
    sys.stdout.flush()
    server.run()
