"""The fixity history: an append-only log of preservation events per session.

Every ``ingest``, ``build`` and ``verify`` appends one line per file to
``archive/<id>/<id>.events.jsonl`` (files of no session, such as
``archive/catalog.json``, go to ``archive/events.jsonl``). Each line is a JSON
object modelled on a PREMIS 3 event (https://www.loc.gov/standards/premis/):

``date`` (eventDateTime, ISO 8601 UTC), ``type`` (eventType, from the Library of
Congress preservation vocabulary: "ingestion", "creation", "fixity check"),
``agent`` (linkingAgentIdentifier: "audioarchive 0.2.0"), ``file``
(linkingObjectIdentifier, relative to the workspace), ``checksum``
(``sha256:<hex>``, the messageDigest found), ``outcome`` (eventOutcome: "success"
or "failure"), ``detail`` (eventOutcomeDetail), ``id`` (eventIdentifier, a UUID)
and ``previous``: the SHA-256 of the log's previous line, so that an edited or
removed line breaks the chain (:func:`check_chain`).

The logs are not in ``manifest-sha256.txt``: they grow by design.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from audioarchive._version import __version__
from audioarchive.config import Paths
from audioarchive.errors import InputError

log = logging.getLogger(__name__)

AGENT = f"audioarchive {__version__}"
EVENTS_SUFFIX = ".events.jsonl"
COLLECTION_LOG = "events.jsonl"
EventType = Literal["ingestion", "creation", "fixity check"]
Outcome = Literal["success", "failure"]
_SESSION_PATH = re.compile(r"^(?:recordings|archive|feed/episodes)/([^/]+)/")
_AGE = re.compile(r"^(\d+)\s*([dhw])$")
_GENESIS = "0" * 64


@dataclass(frozen=True)
class Event:
    type: EventType
    file: str  # relative to the workspace
    checksum: str | None  # sha256 hex
    outcome: Outcome
    detail: str = ""
    date: datetime | None = None  # now, when None

    def as_dict(self, previous: str) -> dict[str, Any]:
        date = (self.date or datetime.now(UTC)).astimezone(UTC)
        return {
            "id": str(uuid.uuid4()),
            "date": date.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "type": self.type,
            "agent": AGENT,
            "file": self.file,
            "checksum": f"sha256:{self.checksum}" if self.checksum else None,
            "outcome": self.outcome,
            "detail": self.detail,
            "previous": previous,
        }


def is_event_log(relpath: str) -> bool:
    """Whether ``relpath`` (inside ``archive/``) is one of the logs."""
    return relpath == COLLECTION_LOG or relpath.endswith(EVENTS_SUFFIX)


def log_path(paths: Paths, file: str) -> Path:
    """The log an event about ``file`` (relative to the workspace) goes to."""
    match = _SESSION_PATH.match(file)
    if match is None:
        return paths.archive / COLLECTION_LOG
    session_id = match.group(1)
    return paths.archive / session_id / f"{session_id}{EVENTS_SUFFIX}"


def append_events(paths: Paths, events: Iterable[Event]) -> None:
    """Append each event to its session's log (opened in append mode: never rewritten)."""
    by_log: dict[Path, list[Event]] = {}
    for event in events:
        by_log.setdefault(log_path(paths, event.file), []).append(event)
    for path, batch in by_log.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        previous = _last_line_hash(path)
        lines = []
        for event in batch:
            line = json.dumps(event.as_dict(previous), ensure_ascii=False, sort_keys=True)
            lines.append(line + "\n")
            previous = hashlib.sha256(line.encode("utf-8")).hexdigest()
        with path.open("ab") as handle:  # one write: a killed run leaves no half line
            handle.write("".join(lines).encode("utf-8"))


def _last_line_hash(path: Path) -> str:
    if not path.is_file():
        return _GENESIS
    lines = path.read_bytes().splitlines()
    return hashlib.sha256(lines[-1]).hexdigest() if lines else _GENESIS


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every event of one log, oldest first (unreadable lines skipped)."""
    if not path.is_file():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            events.append(data)
    return events


def check_chain(path: Path) -> list[int]:
    """Line numbers (from 1) whose ``previous`` is not the hash of the line before."""
    broken = []
    previous = _GENESIS
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            data = json.loads(line)
        except ValueError:
            data = {}
        if not isinstance(data, dict) or data.get("previous") != previous:
            broken.append(number)
        previous = hashlib.sha256(line).hexdigest()
    return broken


def event_logs(paths: Paths) -> list[Path]:
    """Every log of the workspace that exists."""
    logs = sorted(paths.archive.glob(f"*/*{EVENTS_SUFFIX}")) if paths.archive.is_dir() else []
    collection = paths.archive / COLLECTION_LOG
    return ([collection] if collection.is_file() else []) + logs


def all_events(paths: Paths) -> list[dict[str, Any]]:
    """Every event of every log of the workspace."""
    return [event for log in event_logs(paths) for event in read_events(log)]


def last_checks(paths: Paths, session_id: str) -> dict[str, dict[str, Any]]:
    """For each file of the session: its latest event (date, type, outcome, checksum)."""
    path = paths.archive / session_id / f"{session_id}{EVENTS_SUFFIX}"
    last: dict[str, dict[str, Any]] = {}
    for event in read_events(path):
        last[str(event.get("file"))] = {
            key: event.get(key) for key in ("date", "type", "outcome", "checksum", "agent")
        }
    return dict(sorted(last.items()))


def recently_passed(paths: Paths, cutoff: datetime) -> set[str]:
    """Files whose latest event is a success dated after ``cutoff`` (a file whose last
    check failed is never "recent": it is checked again)."""
    latest: dict[str, tuple[datetime, object]] = {}
    for event in all_events(paths):
        try:
            when = datetime.fromisoformat(str(event.get("date")).replace("Z", "+00:00"))
        except ValueError:
            continue
        file = str(event.get("file"))
        if file not in latest or when >= latest[file][0]:
            latest[file] = (when, event.get("outcome"))
    return {f for f, (when, outcome) in latest.items() if outcome == "success" and when > cutoff}


def parse_age(text: str) -> timedelta:
    """``90d``, ``12w``, ``36h`` → a duration; ``InputError`` otherwise."""
    match = _AGE.match(text.strip().lower())
    if match is None:
        raise InputError(
            f'--older-than "{text}": expected a number of days, weeks or hours, e.g. 90d, 12w'
        )
    number, unit = int(match.group(1)), match.group(2)
    return {"d": timedelta(days=number), "h": timedelta(hours=number)}.get(
        unit, timedelta(weeks=number)
    )


# --- the three verbs --------------------------------------------------------------------------


def record_ingest(paths: Paths, files: Sequence[tuple[Path, str]], detail: str) -> None:
    """One "ingestion" event per recorder file copied (or found already in place)."""
    append_events(
        paths,
        (Event("ingestion", paths.rel(path), digest, "success", detail) for path, digest in files),
    )


def record_creation(paths: Paths, files: Sequence[tuple[Path, str]], detail: str) -> None:
    """One "creation" event per file a build wrote, with the checksum recorded then."""
    append_events(
        paths,
        (Event("creation", paths.rel(path), digest, "success", detail) for path, digest in files),
    )
