"""``serve``: the published tree over HTTP, with HEAD and byte ranges, for apps on the LAN.

Podcast apps seek with range requests and check enclosures with HEAD, so both
are answered exactly (206 with ``Content-Range``; 416 when unsatisfiable).
When the feed was built for another address (``site.base_url``), text files
(feed, pages, JSON) are served with that address replaced by the one the client
used, so a phone on the same network can subscribe to a local build.
"""

from __future__ import annotations

import io
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from audioarchive.common.mediatypes import cache_control, media_type

log = logging.getLogger(__name__)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_REWRITE = frozenset({".xml", ".html", ".json", ".csv", ".vtt", ".srt"})
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


@dataclass(frozen=True)
class ServeConfig:
    root: Path
    base_url: str  # the address the files were built for
    rewrite: bool = True
    access_log: Path | None = None  # append one combined-format line per request


class AccessLog:
    """The combined log format of nginx and Apache, one line per request, appended."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = path.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def write(self, client: str, request: str, status: int, sent: int, headers: Message) -> None:
        when = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
        referer = _quote(headers.get("Referer", "-"))
        agent = _quote(headers.get("User-Agent", "-"))
        line = f'{client} - - [{when}] "{_quote(request)}" {status} {sent} "{referer}" "{agent}"\n'
        with self._lock:
            self._handle.write(line)

    def close(self) -> None:
        self._handle.close()


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(first, last)`` inclusive for a single ``bytes=`` range; ``None`` if unsatisfiable.

    Raises ``ValueError`` for a header that is not a single byte range (then the
    whole file is sent, as RFC 9110 allows).
    """
    match = _RANGE.match(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        raise ValueError(header)
    first_text, last_text = match.groups()
    if not first_text:  # suffix range: the last N bytes
        length = int(last_text)
        if length == 0 or size == 0:
            return None
        return max(0, size - length), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if first >= size or last < first:
        return None
    return first, min(last, size - 1)


def make_handler(
    config: ServeConfig, access: AccessLog | None = None
) -> type[BaseHTTPRequestHandler]:
    """The request handler class of a server for ``config`` (logging to ``access``)."""

    class Handler(_Handler):
        _config = config
        _root = config.root.resolve()
        _access = access

    return Handler


class _Handler(BaseHTTPRequestHandler):
    """GET and HEAD over the published tree; :func:`make_handler` sets the three below."""

    _config: ServeConfig
    _root: Path
    _access: AccessLog | None
    server_version = "audioarchive"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    _status = 0
    _sent = 0

    def do_GET(self) -> None:
        self._status, self._sent = 0, 0
        self._serve(send_body=True)
        self._log_access()

    def do_HEAD(self) -> None:
        self._status, self._sent = 0, 0
        self._serve(send_body=False)
        self._log_access()

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        super().log_request(code, size)
        self._status = int(code) if str(code).isdigit() else 0

    def send_header(self, keyword: str, value: str) -> None:
        if keyword == "Content-Length" and self.command != "HEAD":
            self._sent = int(value)  # what an answer without a streamed file sends
        super().send_header(keyword, value)

    def _log_access(self) -> None:
        if self._access is not None:
            client = self.client_address[0]
            self._access.write(client, self.requestline, self._status, self._sent, self.headers)

    def _empty_answer(self, status: HTTPStatus, header: str, value: str) -> None:
        self.send_response(status)
        self.send_header(header, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _resolve(self) -> Path | None:
        """The file asked for; ``None`` when there is none; ``Path()`` when redirected."""
        path = unquote(urlsplit(self.path).path)
        if "\x00" in path or any(part.startswith(".") for part in path.split("/")):
            return None  # no hidden files: a killed build's temporaries are never served
        root = self._root
        target = (root / path.lstrip("/")).resolve()
        if target != root and root not in target.parents:
            return None
        if target.is_dir():
            if not path.endswith("/"):
                self._empty_answer(HTTPStatus.MOVED_PERMANENTLY, "Location", path + "/")
                return Path()
            target = target / "index.html"
        return target if target.is_file() else None

    def _body(self, target: Path) -> bytes | None:
        """The bytes to send for text files whose base URL must be rewritten."""
        if not self._config.rewrite or target.suffix not in _REWRITE:
            return None
        host = self.headers.get("Host", "")
        if not _HOST.match(host):
            return None
        origin = f"http://{host}"
        base = self._config.base_url.rstrip("/")
        data = target.read_bytes()
        if origin == base:
            return data
        return data.replace(base.encode(), origin.encode())

    def _wanted(self, size: int) -> tuple[HTTPStatus, int, int] | None:
        """The status and the bytes to send (first, last); ``None`` once a 416 is sent."""
        header = self.headers.get("Range")
        if not header:
            return HTTPStatus.OK, 0, size - 1
        try:
            wanted = parse_range(header, size)
        except ValueError:  # not a single byte range: send the whole file
            return HTTPStatus.OK, 0, size - 1
        if wanted is None:
            self._empty_answer(
                HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "Content-Range", f"bytes */{size}"
            )
            return None
        return HTTPStatus.PARTIAL_CONTENT, wanted[0], wanted[1]

    def _serve(self, *, send_body: bool) -> None:
        target = self._resolve()
        if target == Path():
            return
        if target is None:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return
        body = self._body(target)
        size = len(body) if body is not None else target.stat().st_size
        wanted = self._wanted(size)
        if wanted is None:
            return
        status, first, last = wanted
        self.send_response(status)
        self.send_header("Content-Type", media_type(target.name))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", cache_control(target.name))
        self.send_header("Content-Length", str(max(0, last - first + 1)))
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not send_body or size == 0:
            return
        if body is not None:
            self.wfile.write(body[first : last + 1])
            return
        with target.open("rb") as handle:
            self._sent = _copy_range(handle, self.wfile, first, last - first + 1)


def _copy_range(src: BinaryIO, dest: io.BufferedIOBase, offset: int, length: int) -> int:
    """Copy ``length`` bytes from ``offset``; return how many the client took."""
    src.seek(offset)
    remaining = length
    while remaining > 0:
        block = src.read(min(1 << 16, remaining))
        if not block:
            break
        try:
            dest.write(block)
        except (BrokenPipeError, ConnectionResetError):
            break
        remaining -= len(block)
    return length - remaining


def make_server(
    config: ServeConfig, host: str = "127.0.0.1", port: int = 8000
) -> ThreadingHTTPServer:
    """A ready server (call ``serve_forever``); ``port=0`` picks a free one."""
    access = AccessLog(config.access_log) if config.access_log is not None else None
    server = ThreadingHTTPServer((host, port), make_handler(config, access))
    server.daemon_threads = True
    if access is not None:
        closing = server.server_close

        def server_close() -> None:
            closing()
            access.close()

        server.server_close = server_close  # type: ignore[method-assign]
    return server


def serve_in_thread(
    config: ServeConfig, host: str = "127.0.0.1", port: int = 0
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start a server in a background thread (for tests and the screenshot script)."""
    server = make_server(config, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def lan_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses, to tell phones where to subscribe."""
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for UDP connect
            found.append(probe.getsockname()[0])
    except OSError:
        pass
    return [a for a in found if not a.startswith("127.")] or []
