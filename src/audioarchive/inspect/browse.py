"""Browsing the collection: the data of ``list``, ``show`` and ``search``.

- :func:`list_sessions`: every session with its status (up to published, from the
  storage manifest);
- :func:`describe_session`: everything known about one session (private: it names every
  speaker, flagged), with its fixity checks;
- :func:`search_sessions`: sessions where the words of a query appear.

Times in JSON are seconds (floats, millisecond precision).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import os
import pickle
import re
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from audioarchive.common.fingerprint import digest, file_stamp, program_stamp
from audioarchive.common.text import fold, markdown_to_text
from audioarchive.common.writing import write_atomic
from audioarchive.config import RECORDING_SUMS, Settings
from audioarchive.errors import AudioArchiveError, InputError
from audioarchive.metadata.episode import EpisodeRecord, load_record
from audioarchive.metadata.session import (
    Person,
    Resource,
    Session,
    Venue,
    Workspace,
    load_workspace,
)
from audioarchive.metadata.transcript import TranscriptSyntaxError, read_transcript

if TYPE_CHECKING:
    from audioarchive.transcribe.index import SpokenHit

# The storage, fixity, rendering and transcription stages are imported where they are used:
# ``list`` and ``search`` load no more than they need (tests/test_imports.py).

log = logging.getLogger(__name__)

Status = Literal["upcoming", "unrecorded", "recorded", "built", "published"]


@dataclass(frozen=True)
class SessionSummary:
    id: str
    date: str | None
    title: str
    speakers: tuple[str, ...]
    duration: float | None
    status: Status

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date,
            "title": self.title,
            "speakers": list(self.speakers),
            "duration": round(self.duration, 3) if self.duration is not None else None,
            "status": self.status,
        }


# --- the collection, loaded once per change ---------------------------------------------------

CACHE_FILE = "collection.pickle"
_CACHE_VERSION = 2
_CACHE_KEYS = {"version", "base", "key", "files", "collection", "sessions"}
_RACY_NS = 2_000_000_000  # a file changed this recently may change again with the same time

_Stamp = Any  # common.fingerprint.file_stamp: [path, size, time], or the path alone
_Entry = tuple[str, int, int]  # a folder's file: path, size, modification time


@dataclass(frozen=True)
class _Scan:
    """What the folders a workspace is read from hold, with sizes and times."""

    base: str  # the program and the settings
    key: str  # the above and every file of the folders
    newest: int  # the newest file's time (ns)
    folders: dict[str, list[_Entry]]  # each folder's files, by path


def load_collection(
    root: Path, settings: Settings, *, reload: bool = False, save: bool = True
) -> Workspace:
    """The workspace, as :func:`load_workspace` loads and checks it, from the state folder's
    cache when no file it was read from changed since (same size and modification time):
    session files, the show, the settings, the folders of ``metadata/`` and
    ``recordings/``, every file a session names, and the program itself.

    When some changed, only the session files that changed (or whose recordings folder or
    named files did) are read again, with the show; the checks that span sessions are made
    again on the whole.

    For ``list``, ``search``, ``show``, ``build`` and ``publish`` (``validate`` always
    reads every file): loading and checking 500 session files takes most of a second. A
    workspace with a problem is never cached: it is loaded again and the problem reported.
    ``reload``: read every file (``validate``), and cache the result unless the cache
    already holds it; ``save``: write the cache (not on a dry run).
    """
    paths = settings.paths
    cache = paths.state / CACHE_FILE
    scan = _scan_folders(settings)
    stored = _read_cache(cache)
    current = stored is not None and stored["key"] == scan.key and _unchanged(stored["files"])
    if stored is not None and current and not reload:
        return Workspace(settings, *stored["collection"])
    reusable = _reusable_sessions(stored, scan) if stored is not None and not reload else {}
    workspace = load_workspace(root, settings, unchanged=reusable)
    if save and not current and paths.state.is_dir() and scan.newest < time.time_ns() - _RACY_NS:
        _write_cache(cache, workspace, scan)
    return workspace


def _read_cache(cache: Path) -> dict[str, Any] | None:
    """The cache's content, if sealed by this user and of this version."""
    secret = _cache_secret()
    if secret is None:
        return None
    try:
        sealed = cache.read_bytes()
        seal, blob = sealed[:_SEAL_SIZE], sealed[_SEAL_SIZE:]
        if not hmac.compare_digest(seal, _seal(secret, blob)):
            log.debug("%s: not used (not sealed by this user)", cache)
            return None
        stored = pickle.loads(blob)  # noqa: S301 (sealed with this user's key)
        if not isinstance(stored, dict) or stored.get("version") != _CACHE_VERSION:
            return None
        if set(stored) != _CACHE_KEYS or len(stored["collection"]) != 3:
            return None
    except FileNotFoundError:
        return None
    except Exception as err:  # a cache: any damage means "load again"
        log.debug("%s: not used (%s)", cache, err)
        return None
    return dict(stored)


def _unchanged(stamps: Iterable[tuple[str, _Stamp]]) -> bool:
    return all(file_stamp(name) == stamp for name, stamp in stamps)


def _reusable_sessions(stored: dict[str, Any], scan: _Scan) -> dict[Path, Session]:
    """The cached sessions none of whose files changed: the session file, the files it
    names, and its recordings folder's files (an audio file added counts)."""
    if stored["base"] != scan.base:  # another program or settings: every file read again
        return {}
    _show, sessions, example = stored["collection"]
    out = {}
    for session in (*sessions, *([example] if example else [])):
        named, folder, listing = stored["sessions"].get(str(session.source), ([], "", None))
        if listing == scan.folders.get(folder, []) and _unchanged(named):
            out[session.source] = session
    return out


def _write_cache(cache: Path, workspace: Workspace, scan: _Scan) -> None:
    # not the settings, which may hold credentials
    collection = (workspace.show, workspace.sessions, workspace.example)
    files = [(str(p), file_stamp(str(p))) for p in _paths_in(workspace.show)]
    sessions = {}
    recordings = workspace.paths.recordings
    for session in (*workspace.sessions, *([workspace.example] if workspace.example else [])):
        named = [(str(p), file_stamp(str(p))) for p in _paths_in(session)]
        folder = str(recordings / session.id)
        sessions[str(session.source)] = (named, folder, scan.folders.get(folder, []))
        files += named
    data = {
        "version": _CACHE_VERSION,
        "base": scan.base,
        "key": scan.key,
        "files": files,
        "collection": collection,
        "sessions": sessions,
    }
    try:
        secret = _cache_secret()
        if secret is not None:
            blob = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(cache, _seal(secret, blob) + blob)
    except (OSError, AudioArchiveError) as err:  # a read-only state folder: no cache
        log.debug("%s: not written (%s)", cache, err)


def _seal(secret: bytes, blob: bytes) -> bytes:
    return hmac.new(secret, blob, hashlib.sha256).digest()


def _cache_secret() -> bytes | None:
    """This user's key for the cache's seal (made once, readable by the user alone), or None
    where it cannot be kept (then nothing is cached).

    The cache is a pickle, and loading a pickle can run code: a workspace received from
    someone else (a copy, an archive) could carry a state folder made to do that. A cache is
    read only when it is sealed with a key that never leaves this user's home folder."""
    try:
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        key_file = Path(home) / "audioarchive" / "cache-key"
        return key_file.read_bytes()
    except FileNotFoundError:
        pass
    except (OSError, RuntimeError):  # no home folder
        return None
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(secrets.token_bytes(32))
        return key_file.read_bytes()
    except FileExistsError:  # made by another process meanwhile
        return key_file.read_bytes()
    except OSError:  # a read-only home folder
        return None


_SEAL_SIZE = hashlib.sha256().digest_size


def _scan_folders(settings: Settings) -> _Scan:
    """The files of the folders a workspace is read from (``metadata/``, its sessions, each
    folder of ``recordings/``), and the fingerprint of them all."""
    paths = settings.paths
    folders: dict[str, list[_Entry]] = {}
    names = [str(paths.sessions), str(paths.metadata)]
    try:
        with os.scandir(paths.recordings) as found:
            names += [e.path for e in found if e.is_dir()]
    except OSError:
        pass
    for folder in names:
        entries: list[_Entry] = []
        try:
            with os.scandir(folder) as found:
                for entry in found:
                    if entry.name == RECORDING_SUMS:  # written by builds, never read by a load
                        continue
                    info = entry.stat()
                    entries.append((entry.path, info.st_size, info.st_mtime_ns))
        except OSError:
            continue
        entries.sort()
        folders[folder] = entries
    every = sorted(e for entries in folders.values() for e in entries)
    newest = max((e[2] for e in every), default=0)
    base = digest(program_stamp(), settings)
    return _Scan(base, digest(base, every), newest, folders)


def _paths_in(item: Any) -> Iterator[Path]:
    """Every file the show or a session names (session file, artwork, jingles, recordings,
    transcript)."""
    for value in (getattr(item, f.name) for f in dataclasses.fields(item)):
        values = value if isinstance(value, tuple) else (value,)
        yield from (v for v in values if isinstance(v, Path))


# --- status -----------------------------------------------------------------------------------


def published_ids(
    workspace: Workspace, records: Mapping[str, EpisodeRecord | None] | None = None
) -> frozenset[str]:
    """Ids of the episodes whose current files are on the configured storage.

    The hook for the storage stage: it answers from its upload manifest (an episode
    is published when each of its current media files is there with the same
    SHA-256). Until then nothing is reported as published. Without ``[storage]``,
    ``feed/`` is the published tree, but nothing says it is served anywhere, so a
    built episode stays "built". ``records``: the build records already read, by id.
    """
    from audioarchive.storage import published_paths  # noqa: PLC0415 (see the imports)

    published = published_paths(workspace)
    if not published:
        return frozenset()
    ids = set()
    for session in workspace.episodes:
        if records is not None and session.id in records:
            record = records[session.id]
        else:
            record = load_record(workspace.paths.state, session.id)
        if record and all(published.get(m.path) == m.sha256 for m in record.media):
            ids.add(session.id)
    return frozenset(ids)


def session_status(
    workspace: Workspace,
    session: Session,
    record: EpisodeRecord | None,
    published: frozenset[str] = frozenset(),
) -> Status:
    if not session.recorded:
        return "unrecorded" if session.past(datetime.now(UTC)) else "upcoming"
    if record is None or not all((workspace.paths.feed / m.path).is_file() for m in record.media):
        return "recorded"
    return "published" if session.id in published else "built"


def list_sessions(workspace: Workspace) -> list[SessionSummary]:
    """Every session, oldest first, upcoming last. Speakers are the publishable names only."""
    state = workspace.paths.state
    records = {s.id: load_record(state, s.id) for s in workspace.sessions}  # each read once
    published = published_ids(workspace, records)
    out = []
    for session in workspace.sessions:
        record = records[session.id]
        out.append(
            SessionSummary(
                id=session.id,
                date=session.date.isoformat() if session.date else None,
                title=session.title,
                speakers=tuple(s.name for s in session.public_speakers),
                duration=record.timeline.duration if record else None,
                status=session_status(workspace, session, record, published),
            )
        )
    return out


# --- everything about one session ----------------------------------------------------------


def describe_session(workspace: Workspace, session_id: str) -> dict[str, Any]:
    """Everything known about one session: metadata, files, URLs, checksums and loudness."""
    from audioarchive.archive.events import last_checks  # noqa: PLC0415 (see the imports)
    from audioarchive.render.catalogue import full_entry  # noqa: PLC0415

    session = workspace.session(session_id)
    record = load_record(workspace.paths.state, session.id)
    data = full_entry(workspace.show, session, record, workspace.settings.site)
    status = session_status(workspace, session, record, published_ids(workspace))
    data = {"status": status, **data}
    artwork = session.artwork or workspace.show.artwork
    data["artwork"] = workspace.paths.rel(artwork)
    data["fixity"] = last_checks(workspace.paths, session.id)  # the last event of each file
    if record is not None:
        data["sidecar"] = f"archive/{session.id}/{session.id}.json"
    return data


# --- search -----------------------------------------------------------------------------------

# how much a match in each field weighs when ordering the results
_WEIGHTS = {
    "title": 8,
    "topics": 5,
    "speakers": 5,
    "venue": 3,
    "chapters": 3,
    "description": 2,
    "resources": 2,
    "transcript": 1,
}
_SNIPPET = 50


@dataclass(frozen=True)
class SearchHit:
    field: str  # title, description, speakers, topics, venue, chapters, resources, transcript
    text: str  # the matching text, shortened around the match
    start: float | None = None  # raw recording time (chapters, transcript)
    published_start: float | None = None  # the same on the published episode, when built

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SearchResult:
    id: str
    title: str
    date: str | None
    score: int
    hits: tuple[SearchHit, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date,
            "score": self.score,
            "hits": [
                {**h.as_dict(), "session": self.id, "time": h.published_start} for h in self.hits
            ],
        }


def search_terms(query: str) -> list[str]:
    """The words of a query, case- and accent-folded: "Dématérialisation" → "dematerialisation"."""
    return _normalise(query)[0].split()


def search_sessions(workspace: Workspace, query: str) -> list[SearchResult]:
    """Sessions where every word of ``query`` begins a word, case- and accent-insensitively, in
    titles, descriptions, speakers, topics, venue, chapters, resources or transcripts.

    Best matches first (a word in a title counts more than in a transcript), then by date.
    Speakers who may not be named are searched too: this is the organisers' own copy.
    """
    terms = search_terms(query)
    if not terms:
        raise InputError(f'search: found "{query}"; expected at least one word to look for')
    from audioarchive.transcribe.run import spoken_lines  # noqa: PLC0415 (see the imports)

    results = []
    spoken = spoken_lines(workspace, terms)  # machine transcripts, from the FTS5 index
    for session in workspace.sessions:
        lines = spoken.get(session.id, ())
        if not _may_match(session, terms, lines):
            continue  # a word is in none of its texts: no need to look item by item
        record = load_record(workspace.paths.state, session.id)
        result = _search_session(session, record, terms, lines)
        if result is not None:
            results.append(result)
    results.sort(key=lambda r: (-r.score, r.date or "9999", r.id))
    return results


def _search_session(
    session: Session,
    record: EpisodeRecord | None,
    terms: Sequence[str],
    spoken: Sequence[SpokenHit] = (),
) -> SearchResult | None:
    """The session as a result, if every term begins a word of one of its texts."""
    found: set[str] = set()
    hits: list[SearchHit] = []
    score = 0
    for item in _searchable(session, record, spoken):
        matched = [t for t in terms if _find(item.folded, t) >= 0]
        if not matched:
            continue
        found.update(matched)
        score += _WEIGHTS[item.hit.field] * len(matched)
        hits.append(_with_snippet(item, matched[0]))
    if found != set(terms):
        return None
    date = session.date.isoformat() if session.date else None
    return SearchResult(session.id, session.title, date, score, tuple(hits))


# --- the quick test before the search of one session -------------------------------------------

_NOT_ALNUM = re.compile(r"[\W_]+")  # what str.isalnum() refuses (the same Unicode classes)
#: Markdown that can take letters or digits out from between others: entities (``&eacute;``),
#: links and images (``[…](…)``), autolinks (``<…>``), code fences' info strings (``` ```py ```).
_WORD_MARKUP = re.compile(r"[&\[<`~]")


def _may_match(session: Session, terms: Sequence[str], spoken: Sequence[SpokenHit] = ()) -> bool:
    """Whether every term is in the session's texts once folded and squeezed (everything but
    letters and digits left out); when not, some term begins no word of them, and the
    session cannot match.

    A term is letters and digits only, and matches only where it lies whole in one of the
    folded texts, which squeezing keeps together. The description is read as written when
    it holds no Markdown that drops letters or digits from the middle of a text
    (:data:`_WORD_MARKUP`: then rendering only drops marks, or a list's number at the start
    of a line), else rendered as the search renders it; a session with a transcript file is
    always searched (its cues are read there).
    """
    if session.transcript is not None:
        return True
    description = session.description
    if _WORD_MARKUP.search(description):
        description = markdown_to_text(description)
    texts = [session.title, description, *(line.text for line in spoken)]
    texts += [_speaker_text(p) for p in session.speakers]
    texts += session.topics
    texts += [_venue_text(session.venue)] if session.venue else []
    texts += [c.title for c in session.chapters]
    texts += [_resource_text(r) for r in session.resources]
    squeezed = _NOT_ALNUM.sub("", fold("\n".join(texts)))
    return all(term in squeezed for term in terms)


def _speaker_text(person: Person) -> str:
    details = ", ".join(x for x in (person.role, person.affiliation) if x)
    note = "" if person.publish_name else "; name not publishable"
    return f"{person.name} ({details}{note})"


def _venue_text(venue: Venue) -> str:
    return ", ".join(x for x in (venue.name, venue.address) if x)


def _resource_text(resource: Resource) -> str:
    return f"{resource.title} <{resource.url}>"


@dataclass(frozen=True)
class _Searchable:
    hit: SearchHit
    folded: str
    index: list[int]  # folded position -> position in hit.text


def _searchable(
    session: Session, record: EpisodeRecord | None, spoken: Sequence[SpokenHit] = ()
) -> Iterator[_Searchable]:
    from audioarchive.render.catalogue import (  # noqa: PLC0415 (see the imports)
        public_time,
        published_chapter_starts,
    )

    timeline = record.timeline if record else None

    def item(field_name: str, text: str, start: float | None = None) -> _Searchable:
        published = public_time(timeline, start) if start is not None else None
        folded, index = _normalise(text)
        return _Searchable(SearchHit(field_name, text, start, published), folded, index)

    yield item("title", session.title)
    if session.description:
        yield item("description", markdown_to_text(session.description))
    for person in session.speakers:
        yield item("speakers", _speaker_text(person))
    for topic in session.topics:
        yield item("topics", topic)
    if session.venue:
        yield item("venue", _venue_text(session.venue))
    published = published_chapter_starts(session, record)
    for chapter, start in zip(session.chapters, published, strict=True):
        hit = item("chapters", chapter.title, round(chapter.start, 3))
        yield _Searchable(replace(hit.hit, published_start=start), hit.folded, hit.index)
    for resource in session.resources:
        yield item("resources", _resource_text(resource))
    for start, text in _transcript_lines(session):
        yield item("transcript", text, start)
    for line in spoken:  # already on the published timeline
        hit = item("transcript", line.text)
        yield _Searchable(replace(hit.hit, published_start=line.time), hit.folded, hit.index)


def _transcript_lines(session: Session) -> Iterator[tuple[float, str]]:
    if session.transcript is None:
        return
    try:
        cues = read_transcript(session.transcript)
    except (OSError, UnicodeDecodeError, TranscriptSyntaxError) as err:
        log.warning("%s: transcript not searched (%s)", session.id, err)
        return
    for cue in cues:
        text = f"{cue.speaker}: {cue.text}" if cue.speaker else cue.text
        yield round(cue.start, 3), text


def _normalise(text: str) -> tuple[str, list[int]]:
    """Folded text (no case, no accents, punctuation as spaces), with each character's
    position in ``text``."""
    out: list[str] = []
    index: list[int] = []
    for position, char in enumerate(text):
        for folded in fold(char):
            out.append(folded if folded.isalnum() else " ")
            index.append(position)
    return "".join(out), index


_SPACES = re.compile(r"\s+")
_WHOLE = 160  # texts up to this length are shown whole


def _find(folded: str, term: str) -> int:
    """Where ``term`` starts a word of ``folded`` ("demat" finds "dématérialisation", "non"
    does not find "renoncent"); -1 when it does not."""
    return (" " + folded).find(" " + term)  # index in the padded text = index in folded


def _with_snippet(item: _Searchable, term: str) -> SearchHit:
    text = item.hit.text
    if len(text) <= _WHOLE:
        return SearchHit(item.hit.field, _SPACES.sub(" ", text).strip(), *_times(item.hit))
    at = _find(item.folded, term)
    begin = item.index[at]
    end = item.index[at + len(term) - 1] + 1
    left, right = max(0, begin - _SNIPPET), min(len(text), end + _SNIPPET)
    snippet = _SPACES.sub(" ", text[left:right]).strip()
    snippet = ("…" if left > 0 else "") + snippet + ("…" if right < len(text) else "")
    return SearchHit(item.hit.field, snippet, *_times(item.hit))


def _times(hit: SearchHit) -> tuple[float | None, float | None]:
    return hit.start, hit.published_start
