"""Counting downloads from access logs, by the IAB Podcast Measurement Guidelines v2.2.

A request counts toward a download when it is a ``GET`` answered 200 or 206 for an
episode file, by a client that is not a bot (by the user-agent list) nor in an excluded
network. Requests are grouped per UTC day, episode and *listener*: a keyed hash of the
IP address (IPv6 cut to its /64) and the full user agent, with a key that is random and
different for every day. The audio bytes a listener received that day are added up (the
union of the byte ranges when the log gives offsets; otherwise the bytes sent, less the
ID3 tag for whole-file answers); the day's download is counted once, when that total
reaches one minute of audio (the whole file for episodes shorter than a minute).

Re-reading is harmless: a log file counted before is recognised by its SHA-256, and every
counted line leaves a keyed hash for its day (of the line and of how many identical lines
came before it in the file), so the same line in another file (a rotated copy, a
concatenation) counts once. A day stays open for ``HOLD_DAYS`` after it
ends, so that its lines may come in several runs; then its hashes and key are deleted,
and lines of that day given later are reported as ``day closed`` and not counted.
"""

from __future__ import annotations

import hashlib
import ipaddress
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Literal

from audioarchive.errors import InputError
from audioarchive.stats.logformats import (
    FORMAT_NAMES,
    W3C_REQUIRED,
    LogFormat,
    Request,
    detect_format,
    is_header,
    line_parser,
    numbered_lines,
    open_log,
    w3c_missing_fields,
)
from audioarchive.stats.media import MediaFile, MediaIndex
from audioarchive.stats.store import HOLD_DAYS, ListenerRow, Store
from audioarchive.stats.useragents import AgentCache, AgentList

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Reason = Literal[
    "not GET",
    "not 200/206",
    "not an episode",
    "bot",
    "excluded network",
    "repeated line",
    "day closed",
]
FileStatus = Literal["counted", "already counted"]
MALFORMED_SHOWN = 5
_FLUSH_AT = 100_000  # listener states held in memory before they go to the database
_EPOCH = date(1970, 1, 1)


@dataclass
class FileResult:
    """What one log file gave. Line numbers only: never the content of a line."""

    name: str
    format: LogFormat
    status: FileStatus
    lines: int = 0
    malformed: int = 0
    malformed_lines: list[int] = field(default_factory=list)  # the first few
    downloads: int = 0
    damaged_at: int | None = None  # the line where reading stopped (truncated gzip, …)


@dataclass
class CountReport:
    files: list[FileResult]
    downloads: int  # new downloads counted by this run
    filtered: dict[str, int]  # requests left out, by reason
    closed_days: list[str]  # days whose listener hashes and key were deleted by this run


@dataclass
class CountOptions:
    agents: AgentList
    excluded: tuple[Network, ...] = ()
    now: datetime | None = None  # "today", for closing days (tests set it)


def day_text(day: int) -> str:
    return (_EPOCH + timedelta(days=day)).isoformat()


def count_logs(
    logs: Sequence[Path],
    media: MediaIndex,
    store: Store,
    options: CountOptions,
    progress: Callable[[str, float], None] | None = None,  # (file name, fraction done)
) -> CountReport:
    """Count the downloads in ``logs`` (files, or folders of them) into ``store``.

    Every file's format is checked before anything is counted.
    """
    files = expand_logs(logs)
    formats = _detect_all(files)
    counter = _Counter(media, store, options)
    results = []
    for index, (path, fmt) in enumerate(zip(files, formats, strict=True)):
        if progress is not None:
            progress(path.name, index / len(files))
        results.append(counter.count_file(path, fmt))
    return CountReport(
        files=results,
        downloads=sum(r.downloads for r in results),
        filtered=dict(counter.filtered),
        closed_days=close_old_days(store, options.now),
    )


def close_old_days(store: Store, now: datetime | None = None) -> list[str]:
    """Close the days that ended more than ``HOLD_DAYS`` ago: their hashes and keys go."""
    today = ((now or datetime.now(UTC)).date() - _EPOCH).days
    return [day_text(d) for d in store.close_days(today - HOLD_DAYS)]


def expand_logs(logs: Sequence[Path]) -> list[Path]:
    """Files as given; folders replaced by the files inside them (recursively, by name).

    S3 delivers its access log as thousands of small files: a folder saves the shell's
    argument limit. Hidden files are left out.
    """
    files: list[Path] = []
    for path in logs:
        if path.is_dir():
            found = (
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            files.extend(sorted(found))
        else:
            files.append(path)
    return files


def _detect_all(logs: Sequence[Path]) -> list[LogFormat]:
    formats: list[LogFormat] = []
    unknown: list[str] = []
    for path in logs:
        try:
            fmt = detect_format(path)
        except OSError as err:
            raise InputError(f"{path}: cannot read ({err.strerror or err})") from None
        if fmt is None:
            unknown.append(str(path))
            continue
        if fmt == "w3c" and (missing := w3c_missing_fields(path)):
            raise InputError(
                f"{path}: a W3C log without the fields {', '.join(missing)}; expected a "
                "#Fields: header with " + ", ".join(W3C_REQUIRED),
                hint="nothing was counted; CloudFront standard logs have them all",
            )
        formats.append(fmt)
    if unknown:
        expected = "; ".join(FORMAT_NAMES.values())
        raise InputError(
            f"{', '.join(unknown)}: unknown log format; expected one of: {expected}",
            hint="nothing was counted; see docs/how-to/statistics.md for the formats",
        )
    return formats


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def network_prefix(ip: str) -> bytes:
    """The part of an address that names a household: IPv4 whole, IPv6 its first 64 bits."""
    if ":" not in ip:
        return ip.encode("ascii", "replace")  # IPv4 (its text is the whole address)
    try:
        address = ipaddress.ip_address(ip.strip("[]"))
    except ValueError:
        return ip.encode("utf-8", "replace")
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        if mapped is not None:
            return str(mapped).encode("ascii")
        return address.packed[:8]
    return str(address).encode("ascii")


class _Listener:
    __slots__ = ("counted", "loose", "ranges")

    def __init__(self, loose: int, ranges: list[tuple[int, int]], counted: bool) -> None:
        self.loose = loose
        self.ranges = ranges
        self.counted = counted

    def add(self, request: Request, media: MediaFile) -> None:
        if request.range_start is None:
            whole = request.status == 200
            self.loose += max(0, request.sent - media.id3_size) if whole else request.sent
            return
        start = max(request.range_start, media.id3_size)
        end = min(request.range_start + request.sent, media.size)
        if end > start:
            self.ranges = _merge([*self.ranges, (start, end)])

    @property
    def audio(self) -> int:
        return self.loose + sum(end - start for start, end in self.ranges)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _ranges_text(ranges: list[tuple[int, int]]) -> str:
    return ",".join(f"{s}-{e}" for s, e in ranges)


def _ranges_of(text: str) -> list[tuple[int, int]]:
    out = []
    for piece in filter(None, text.split(",")):
        start, _, end = piece.partition("-")
        out.append((int(start), int(end)))
    return out


StateKey = tuple[int, str, bytes]


class _Counter:
    def __init__(self, media: MediaIndex, store: Store, options: CountOptions) -> None:
        self.media = media
        self.store = store
        self.agents = AgentCache(options.agents)
        self.excluded = options.excluded
        self.closed = store.closed_days()
        self.filtered: Counter[str] = Counter()
        self.states: dict[StateKey, _Listener] = {}
        self.downloads: Counter[tuple[str, str, str, str]] = Counter()
        self._excluded_cache: dict[str, bool] = {}
        self._prefixes: dict[str, bytes] = {}
        self.copies: dict[bytes, int] = {}  # identical lines in the current file
        self.stored_days = store.listener_days()  # days whose states may be in the database
        self.seen_days = store.seen_days()  # days whose line hashes may be in the database
        self.pending_seen: set[tuple[int, bytes]] = set()

    def count_file(self, path: Path, fmt: LogFormat) -> FileResult:
        digest = file_digest(path)
        if self.store.file_counted(digest):
            return FileResult(path.name, fmt, "already counted")
        result = FileResult(path.name, fmt, "counted")
        parse = line_parser(fmt)
        self.copies.clear()
        with self.store.transaction(), open_log(path) as handle:
            try:
                self._count_lines(handle, parse, result)
            except (EOFError, OSError, zlib.error):
                # a log cut short (still being written, or a damaged copy): what was read
                # counts; its complete version, given later, adds only the lines after
                result.damaged_at = result.lines + 1
            self._flush()
            result.downloads = sum(self.downloads.values())
            self.store.add_downloads(dict(self.downloads))
            self.downloads.clear()
            self.store.record_file(digest, path.name, result.lines)
        return result

    def _count_lines(
        self, handle: IO[str], parse: Callable[[str], Request | None], result: FileResult
    ) -> None:
        for number, line in numbered_lines(handle):
            result.lines = number
            request = parse(line)
            if request is None:
                result.malformed += 1
                if len(result.malformed_lines) < MALFORMED_SHOWN:
                    result.malformed_lines.append(number)
            elif not is_header(request):
                self._count(request, line)
            if len(self.states) >= _FLUSH_AT or len(self.pending_seen) >= 2 * _FLUSH_AT:
                self._flush()

    def _count(self, request: Request, line: str) -> None:
        reason = self._reason(request)
        if reason is not None:
            self.filtered[reason] += 1
            return
        media = self.media.match(request.path)
        if media is None:
            self.filtered["not an episode"] += 1
            return
        agent = self.agents.classify(request.user_agent)
        if agent.is_bot:
            self.filtered["bot"] += 1
            return
        if self.excluded and self._is_excluded(request.ip):
            self.filtered["excluded network"] += 1
            return
        day = request.day
        if day in self.closed:
            self.filtered["day closed"] += 1
            return
        key = self.store.day_key(day)
        line_hash = self._line_hash(line, key)
        if not self._first_time(day, line_hash):
            self.filtered["repeated line"] += 1
            return
        who = self._prefix(request.ip) + b"\0" + request.user_agent.encode("utf-8", "replace")
        listener = hashlib.blake2b(who, key=key, digest_size=16).digest()
        state = self._state((day, media.episode, listener))
        state.add(request, media)
        if not state.counted and state.audio >= max(1, media.minute_bytes):
            state.counted = True
            self.downloads[(media.episode, day_text(day), agent.name, request.country)] += 1

    def _line_hash(self, line: str, key: bytes) -> bytes:
        """A keyed hash of the line and of how many identical lines came before it.

        Combined logs have one-second times and no request id: an app asking for three
        equal ranges in the same second writes three identical lines, which are three
        requests. The k-th copy of a line in a file is told apart from the first, and a
        copy of the file (rotated, concatenated) gives the same hashes again.
        """
        digest = hashlib.blake2b(line.encode("utf-8"), key=key, digest_size=16).digest()
        copies = self.copies.get(digest, 0)
        if len(self.copies) >= _FLUSH_AT:
            self.copies.clear()  # identical lines are neighbours: the same second
        self.copies[digest] = copies + 1
        if copies == 0:
            return digest
        return hashlib.blake2b(digest + copies.to_bytes(4, "big"), key=key, digest_size=16).digest()

    def _prefix(self, ip: str) -> bytes:
        found = self._prefixes.get(ip)
        if found is None:
            if len(self._prefixes) >= _FLUSH_AT:
                self._prefixes.clear()
            found = self._prefixes[ip] = network_prefix(ip)
        return found

    def _first_time(self, day: int, line_hash: bytes) -> bool:
        key = (day, line_hash)
        if key in self.pending_seen:
            return False
        if day in self.seen_days and self.store.was_seen(day, line_hash):
            return False
        self.pending_seen.add(key)
        return True

    def _reason(self, request: Request) -> Reason | None:
        if request.method != "GET":
            return "not GET"
        if request.status not in (200, 206):
            return "not 200/206"
        return None

    def _is_excluded(self, ip: str) -> bool:
        found = self._excluded_cache.get(ip)
        if found is None:
            try:
                address = ipaddress.ip_address(ip.strip("[]"))
                found = any(address in network for network in self.excluded)
            except ValueError:
                found = False
            if len(self._excluded_cache) > 100_000:
                self._excluded_cache.clear()
            self._excluded_cache[ip] = found
        return found

    def _state(self, key: StateKey) -> _Listener:
        state = self.states.get(key)
        if state is None:
            row = self.store.listener(*key) if key[0] in self.stored_days else None
            if row is None:
                state = _Listener(0, [], counted=False)
            else:
                state = _Listener(row[3], _ranges_of(row[4]), counted=bool(row[5]))
            self.states[key] = state
        return state

    def _flush(self) -> None:
        rows: list[ListenerRow] = [
            (day, episode, listener, s.loose, _ranges_text(s.ranges), int(s.counted))
            for (day, episode, listener), s in self.states.items()
        ]
        self.store.save_listeners(rows)
        self.stored_days.update(day for day, *_ in rows)
        self.states.clear()
        self.store.add_seen(self.pending_seen)
        self.seen_days.update(day for day, _ in self.pending_seen)
        self.pending_seen.clear()


def read_networks(path: Path) -> tuple[Network, ...]:
    """CIDR ranges, one a line (``#`` comments): the data-centre networks to leave out."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    networks: list[Network] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise InputError(
                f"{path}: line {number}: {entry!r} is not a network; expected CIDR like "
                "192.0.2.0/24 or 2001:db8::/32"
            ) from None
    return tuple(networks)
