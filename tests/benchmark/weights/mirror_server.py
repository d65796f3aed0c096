"""A local HTTP server on 127.0.0.1 serving a folder, with Range support and fault modes.

state keys: `cut` > 0 closes after that many bytes; `ranges_ok` False ignores Range;
`stall` sends the headers then sleeps that many seconds; `endless` streams zeros without a
Content-Length until the client goes away; `trickle` sleeps that many seconds between 64 KiB
chunks. `ranges` records each request's Range header.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class MirrorHandler(BaseHTTPRequestHandler):
    """GET files under `root`, with the fault modes of the module docstring."""

    def __init__(self, *args, root: Path, state: dict, **kwargs) -> None:
        self.root, self.state = root, state
        super().__init__(*args, **kwargs)

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.state.setdefault("ranges", []).append(self.headers.get("Range"))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._serve()  # the client may stop reading: what the limits under test do

    def _serve(self) -> None:
        if self.state.get("endless"):
            self.send_response(200)
            self.end_headers()
            while True:
                self.wfile.write(bytes(1 << 16))
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
        self.wfile.flush()
        if self.state.get("stall"):
            time.sleep(self.state["stall"])
            return
        cut = self.state.get("cut", 0)
        body = body[:cut] if cut else body
        step = 1 << 16
        for at in range(0, len(body), step):
            self.wfile.write(body[at : at + step])
            if self.state.get("trickle"):
                self.wfile.flush()
                time.sleep(self.state["trickle"])
        self.wfile.flush()
        if cut:
            self.close_connection = True


@contextmanager
def serve(root: Path, state: dict) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 in a thread; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(MirrorHandler, root=root, state=state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
