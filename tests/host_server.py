"""A podcast host on 127.0.0.1 for the import tests: files, redirects, 404s, byte ranges.

Routes map a path to bytes (served with ``Content-Length`` and ``Accept-Ranges``,
answering ``Range`` requests with 206), to a redirect target, or are absent (404).
Every request is recorded, so that a test can see a resumed download's range.
Stopped by the test that started it (the context manager).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Host:
    base: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)  # path -> absolute path (301)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Range header)
    cut_after: dict[str, int] = field(default_factory=dict)  # path -> bytes sent, then close

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _handler(host: Host) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path
            host.requests.append((path, self.headers.get("Range", "")))
            if path in host.redirects:
                self.send_response(301)
                self.send_header("Location", host.url(host.redirects[path]))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = host.files.get(path)
            if data is None:
                self.send_error(404, "Not Found")
                return
            start = 0
            match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
            if match and int(match.group(1)) < len(data):
                start = int(match.group(1))
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            cut = host.cut_after.pop(path, None)
            self.wfile.write(body if cut is None else body[:cut])
            if cut is not None:
                self.close_connection = True

    return Handler


@contextlib.contextmanager
def serve_host() -> Iterator[Host]:
    host = Host()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(host))
    host.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
