"""A built episode: a session plus what the audio and tags stages produced for it.

This is what the feed, the pages and the catalogue are made from. Its record is
kept in ``.audioarchive/state/<id>.json`` between runs, so that a build with
nothing changed does no audio work and still regenerates feed and pages.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audioarchive.common.writing import write_atomic
from audioarchive.config import SiteSettings
from audioarchive.metadata.machine_transcript import MachineTranscript
from audioarchive.metadata.session import Chapter, Redaction, Session, Show
from audioarchive.metadata.timeline import Timeline

STATE_VERSION = 1
#: The file every folder of the site links to: plain S3 buckets serve no index document.
INDEX_PAGE = "index.html"


@dataclass(frozen=True)
class OutputFile:
    """One file the build wrote: ``path`` is relative to ``feed/`` (public) or ``archive/``."""

    format: str
    path: str
    size: int
    sha256: str
    media_type: str


@dataclass(frozen=True)
class SourceFile:
    name: str
    size: int
    sha256: str
    duration: float
    sample_rate: int
    channels: int
    codec: str
    mtime_ns: int = 0  # to skip re-hashing an unchanged file


@dataclass(frozen=True)
class EpisodeRecord:
    """What the build knows about one episode's outputs (persisted as JSON)."""

    id: str
    audio_key: str  # fingerprint of everything that determines the audio
    tag_key: str  # fingerprint of everything that determines the tags
    timeline: Timeline
    media: tuple[OutputFile, ...]  # public audio, the enclosure (MP3) first
    master: OutputFile | None
    sources: tuple[SourceFile, ...]
    loudness: dict[str, Any] = field(default_factory=dict)
    processing: dict[str, Any] = field(default_factory=dict)  # tool versions and settings
    preservation: OutputFile | None = None  # the Broadcast WAV beside the FLAC ([archive] both)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["timeline"] = self.timeline.as_dict()
        data["version"] = STATE_VERSION
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EpisodeRecord:
        return cls(
            id=data["id"],
            audio_key=data["audio_key"],
            tag_key=data["tag_key"],
            timeline=Timeline.from_dict(data["timeline"]),
            media=tuple(OutputFile(**m) for m in data["media"]),
            master=OutputFile(**data["master"]) if data.get("master") else None,
            sources=tuple(SourceFile(**s) for s in data["sources"]),
            loudness=dict(data.get("loudness") or {}),
            processing=dict(data.get("processing") or {}),
            preservation=OutputFile(**data["preservation"]) if data.get("preservation") else None,
        )


@dataclass(frozen=True)
class Episode:
    """A session with its built outputs: the input of feed, site and catalogue."""

    session: Session
    record: EpisodeRecord

    @property
    def id(self) -> str:
        return self.session.id

    @property
    def duration(self) -> float:
        return self.record.timeline.duration

    @property
    def enclosure(self) -> OutputFile:
        return self.record.media[0]

    @property
    def page_path(self) -> str:
        """The episode page, relative to ``feed/``: a file, never a folder, because a plain
        S3 bucket (no website hosting) serves no index document for a folder."""
        return page_path(self.id)

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        return public_chapters(self.session.chapters, self.record.timeline)

    @property
    def redactions(self) -> tuple[Redaction, ...]:
        return public_redactions(self.session.redactions, self.record.timeline)


def page_path(episode_id: str) -> str:
    """An episode's page relative to ``feed/`` (``episodes/<id>/index.html``)."""
    return f"episodes/{episode_id}/{INDEX_PAGE}"


def public_chapters(chapters: tuple[Chapter, ...], timeline: Timeline) -> tuple[Chapter, ...]:
    """Chapters on the published timeline: trimmed ones dropped, the first moved to 0 if needed."""
    out: list[Chapter] = []
    for chapter in chapters:
        if chapter.start >= timeline.end:
            continue
        start = round(timeline.clamp_to_public(chapter.start), 3)
        if out and start <= out[-1].start:
            out.pop()  # two chapters collapsed onto the trim start: keep the later one
        out.append(Chapter(start, chapter.title, chapter.url))
    if out and 0 < out[0].start <= timeline.intro:
        out[0] = Chapter(0.0, out[0].title, out[0].url)  # the intro belongs to the first chapter
    return tuple(out)


def public_redactions(
    redactions: tuple[Redaction, ...], timeline: Timeline
) -> tuple[Redaction, ...]:
    out = []
    for redaction in redactions:
        span = timeline.span_to_public(redaction.start, redaction.end)
        if span is not None:
            out.append(Redaction(span[0], span[1], redaction.reason))
    return tuple(out)


def state_path(state_dir: Path, session_id: str) -> Path:
    return state_dir / "state" / f"{session_id}.json"


def load_record(state_dir: Path, session_id: str) -> EpisodeRecord | None:
    """The last build's record of an episode, or ``None`` if absent or unreadable."""
    path = state_path(state_dir, session_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            return None
        return EpisodeRecord.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_record(state_dir: Path, record: EpisodeRecord) -> None:
    text = json.dumps(record.to_json(), indent=2, sort_keys=True, ensure_ascii=False)
    write_atomic(state_path(state_dir, record.id), (text + "\n").encode("utf-8"))


def remove_record(state_dir: Path, session_id: str) -> None:
    state_path(state_dir, session_id).unlink(missing_ok=True)


class PublicURLs:
    """The public URLs of a publication's files (see :class:`Publication`)."""

    site: SiteSettings
    artwork: str  # the show's artwork, relative to feed/
    episode_artwork: dict[str, str]  # id -> path in feed/

    def url(self, relpath: str) -> str:
        return str(self.site.url(relpath))

    def artwork_for(self, session_id: str) -> str:
        return self.episode_artwork.get(session_id, self.artwork)


@dataclass(frozen=True)
class Publication(PublicURLs):
    """Everything the feed, pages and catalogue are made from, with public URLs (the
    renderers get it through :func:`audioarchive.render.publication.public_view`)."""

    show: Show
    site: SiteSettings
    episodes: tuple[Episode, ...]  # built episodes, oldest first
    upcoming: tuple[Session, ...]  # sessions without a recording
    artwork: str  # the show's artwork, relative to feed/
    episode_artwork: dict[str, str] = field(default_factory=dict)  # id -> path in feed/
    image_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> (w, h) px
    machine_transcripts: dict[str, MachineTranscript] = field(default_factory=dict)  # by id
