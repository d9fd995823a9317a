"""``ingest``: the organiser's verb after an event.

Copies the recorder's files into ``recordings/<session>/``, verifying each copy
by checksum, never overwriting a different file of the same name; records the
parts in the session file when it lists none (creating the file if needed);
then builds that episode.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from audioarchive.archive.events import record_ingest
from audioarchive.archive.fixity import read_recording_sums, write_recording_sums
from audioarchive.common.text import SLUG, natural_key, sha256_file
from audioarchive.common.writing import atomic_path
from audioarchive.config import RECORDING_SUMS, Settings
from audioarchive.errors import AudioArchiveError, InputError, Problem
from audioarchive.ffmpeg import AudioInfo, Tools, find_tools, probe
from audioarchive.metadata.recorder_clock import (
    RecordingStart,
    container_clock,
    file_clock,
    recorder_clock,
)
from audioarchive.metadata.session import (
    AUDIO_EXTENSIONS,
    EXAMPLE_SESSION_ID,
    read_yaml,
    suggest_session_id,
)
from audioarchive.metadata.session_file import update_session_file, write_session_file

log = logging.getLogger(__name__)
CHUNK = 4 << 20
SUMS_FILE = RECORDING_SUMS


@dataclass(frozen=True)
class IngestReport:
    session_id: str
    copied: tuple[str, ...]
    already_present: tuple[str, ...]
    session_file: Path
    created_session: bool
    recorded_parts: bool  # the session file got a ``recording:`` list
    dated: RecordingStart | None = None  # the date written into the session file, and its source


def ingest_files(
    settings: Settings,
    session_id: str,
    files: Sequence[Path],
    *,
    progress: Callable[[str, float], None] | None = None,
) -> IngestReport:
    """Copy ``files`` into ``recordings/<session_id>/`` and record them in the session file."""
    paths = settings.paths
    if not SLUG.fullmatch(session_id):
        suggestion = suggest_session_id(session_id)
        raise InputError(
            f'session id "{session_id}": expected an ASCII slug of lowercase letters, digits '
            f"and hyphens, such as {suggestion}",
            hint=f"audioarchive ingest {suggestion.strip(chr(34))} FILE...",
        )
    sources = _check_sources(files)
    folder = paths.recordings / session_id
    plan = _plan_copies(sources, folder)
    folder.mkdir(parents=True, exist_ok=True)
    copied: list[str] = []
    present: list[str] = []
    sums = read_recording_sums(folder)
    for index, (src, digest) in enumerate(plan):
        dest = folder / src.name
        if digest is not None:
            present.append(src.name)
            sums[src.name] = digest
            continue
        report = _part_progress(progress, src.name, index, len(plan))
        sums[src.name] = copy_verified(src, dest, report)
        copied.append(src.name)
    write_recording_sums(folder, sums)
    names = [src.name for src, _ in plan]
    record_ingest(
        paths,
        [(folder / name, sums[name]) for name in copied],
        "copied from the recorder's card and read back",
    )
    session_file = paths.sessions / f"{session_id}.yaml"
    created = not session_file.exists()
    if created:
        dated: RecordingStart | None = _create_session_file(
            settings, session_file, session_id, sources, names
        )
        recorded = True
    else:
        recorded, dated = _update_session(settings, session_file, sources, names)
    return IngestReport(
        session_id, tuple(copied), tuple(present), session_file, created, recorded, dated
    )


def _part_progress(
    progress: Callable[[str, float], None] | None, name: str, index: int, count: int
) -> Callable[[float], None] | None:
    if progress is None:
        return None
    return lambda fraction: progress(name, (index + fraction) / count)


def _check_sources(files: Sequence[Path]) -> list[Path]:
    if not files:
        raise InputError("no files given; expected the recorder's audio files")
    seen: dict[str, Path] = {}
    for path in files:
        if not path.is_file():
            raise InputError(f"{path}: no such file; expected a recorder's audio file")
        if path.suffix.lower() not in AUDIO_EXTENSIONS:
            raise InputError(
                f"{path}: {path.suffix or 'no extension'} is not an audio file extension; "
                f"expected one of {', '.join(sorted(AUDIO_EXTENSIONS))}"
            )
        if path.name in seen and seen[path.name].resolve() != path.resolve():
            raise InputError(f"{path}: two files are named {path.name}; expected distinct names")
        seen[path.name] = path
    return sorted(seen.values(), key=lambda p: natural_key(p.name))


def _plan_copies(sources: list[Path], folder: Path) -> list[tuple[Path, str | None]]:
    """For each source, the digest of an identical copy already in place, or ``None``.

    Every conflict is found before anything is copied: nothing is half done.
    """
    plan: list[tuple[Path, str | None]] = []
    for src in sources:
        dest = folder / src.name
        if not dest.exists():
            plan.append((src, None))
            continue
        if dest.resolve() == src.resolve():
            plan.append((src, sha256_file(src)))
            continue
        src_digest, dest_digest = sha256_file(src), sha256_file(dest)
        if src_digest != dest_digest:
            raise InputError(
                f"recordings/{folder.name}/{src.name} already exists with different content; "
                "expected the same file or a new name",
                hint="rename the new file, or remove the old one if it is wrong",
            )
        plan.append((src, dest_digest))
    return plan


def copy_verified(src: Path, dest: Path, progress: Callable[[float], None] | None = None) -> str:
    """Copy ``src`` to ``dest`` atomically; read the copy back and compare SHA-256 digests."""
    total = max(1, src.stat().st_size)
    digest = hashlib.sha256()
    done = 0
    with atomic_path(dest) as tmp:
        with src.open("rb") as reader, tmp.open("wb") as writer:
            while block := reader.read(CHUNK):
                digest.update(block)
                writer.write(block)
                done += len(block)
                if progress:
                    progress(done / total)
        expected = digest.hexdigest()
        if sha256_file(tmp) != expected:
            raise InputError(
                f"{src}: the copy differs from the original (checksum mismatch)",
                hint="the card or the disk may be failing: copy again from the recorder",
            )
    return expected


def _create_session_file(
    settings: Settings, path: Path, session_id: str, sources: list[Path], names: list[str]
) -> RecordingStart:
    """A minimal session file: the organiser completes the title, date and speakers."""
    start = recording_start(settings, sources)
    started = start.when.replace(second=0, microsecond=0)
    season, episode = next_episode_number(settings, started)
    header = [
        "Created by 'audioarchive ingest'. Check the title and the date (from",
        f"{start.source}),",
        "then add speakers, venue, chapters... (see the README).",
    ]
    fields = {
        "id": session_id,
        "title": session_id,
        "date": started,
        "season": season,
        "episode": episode,
        "recording": names,
    }
    write_session_file(path, fields, header)
    return RecordingStart(started, start.source)


def recording_start(settings: Settings, sources: list[Path]) -> RecordingStart:
    """When the recording began: the recorder's clock of its first part, else the container's
    creation time, else file times (a recorder closes each part when it ends: the earliest
    modification time less that part's duration), in the workspace's time zone."""
    zone = settings.site.zone
    first = sources[0]
    by_recorder = recorder_clock(first, zone)
    if by_recorder is not None:
        return by_recorder
    try:
        tools: Tools | None = find_tools(settings.tools)
    except AudioArchiveError:
        tools = None
    infos: dict[Path, AudioInfo] = {}
    if tools is not None:
        for source in sources:
            with contextlib.suppress(AudioArchiveError):  # the build names what is wrong
                infos[source] = probe(tools, source)
    by_container = container_clock(infos[first], zone) if first in infos else None
    if by_container is not None:
        return by_container
    return min(
        (file_clock(s, infos[s].duration if s in infos else 0.0, zone) for s in sources),
        key=lambda start: start.when,
    )


def next_episode_number(settings: Settings, when: datetime) -> tuple[int, int]:
    """The season of the latest session held before ``when``, and the next number in it.

    Sessions to come (undated, or later) do not choose the season: an upcoming session of a
    new season does not pull a meeting held before it into that season. The number follows
    every session of that season (held or planned), so it never collides. ``init``'s example
    session takes no part.
    """
    numbered: list[tuple[int, int, datetime | None]] = []
    for other in sorted(settings.paths.sessions.glob("*.y*ml")):
        if other.stem == EXAMPLE_SESSION_ID:
            continue
        data = read_yaml(other, other.name, [])
        if not data:
            continue
        season, episode = data.get("season"), data.get("episode")
        if isinstance(season, int) and isinstance(episode, int):
            numbered.append((season, episode, _as_datetime(data.get("date"))))
    held = [(d, s) for s, _, d in numbered if d is not None and d <= when]
    season = max(held, key=lambda item: item[0])[1] if held else 1
    episodes = [e for s, e, _ in numbered if s == season]
    return season, max(episodes, default=0) + 1


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    return None


def _update_session(
    settings: Settings, path: Path, sources: list[Path], names: list[str]
) -> tuple[bool, RecordingStart | None]:
    """Record the parts in a session file that lists none, and date one that has no date yet
    (a meeting planned as "date TBD", now held); keep its comments, order and quotes."""
    label = settings.paths.rel(path)
    problems: list[Problem] = []
    data = read_yaml(path, label, problems)
    if data is None:
        raise InputError(str(problems[0]) if problems else f"{label}: cannot be read")
    changes: dict[str, Any] = {}
    listed = data.get("recording")
    if listed:
        missing = [n for n in names if n not in (listed if isinstance(listed, list) else [listed])]
        if missing:
            log.warning(
                "%s lists its parts already; %s not added (edit 'recording:' to include them)",
                label,
                ", ".join(missing),
            )
    else:
        changes["recording"] = names
    dated = None
    if data.get("date") is None:
        start = recording_start(settings, sources)
        dated = RecordingStart(start.when.replace(second=0, microsecond=0), start.source)
        changes["date"] = dated.when
    if changes:
        update_session_file(path, changes)
    return "recording" in changes, dated
