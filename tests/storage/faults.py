"""An HTTP relay on 127.0.0.1 in front of the S3 server that answers some requests with 503.

It forwards every request as it came (the Host header included, so signatures stay
valid) and answers the first ``fail`` requests whose method is in ``methods`` with
S3's "SlowDown" error instead, as a busy provider does. Stopped with its context.
"""

from __future__ import annotations

import contextlib
import http.client
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)


@dataclass
class FaultPlan:
    upstream: tuple[str, int]
    fail: int  # how many requests get a 503
    methods: tuple[str, ...] = ("PUT",)
    injected: int = 0
    forwarded: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def should_fail(self, method: str) -> bool:
        with self.lock:
            if method in self.methods and self.injected < self.fail:
                self.injected += 1
                return True
            self.forwarded += 1
            return False


def _handler(plan: FaultPlan) -> type[BaseHTTPRequestHandler]:
    class Relay(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if plan.should_fail(self.command):
                self.send_response(503, "Slow Down")
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(SLOW_DOWN)))
                self.end_headers()
                self.wfile.write(SLOW_DOWN)
                return
            conn = http.client.HTTPConnection(*plan.upstream, timeout=30)
            try:
                headers = dict(self.headers.items())
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status, answer.reason)
                skip = {"transfer-encoding", "connection"}
                if self.command != "HEAD":  # a HEAD answer keeps the object's length
                    skip.add("content-length")
                    self.send_header("Content-Length", str(len(data)))
                for key, value in answer.getheaders():
                    if key.lower() not in skip:
                        self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            finally:
                conn.close()

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay  # noqa: N815

    return Relay


@contextlib.contextmanager
def failing_relay(plan: FaultPlan) -> Iterator[str]:
    """Yield the relay's URL (http://127.0.0.1:PORT)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(plan))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
