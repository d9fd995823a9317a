"""Helpers of the storage tests: reading back what the server holds and serves."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import Result

from tests.storage.seaweed import PUBLIC_BUCKET, S3Server


@dataclass(frozen=True)
class Enclosure:
    url: str
    length: int
    type: str


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (a test server)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return int(answer.status), answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as err:
        with err:
            return err.code, b"", {}


def enclosures(feed: bytes) -> list[Enclosure]:
    root = ET.fromstring(feed)  # noqa: S314 (our own feed)
    return [
        Enclosure(e.attrib["url"], int(e.attrib["length"]), e.attrib["type"])
        for e in root.iter("enclosure")
    ]


def remote_feed(server: S3Server, prefix: str) -> bytes | None:
    status, body, _ = http_get(f"{server.public_url(prefix)}/feed.xml")
    return body if status == 200 else None


def feed_problems(server: S3Server, prefix: str) -> list[str]:
    """What is wrong with the feed being served: enclosures missing or of another length."""
    feed = remote_feed(server, prefix)
    if feed is None:
        return []  # no feed yet: nothing points anywhere
    problems = []
    for enclosure in enclosures(feed):
        status, _body, headers = http_get(enclosure.url, {"Range": "bytes=0-1"})
        total = headers.get("Content-Range", "").rpartition("/")[2]
        if status != 206 or total != str(enclosure.length):
            problems.append(f"{enclosure.url}: {status} {headers.get('Content-Range')}")
    return problems


def keys(server: S3Server, prefix: str, bucket: str = PUBLIC_BUCKET) -> dict[str, int]:
    client = server.client()
    try:
        answer = client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/")
        return {o["Key"]: o["Size"] for o in answer.get("Contents", [])}
    finally:
        client.close()


def head(server: S3Server, key: str, bucket: str = PUBLIC_BUCKET) -> dict[str, Any]:
    client = server.client()
    try:
        return dict(client.head_object(Bucket=bucket, Key=key))
    finally:
        client.close()


def stdout_json(result: Result) -> dict[str, Any]:
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def local_tree(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}
