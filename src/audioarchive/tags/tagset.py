"""What the tags of an output file say: a :class:`TagSet` of logical fields, made from a session.

:func:`episode_tags` (public MP3/Opus) and :func:`master_tags` (the FLAC master, whose
timeline is the raw recording) turn a session into a :class:`TagSet`;
:meth:`TagSet.values` gives each field of :data:`~audioarchive.tags.fields.FIELDS` that has
a value, for the writers.

Privacy: a speaker with ``publish_name: false`` is in no tag of any file, masters
included (masters may be shared with researchers); the private sidecar in ``archive/``
is the only place that names them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from audioarchive.common.text import markdown_to_text
from audioarchive.metadata.episode import SourceFile, public_chapters
from audioarchive.metadata.licenses import license_url
from audioarchive.metadata.session import Chapter, Session, Show
from audioarchive.metadata.timeline import Timeline
from audioarchive.tags.artwork import prepare_artwork
from audioarchive.tags.fields import FieldValue

FileKind = Literal["episode", "master"]


@dataclass(frozen=True)
class ChapterMark:
    start: float  # seconds on the file's own timeline
    end: float
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Cover:
    data: bytes
    mime: str  # image/png or image/jpeg

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class TagSet:
    """The logical fields written into one output file (see :data:`FIELDS`)."""

    title: str
    show: str
    album_artist: str
    session_id: str
    kind: FileKind = "episode"
    artists: tuple[str, ...] = ()  # publishable speakers only
    speakers: tuple[str, ...] = ()  # "Name (role, affiliation)", publishable only
    episode: int | None = None
    season: int | None = None
    date: datetime | None = None
    description: str = ""
    genre: str = "Podcast"
    url: str | None = None  # the episode's page
    feed_url: str | None = None
    license: str | None = None  # SPDX id
    license_url: str | None = None
    copyright: str | None = None
    publisher: str | None = None
    language: str | None = None
    topics: tuple[str, ...] = ()
    venue: str | None = None
    venue_geo: str | None = None
    category: str | None = None
    chapters: tuple[ChapterMark, ...] = ()
    cover: Cover | None = None
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # free keys

    def fingerprint(self) -> str:
        data = asdict(self)
        data["cover"] = self.cover.sha256 if self.cover else None
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def values(self) -> dict[str, FieldValue]:
        """Every field of :data:`~audioarchive.tags.fields.FIELDS` that has a value, by name:
        strings for text fields (blank ones left out), a number, or a date."""
        texts: dict[str, tuple[str, ...]] = {
            "title": (self.title,),
            "show": (self.show,),
            "album_artist": (self.album_artist,),
            "artists": self.artists,
            "speakers": self.speakers,
            "genre": (self.genre,),
            "copyright": _opt(self.copyright),
            "publisher": _opt(self.publisher),
            "language": _opt(self.language),
            "license": _opt(self.license),
            "session_id": (self.session_id,),
            "kind": (self.kind,),
            "topics": self.topics,
            "venue": _opt(self.venue),
            "venue_geo": _opt(self.venue_geo),
            "category": _opt(self.category),
            "description": _opt(self.description),
            "url": _opt(self.url),
            "feed_url": _opt(self.feed_url),
            "license_url": _opt(self.license_url),
        }
        values: dict[str, FieldValue] = {
            name: tuple(v for v in vals if v) for name, vals in texts.items() if any(vals)
        }
        numbers = {"episode": self.episode, "season": self.season}
        values.update({name: n for name, n in numbers.items() if n is not None})
        if self.date is not None:
            values["date"] = values["date_iso"] = self.date
        return values


def _opt(value: str | None) -> tuple[str, ...]:
    return (value,) if value else ()


LOUDNESS_KEYS = {
    "integrated_lufs": "LOUDNESS_INTEGRATED_LUFS",
    "true_peak_dbtp": "LOUDNESS_TRUE_PEAK_DBTP",
    "loudness_range_lu": "LOUDNESS_RANGE_LU",
}


def episode_tags(
    show: Show,
    session: Session,
    timeline: Timeline,
    *,
    page_url: str | None = None,
    feed_url: str | None = None,
    loudness: Mapping[str, Any] | None = None,
) -> TagSet:
    """The tags of a public episode (MP3, Opus): chapters on the published timeline."""
    chapters = public_chapters(session.chapters, timeline)
    extra = loudness_tags(loudness, "output")
    return replace(
        _common(show, session, page_url, feed_url),
        kind="episode",
        chapters=_marks(chapters, timeline.duration),
        extra=tuple(sorted(extra.items())),
    )


def master_tags(
    show: Show,
    session: Session,
    timeline: Timeline,
    sources: Sequence[SourceFile],
    *,
    page_url: str | None = None,
    feed_url: str | None = None,
    loudness: Mapping[str, Any] | None = None,
) -> TagSet:
    """The tags of the master: the joined raw recording, so chapters at their raw times,
    which part was published, which parts were silenced in public, and its sources."""
    duration = sum(s.duration for s in sources)
    extra = loudness_tags(loudness, "input")
    extra["PUBLISHED_RANGE"] = f"{timeline.start:.3f}-{timeline.end:.3f}"
    if session.redactions:
        extra["REDACTED_IN_PUBLIC"] = "; ".join(
            f"{r.start:.3f}-{r.end:.3f}" for r in session.redactions
        )
    extra["SOURCE_FILES"] = "; ".join(s.name for s in sources)
    extra["SOURCE_SHA256"] = "; ".join(s.sha256 for s in sources)
    raw_chapters = tuple(c for c in session.chapters if c.start < duration)
    return replace(
        _common(show, session, page_url, feed_url),
        kind="master",
        chapters=_marks(raw_chapters, duration),
        extra=tuple(sorted(extra.items())),
    )


def loudness_tags(loudness: Mapping[str, Any] | None, which: str) -> dict[str, str]:
    """Free tags with the loudness figures of the file (``output``) or the source (``input``)."""
    figures = (loudness or {}).get(which)
    if not isinstance(figures, Mapping):
        return {}
    return {
        tag: str(figures[key]) for key, tag in LOUDNESS_KEYS.items() if figures.get(key) is not None
    }


def _common(show: Show, session: Session, page_url: str | None, feed_url: str | None) -> TagSet:
    speakers = session.public_speakers
    license_ = session.license or show.license
    copyright_ = show.copyright
    if copyright_ is None and session.date is not None:
        copyright_ = f"{session.date.year} {show.author}"  # ID3: "a year and a space"
    venue = session.venue
    artwork = prepare_artwork(session.artwork or show.artwork)
    return TagSet(
        title=session.title,
        show=show.title,
        album_artist=show.author,
        session_id=session.id,
        artists=tuple(s.name for s in speakers),
        speakers=tuple(
            f"{s.name} ({', '.join(x for x in (s.role, s.affiliation) if x)})" for s in speakers
        ),
        episode=session.episode,
        season=session.season,
        date=session.date,
        description=markdown_to_text(session.description),
        url=page_url,
        feed_url=feed_url,
        license=license_,
        license_url=license_url(license_),
        copyright=copyright_,
        publisher=show.owner.name,
        language=show.language,
        topics=session.topics,
        venue=", ".join(x for x in (venue.name, venue.address) if x) if venue else None,
        venue_geo=f"{venue.geo[0]},{venue.geo[1]}" if venue and venue.geo else None,
        category=show.categories[0] if show.categories else None,
        cover=Cover(artwork.data, artwork.mime),
    )


def _marks(chapters: Sequence[Chapter], duration: float) -> tuple[ChapterMark, ...]:
    return tuple(
        ChapterMark(
            c.start,
            chapters[i + 1].start if i + 1 < len(chapters) else duration,
            c.title,
            c.url,
        )
        for i, c in enumerate(chapters)
    )
