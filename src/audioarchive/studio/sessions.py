"""The session list as the studio shows it: one row per file, with its state and problems.

Each file is read and checked on its own, so one broken file does not hide the others
(``load_workspace`` refuses the whole collection when any file has a problem).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from audioarchive.common.text import SLUG
from audioarchive.config import Settings
from audioarchive.errors import Problem
from audioarchive.metadata.session import check_session_file, list_audio_files, read_yaml
from audioarchive.storage.manifest import manifest_path, read_manifest

State = Literal["problems", "upcoming", "unrecorded", "recorded", "built", "published"]


@dataclass(frozen=True)
class SessionRow:
    id: str
    title: str
    date: datetime | None
    state: State
    problems: tuple[Problem, ...]
    parts: tuple[str, ...]
    path: Path


def session_path(settings: Settings, session_id: str) -> Path | None:
    """The file of ``session_id``, or ``None`` when the id is not a valid slug (never a path
    outside ``metadata/sessions/``)."""
    if not SLUG.fullmatch(session_id):
        return None
    return settings.paths.sessions / f"{session_id}.yaml"


def list_sessions(settings: Settings) -> list[SessionRow]:
    """Every session file, newest first, undated (upcoming) first of all."""
    rows = [_row(settings, path) for path in sorted(settings.paths.sessions.glob("*.yaml"))]
    return sorted(rows, key=_order)


def _order(row: SessionRow) -> tuple[int, float, str]:
    if row.date is None:
        return (0, 0.0, row.id)
    return (1, -row.date.timestamp(), row.id)


def _row(settings: Settings, path: Path) -> SessionRow:
    problems = check_session_file(path, settings)
    data: Any = read_yaml(path, path.name, []) or {}
    session_id = path.stem
    title = str(data.get("title") or session_id)
    date = _date(data.get("date"))
    listed = data.get("recording")
    folder = settings.paths.recordings / session_id
    if isinstance(listed, list):
        parts = tuple(str(n) for n in listed)
    else:
        parts = tuple(p.name for p in list_audio_files(folder))
    return SessionRow(
        session_id,
        title,
        date,
        _state(settings, session_id, problems, parts, date),
        tuple(problems),
        parts,
        path,
    )


def _state(
    settings: Settings,
    session_id: str,
    problems: list[Problem],
    parts: tuple[str, ...],
    date: datetime | None,
) -> State:
    if problems:
        return "problems"
    if not parts:
        return "unrecorded" if date is not None and date <= datetime.now(UTC) else "upcoming"
    built = any((settings.paths.feed / "episodes" / session_id).glob("*.mp3"))
    if not built:
        return "recorded"
    if settings.storage is None:
        return "built"
    manifest = read_manifest(manifest_path(settings.paths.state, "storage"))
    prefix = f"episodes/{session_id}/"
    if manifest is not None and any(p.startswith(prefix) for p in manifest.published()):
        return "published"
    return "built"


def _date(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    return None
