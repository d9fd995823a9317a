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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from audioarchive.config import Settings
from audioarchive.errors import AudioArchiveError, InputError, Problem
from audioarchive.events import record_ingest
from audioarchive.ffmpeg import Tools, find_tools, probe
from audioarchive.session import AUDIO_EXTENSIONS, read_yaml
from audioarchive.text import SLUG, natural_key, sha256_file
from audioarchive.writing import atomic_path, write_atomic

log = logging.getLogger(__name__)
CHUNK = 4 << 20
SUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class IngestReport:
    session_id: str
    copied: tuple[str, ...]
    already_present: tuple[str, ...]
    session_file: Path
    created_session: bool
    recorded_parts: bool  # the session file got a ``recording:`` list


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
        raise InputError(
            f'session id "{session_id}": expected an ASCII slug of lowercase letters, digits '
            'and hyphens, e.g. "2023-03-16-nouvelle-rencontre"'
        )
    sources = _check_sources(files)
    folder = paths.recordings / session_id
    plan = _plan_copies(sources, folder)
    folder.mkdir(parents=True, exist_ok=True)
    copied: list[str] = []
    present: list[str] = []
    sums = _read_sums(folder)
    for index, (src, digest) in enumerate(plan):
        dest = folder / src.name
        if digest is not None:
            present.append(src.name)
            sums[src.name] = digest
            continue
        report = _part_progress(progress, src.name, index, len(plan))
        sums[src.name] = copy_verified(src, dest, report)
        copied.append(src.name)
    _write_sums(folder, sums)
    names = [src.name for src, _ in plan]
    record_ingest(
        paths,
        [(folder / name, sums[name]) for name in copied],
        "copied from the recorder's card and read back",
    )
    session_file = paths.sessions / f"{session_id}.yaml"
    created = not session_file.exists()
    if created:
        _create_session_file(settings, session_file, session_id, sources, names)
        recorded = True
    else:
        recorded = _record_parts(session_file, paths.rel(session_file), names)
    return IngestReport(session_id, tuple(copied), tuple(present), session_file, created, recorded)


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


def _read_sums(folder: Path) -> dict[str, str]:
    sums: dict[str, str] = {}
    path = folder / SUMS_FILE
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            if len(digest) == 64 and name:
                sums[name] = digest
    return sums


def _write_sums(folder: Path, sums: dict[str, str]) -> None:
    lines = [
        f"{digest}  {name}\n"
        for name, digest in sorted(sums.items(), key=lambda i: natural_key(i[0]))
    ]
    write_atomic(folder / SUMS_FILE, "".join(lines).encode("utf-8"))


def _create_session_file(
    settings: Settings, path: Path, session_id: str, sources: list[Path], names: list[str]
) -> None:
    """A minimal session file: the organiser completes the title, date and speakers."""
    season, episode = _next_episode_number(settings)
    started = _estimated_start(settings, sources).replace(second=0, microsecond=0)
    lines = [
        "# Created by 'audioarchive ingest'. Check the title and the date (estimated from the",
        "# files' modification time, when the recorder closed them, less their duration),",
        "# then add speakers, venue, chapters... (see the README).",
        f"id: {session_id}",
        f"title: {_yaml_scalar(session_id)}",
        f"date: {started.isoformat()}",
        f"season: {season}",
        f"episode: {episode}",
        f"recording: {_yaml_list(names)}",
        "",
    ]
    if path.exists():
        raise InputError(f"{settings.paths.rel(path)} already exists")
    write_atomic(path, "\n".join(lines).encode("utf-8"))


def _estimated_start(settings: Settings, sources: list[Path]) -> datetime:
    """When the recording began: a recorder closes each part when it ends, so the earliest
    modification time less that part's duration (the time alone when it cannot be probed)."""
    try:
        tools: Tools | None = find_tools(settings.tools)
    except AudioArchiveError:
        tools = None
    starts = []
    for source in sources:
        length = 0.0
        if tools is not None:
            with contextlib.suppress(AudioArchiveError):  # the build names what is wrong
                length = probe(tools, source).duration
        starts.append(source.stat().st_mtime - length)
    return datetime.fromtimestamp(min(starts)).astimezone()


def _next_episode_number(settings: Settings) -> tuple[int, int]:
    season, episode = 1, 0
    for other in sorted(settings.paths.sessions.glob("*.yaml")):
        data = read_yaml(other, other.name, [])
        if not data:
            continue
        s, e = data.get("season"), data.get("episode")
        if isinstance(s, int) and isinstance(e, int) and (s, e) > (season, episode):
            season, episode = s, e
    return season, episode + 1


def _record_parts(path: Path, label: str, names: list[str]) -> bool:
    """Append ``recording: [...]`` to a session file that lists no parts; keep its comments."""
    problems: list[Problem] = []
    data = read_yaml(path, label, problems)
    if data is None:
        raise InputError(str(problems[0]) if problems else f"{label}: cannot be read")
    listed = data.get("recording")
    if listed:
        missing = [n for n in names if n not in (listed if isinstance(listed, list) else [listed])]
        if missing:
            log.warning(
                "%s lists its parts already; %s not added (edit 'recording:' to include them)",
                label,
                ", ".join(missing),
            )
        return False
    text = path.read_text(encoding="utf-8")
    line = f"recording: {_yaml_list(names)}"
    if "recording" in data:  # present but empty: fill in that line
        text = re.sub(r"^recording:[^\n]*$", line, text, count=1, flags=re.M)
    else:
        text += ("" if text.endswith("\n") else "\n") + line + "\n"
    write_atomic(path, text.encode("utf-8"))
    return True


def _yaml_scalar(value: str) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_style='"').strip()


def _yaml_list(names: list[str]) -> str:
    return "[" + ", ".join(_yaml_scalar(n) for n in names) + "]"
