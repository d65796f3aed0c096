"""A local HTTP server on 127.0.0.1 serving a folder, with Range support and a truncating mode."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class MirrorHandler(BaseHTTPRequestHandler):
    """GET files under `root`; honours 'Range: bytes=N-'; `cut` > 0 closes after that many bytes."""

    def __init__(self, *args, root: Path, state: dict, **kwargs) -> None:
        self.root, self.state = root, state
        super().__init__(*args, **kwargs)

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.state.setdefault("ranges", []).append(self.headers.get("Range"))
        path = self.root / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404, "Not Found")
            return
        data = path.read_bytes()
        start = 0
        ranged = self.headers.get("Range", "")
        if ranged.startswith("bytes=") and self.state.get("ranges_ok", True):
            start = int(ranged[6:].rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = self.state.get("cut", 0)
        self.wfile.write(body[:cut] if cut else body)
        self.wfile.flush()
        if cut:
            self.close_connection = True


@contextmanager
def serve(root: Path, state: dict) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 in a thread; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(MirrorHandler, root=root, state=state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
