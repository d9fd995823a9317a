"""Browsing the collection: ``list`` and ``show``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from audioarchive.episode import EpisodeRecord, Publication, load_record
from audioarchive.session import Session, Workspace
from audioarchive.storage import published_paths
from audioarchive.validation import format_time

Status = Literal["upcoming", "recorded", "built", "published"]


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


def render_catalog(publication: Publication) -> dict[str, bytes]:
    """The public catalogue files of ``feed/`` (none yet)."""
    del publication
    return {}


def session_status(workspace: Workspace, session: Session, record: EpisodeRecord | None) -> Status:
    if not session.recorded:
        return "upcoming"
    if record is None or not all((workspace.paths.feed / m.path).is_file() for m in record.media):
        return "recorded"
    published = published_paths(workspace)  # None without [storage]: feed/ is the public tree
    if published and all(published.get(m.path) == m.sha256 for m in record.media):
        return "published"
    return "built"


def list_sessions(workspace: Workspace) -> list[SessionSummary]:
    """Every session, oldest first, upcoming last. Speakers are the publishable names only."""
    out = []
    for session in workspace.sessions:
        record = load_record(workspace.paths.state, session.id)
        out.append(
            SessionSummary(
                id=session.id,
                date=session.date.isoformat() if session.date else None,
                title=session.title,
                speakers=tuple(s.name for s in session.public_speakers),
                duration=record.timeline.duration if record else None,
                status=session_status(workspace, session, record),
            )
        )
    return out


def describe_session(workspace: Workspace, session_id: str) -> dict[str, Any]:
    """Everything known about one session: metadata, files, URLs, checksums and loudness."""
    session = workspace.session(session_id)
    record = load_record(workspace.paths.state, session.id)
    site = workspace.settings.site
    data: dict[str, Any] = {
        "id": session.id,
        "title": session.title,
        "date": session.date.isoformat() if session.date else None,
        "status": session_status(workspace, session, record),
        "season": session.season,
        "episode": session.episode,
        "venue": session.venue.name if session.venue else None,
        "speakers": [
            {
                "name": s.name,
                "role": s.role,
                "affiliation": s.affiliation,
                "publish_name": s.publish_name,
            }
            for s in session.speakers
        ],
        "topics": list(session.topics),
        "recording": [workspace.paths.rel(p) for p in session.recording],
        "chapters": [{"start": format_time(c.start), "title": c.title} for c in session.chapters],
        "page": site.url(f"episodes/{session.id}/") if record else None,
    }
    if record is not None:
        data["duration"] = format_time(record.timeline.duration)
        data["files"] = [
            {
                "path": f"feed/{m.path}",
                "url": site.url(m.path),
                "size": m.size,
                "sha256": m.sha256,
                "type": m.media_type,
            }
            for m in record.media
        ]
        if record.master:
            data["master"] = {
                "path": f"archive/{record.master.path}",
                "size": record.master.size,
                "sha256": record.master.sha256,
            }
        data["loudness"] = record.loudness
        data["timeline"] = record.timeline.as_dict()
    return data
