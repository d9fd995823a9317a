"""What listeners' apps will see: a ranged GET on an object's public URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

_CONTENT_RANGE = re.compile(r"^bytes\s+(\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True)
class RangeAnswer:
    status: int
    content_range: str
    content_type: str
    length: int


def public_url(base: str, relpath: str) -> str:
    return f"{base.rstrip('/')}/{quote(relpath)}"


def fetch_range(url: str, *, timeout: float, last: int = 1) -> RangeAnswer:
    """GET the first bytes of ``url`` with ``Range: bytes=0-last``; raise ``OSError`` if down."""
    # imported here: a build, or a publish with nothing to send, never loads the HTTP client
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    request = urllib.request.Request(  # noqa: S310 (the URL is ours: http(s) checked in config)
        url,
        headers={"Range": f"bytes=0-{last}", "User-Agent": "audioarchive (publish check)"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            body = answer.read(last + 2)
            return RangeAnswer(
                status=int(answer.status),
                content_range=answer.headers.get("Content-Range", ""),
                content_type=answer.headers.get("Content-Type", ""),
                length=len(body),
            )
    except urllib.error.HTTPError as err:
        err.close()
        return RangeAnswer(status=err.code, content_range="", content_type="", length=0)


def range_problem(
    answer: RangeAnswer, *, size: int, content_type: str, require_206: bool
) -> str | None:
    """What is wrong with the answer for an object of ``size`` bytes, or ``None``."""
    if answer.status == 200 and not require_206:
        return None
    if answer.status != 206:
        if answer.status in (401, 403):
            return f"answered {answer.status}: it is not publicly readable"
        if answer.status == 404:
            return "answered 404: not found at that address"
        if answer.status == 200:
            return "answered 200 to a byte-range request: podcast apps need 206 Partial Content"
        return f"answered {answer.status}"
    match = _CONTENT_RANGE.match(answer.content_range.strip())
    if match is None or match.group(3) != str(size):
        return (
            f'answered 206 with Content-Range "{answer.content_range}", expected "bytes 0-1/{size}"'
        )
    if _main_type(answer.content_type) != _main_type(content_type):
        return f'is served as "{answer.content_type}", expected "{content_type}"'
    return None


def _main_type(value: str) -> str:
    return value.partition(";")[0].strip().lower()
