"""Access-log formats: recognise a file's format, and parse its lines into requests.

Three formats are read, each from its published definition:

- ``s3``: the S3 server access log (AWS, and the providers that copy it);
- ``w3c``: the W3C extended format with a ``#Fields:`` header (CloudFront standard
  logs, tab-separated; other CDNs, space-separated);
- ``combined``: the combined log format of nginx and Apache, which is also what
  ``audioarchive serve --access-log`` writes.

Parsing is pure: a line in, a :class:`Request` or ``None`` (malformed) out. Logs may
be gzipped (recognised by their content, not their name).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Literal
from urllib.parse import unquote

LogFormat = Literal["s3", "w3c", "combined", "empty"]
FORMAT_NAMES: dict[str, str] = {
    "s3": "S3 server access log",
    "w3c": "W3C extended log (CloudFront standard log)",
    "combined": "combined log (nginx, Apache, audioarchive serve)",
}
_SNIFF_LINES = 20
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    )
}
_EPOCH_DAY = 86_400


@dataclass(slots=True)  # not frozen: built once per line, and frozen ones are slower to build
class Request:
    """One request as the counting needs it: nothing else of the line is kept."""

    time: int  # seconds since the epoch, UTC
    ip: str
    method: str
    path: str  # URL path, decoded, without the query
    status: int
    sent: int  # bytes sent in the response body
    range_start: int | None  # first byte sent, when the log has it
    user_agent: str
    country: str = ""

    @property
    def day(self) -> int:
        return self.time // _EPOCH_DAY


_QUOTED = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
_COMBINED = re.compile(
    r"^(\S+) \S+ \S+ \[([^\]]+)\] " + _QUOTED + r" (\d{3}) (\d+|-)"
    r"(?: " + _QUOTED + " " + _QUOTED + r")?"
)
_S3 = re.compile(
    r"^\S+ \S+ \[([^\]]+)\] (\S+) \S+ \S+ (\S+) (\S+) " + _QUOTED + r" (\d{3}|-) \S+ (\d+|-) "
    r"(\d+|-) \S+ \S+ " + _QUOTED + " " + _QUOTED
)
_CLF_TIME = re.compile(r"^(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$")


def parse_clf_time(text: str) -> int:
    """``10/Oct/2000:13:55:36 -0700`` → seconds since the epoch; ``ValueError`` if not."""
    if len(text) != 26 or text[11] != ":" or text[20] != " ":
        raise ValueError(text)
    day = text[:11] + text[20:]  # "10/Oct/2000 -0700": the same for a whole day of lines
    base = _day_starts.get(day)
    if base is None:
        base = _day_start(text)
        if len(_day_starts) > 10_000:
            _day_starts.clear()
        _day_starts[day] = base
    hour, minute, second = text[12:14], text[15:17], text[18:20]
    if not (hour + minute + second).isdigit():
        raise ValueError(text)
    return base + int(hour) * 3600 + int(minute) * 60 + int(second)


def _day_start(text: str) -> int:
    """Seconds since the epoch at local midnight of the line's day, in UTC terms."""
    match = _CLF_TIME.match(text)
    if match is None:
        raise ValueError(text)
    day, month, year, _h, _m, _s, sign, tz_h, tz_m = match.groups()
    midnight = int(datetime(int(year), _MONTHS[month], int(day), tzinfo=UTC).timestamp())
    offset = (int(tz_h) * 60 + int(tz_m)) * 60
    return midnight - offset if sign == "+" else midnight + offset


_day_starts: dict[str, int] = {}


def _path_of(target: str) -> str:
    path = target.partition("?")[0].partition("#")[0]
    return unquote(path) if "%" in path else path


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\\\", "\\") if "\\" in text else text


def parse_combined(line: str) -> Request | None:
    match = _COMBINED.match(line)
    if match is None:
        return None
    ip, when, request, status, sent, _referrer, agent = match.groups()
    parts = request.split(" ")
    if len(parts) < 2:
        return None
    try:
        time = parse_clf_time(when)
    except (ValueError, KeyError):
        return None
    return Request(
        time=time,
        ip=ip,
        method=parts[0],
        path=_path_of(parts[1]),
        status=int(status),
        sent=0 if sent == "-" else int(sent),
        range_start=None,
        user_agent=_unescape(agent or ""),
    )


def parse_s3(line: str) -> Request | None:
    match = _S3.match(line)
    if match is None:
        return None
    when, ip, operation, key, request, status, sent, _size, _referrer, agent = match.groups()
    if status == "-":
        return None
    try:
        time = parse_clf_time(when)
    except (ValueError, KeyError):
        return None
    method = request.split(" ", 1)[0] if request and request != "-" else ""
    if not method:  # REST.GET.OBJECT → GET
        pieces = operation.split(".")
        method = pieces[1] if len(pieces) > 1 else ""
    return Request(
        time=time,
        ip=ip,
        method=method,
        path="/" + unquote(key) if key != "-" else "",
        status=int(status),
        sent=0 if sent == "-" else int(sent),
        range_start=None,
        user_agent="" if agent == "-" else _unescape(agent),
    )


W3C_REQUIRED = (
    "date",
    "time",
    "c-ip",
    "cs-method",
    "cs-uri-stem",
    "sc-status",
    "sc-bytes",
    "cs(user-agent)",
)


def w3c_missing_fields(path: Path) -> list[str]:
    """The fields counting needs that the first ``#Fields:`` header of a W3C log lacks."""
    with open_log(path) as handle:
        for _, line in islice(numbered_lines(handle), _SNIFF_LINES):
            if line.startswith("#Fields:"):
                names = {name.lower() for name in line[len("#Fields:") :].split()}
                return [f for f in W3C_REQUIRED if f not in names]
    return list(W3C_REQUIRED)


class W3CParser:
    """Lines of a W3C extended log, after its ``#Fields:`` header (which may change)."""

    def __init__(self) -> None:
        self.columns: dict[str, int] = {}

    def header(self, line: str) -> None:
        if line.startswith("#Fields:"):
            names = line[len("#Fields:") :].split()
            self.columns = {name.lower(): i for i, name in enumerate(names)}

    def parse(self, line: str) -> Request | None:
        if line.startswith("#"):
            self.header(line)
            return _HEADER
        cols = self.columns
        if not cols:
            return None
        values = line.split("\t") if "\t" in line else line.split(" ")
        if len(values) != len(cols):
            return None
        try:
            return self._request(values)
        except (ValueError, KeyError, IndexError):
            return None

    def _request(self, values: list[str]) -> Request:
        cols = self.columns
        moment = datetime.fromisoformat(f"{values[cols['date']]}T{values[cols['time']]}")
        agent = values[cols["cs(user-agent)"]]
        for _ in range(2):  # CloudFront encodes the agent, sometimes twice
            if "%" not in agent:
                break
            agent = unquote(agent)
        start = _optional(values, cols.get("sc-range-start"))
        end = _optional(values, cols.get("sc-range-end"))
        sent = int(values[cols["sc-bytes"]])
        if start is not None and end is not None:
            sent = min(sent, end - start + 1)  # sc-bytes counts the headers too
        country = _optional_text(values, cols.get("c-country"))
        return Request(
            time=int(moment.replace(tzinfo=UTC).timestamp()),
            ip=values[cols["c-ip"]],
            method=values[cols["cs-method"]],
            path=_path_of(values[cols["cs-uri-stem"]]),
            status=int(values[cols["sc-status"]]),
            sent=sent,
            range_start=start,
            user_agent="" if agent == "-" else agent,
            country=country.upper(),
        )


def _optional(values: list[str], index: int | None) -> int | None:
    if index is None or values[index] in ("-", ""):
        return None
    return int(values[index])


def _optional_text(values: list[str], index: int | None) -> str:
    if index is None or values[index] in ("-", ""):
        return ""
    return values[index]


# a sentinel: a header line, neither a request nor malformed
_HEADER = Request(0, "", "", "", 0, 0, None, "")


def is_header(request: Request | None) -> bool:
    return request is _HEADER


def open_log(path: Path) -> IO[str]:
    """A text reader over a plain or gzipped log (by its magic bytes), undecodable bytes kept."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="")
    return path.open(encoding="utf-8", errors="replace", newline="")


def numbered_lines(handle: IO[str]) -> Iterator[tuple[int, str]]:
    """``(line number, line without its end)``, blank lines left out."""
    for number, line in enumerate(handle, start=1):
        text = line.rstrip("\r\n")
        if text:
            yield number, text


def sniff_format(lines: list[str]) -> LogFormat | None:
    """The format most of the first lines parse as, or ``None``."""
    if not lines:
        return "empty"  # nothing to read: not an error (nginx rotates empty files)
    if any(line.startswith(("#Version:", "#Fields:")) for line in lines[:3]):
        return "w3c"
    best: LogFormat | None = None
    best_count = 0
    for name, parse in (("s3", parse_s3), ("combined", parse_combined)):
        count = sum(1 for line in lines if parse(line) is not None)
        if count > best_count:
            best, best_count = name, count  # type: ignore[assignment]
    return best if best_count * 2 >= len(lines) else None


def detect_format(path: Path) -> LogFormat | None:
    first: list[str] = []
    with open_log(path) as handle:
        try:
            first.extend(text for _, text in islice(numbered_lines(handle), _SNIFF_LINES))
        except (EOFError, OSError, zlib.error):
            if not first:
                return None  # damaged from the start: nothing tells what it is
    return sniff_format(first)


def line_parser(fmt: LogFormat) -> Callable[[str], Request | None]:
    if fmt == "s3":
        return parse_s3
    if fmt == "combined":
        return parse_combined
    return W3CParser().parse
