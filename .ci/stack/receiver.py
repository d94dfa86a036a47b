"""A webhook receiver for .ci/docker: records every POST, shows them at GET /received.

Runs inside the Mumble image on the compose network (`python receiver.py PORT`), so the stack's
worker posts to it over the stack's own network; the CI script reads it through 127.0.0.1.
It verifies nothing itself: the CI script checks the signatures with the endpoint's secret.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_received: list[dict[str, object]] = []
_lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        record = {
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": base64.b64encode(body).decode(),
        }
        with _lock:
            _received.append(record)
        self._answer(200, b'{"ok": true}')

    def do_GET(self) -> None:
        if self.path == "/received":
            with _lock:
                self._answer(200, json.dumps(_received).encode())
        elif self.path == "/health":
            self._answer(200, b'{"ok": true}')
        else:
            self._answer(404, b'{"error": "not found"}')

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # the stdlib names it `format`
        sys.stderr.write(f"receiver: {self.command} {self.path}\n")


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), _Handler).serve_forever()
