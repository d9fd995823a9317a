from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audioarchive.inspect.server import ServeConfig, parse_range, serve_in_thread
from tests.helpers import Ws


@pytest.fixture
def server(built: Ws) -> Iterator[tuple[str, int, Path]]:
    config = ServeConfig(root=built.root / "feed", base_url="http://localhost:8000")
    httpd, thread = serve_in_thread(config)
    host, port = httpd.server_address[:2]
    yield str(host), int(port), built.root / "feed"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def getheader(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def read(self) -> bytes:
        return self.body


def _request(
    host: str, port: int, method: str, path: str, headers: dict[str, str] | None = None
) -> Answer:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        conn.close()


def test_every_enclosure_answers_head_and_ranges(server: tuple[str, int, Path]) -> None:
    host, port, root = server
    for mp3 in sorted(root.glob("episodes/*/*.mp3")):
        path = "/" + mp3.relative_to(root).as_posix()
        size = mp3.stat().st_size
        head = _request(host, port, "HEAD", path)
        assert head.status == 200
        assert head.getheader("Content-Length") == str(size)
        assert head.getheader("Content-Type") == "audio/mpeg"
        assert head.getheader("Accept-Ranges") == "bytes"
        assert head.read() == b""
        ranged = _request(host, port, "GET", path, {"Range": "bytes=100-199"})
        assert ranged.status == 206
        assert ranged.getheader("Content-Range") == f"bytes 100-199/{size}"
        assert ranged.getheader("Content-Length") == "100"
        assert ranged.read() == mp3.read_bytes()[100:200]
        tail = _request(host, port, "GET", path, {"Range": "bytes=-10"})
        assert tail.status == 206
        assert tail.read() == mp3.read_bytes()[-10:]
        beyond = _request(host, port, "GET", path, {"Range": f"bytes={size}-"})
        assert beyond.status == 416
        assert beyond.getheader("Content-Range") == f"bytes */{size}"


def test_paths_outside_the_tree_are_not_served(server: tuple[str, int, Path]) -> None:
    host, port, _ = server
    for path in (
        "/../audioarchive.toml",
        "/%2e%2e/audioarchive.toml",
        "/episodes/../../metadata/podcast.yaml",
    ):
        assert _request(host, port, "GET", path).status == 404


def test_feed_gets_the_address_the_client_used(server: tuple[str, int, Path]) -> None:
    host, port, _ = server
    body = _request(host, port, "GET", "/feed.xml", {"Host": f"192.168.1.20:{port}"}).read()
    assert f"http://192.168.1.20:{port}/episodes/".encode() in body
    assert b"http://localhost:8000/" not in body
    index = _request(host, port, "GET", "/")
    assert index.status == 200
    assert index.getheader("Content-Type") == "text/html; charset=utf-8"


@given(
    size=st.integers(min_value=1, max_value=10_000),
    first=st.integers(0, 20_000),
    length=st.integers(1, 20_000),
)
def test_parse_range_stays_within_the_file(size: int, first: int, length: int) -> None:
    wanted = parse_range(f"bytes={first}-{first + length - 1}", size)
    if first >= size:
        assert wanted is None
    else:
        assert wanted is not None
        assert 0 <= wanted[0] <= wanted[1] < size


def test_hidden_and_temporary_files_are_never_served(server: tuple[str, int, Path]) -> None:
    host, port, root = server
    (root / "episodes" / ".tmp-partial.mp3").write_bytes(b"partial")
    assert _request(host, port, "GET", "/episodes/.tmp-partial.mp3").status == 404
