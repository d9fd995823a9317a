"""The catalogue files (browsing and searching are in :mod:`audioarchive.inspect.browse`).

- :func:`render_catalog`: ``feed/catalog.json`` and ``feed/catalog.csv`` from the public
  view (:mod:`audioarchive.render.publication`: speakers who may not be named are out of it);
- :func:`full_entry`: everything known about one session, for ``show``, the sidecars and
  ``archive/catalog.json`` (private: it names every speaker, flagged).

Times in JSON are seconds (floats, millisecond precision).
"""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

from audioarchive.common.jsontext import dumps_indented
from audioarchive.common.text import markdown_to_text
from audioarchive.config import SiteSettings
from audioarchive.metadata.episode import (
    INDEX_PAGE,
    EpisodeRecord,
    OutputFile,
    SourceFile,
    page_path,
    public_chapters,
)
from audioarchive.metadata.licenses import license_url
from audioarchive.metadata.session import Person, Session, Show, Venue
from audioarchive.render.publication import PublicEpisode, PublicView

log = logging.getLogger(__name__)

CATALOG_VERSION = 1
CSV_COLUMNS = (
    "id",
    "date",
    "season",
    "episode",
    "title",
    "speakers",
    "topics",
    "venue",
    "duration_seconds",
    "page_url",
    "audio_url",
    "audio_size",
    "audio_sha256",
    "license",
    "description",
)


# --- everything about one session ----------------------------------------------------------


def full_entry(
    show: Show, session: Session, record: EpisodeRecord | None, site: SiteSettings
) -> dict[str, Any]:
    """The private record of a session: every speaker (flagged), sources, masters, loudness."""
    data = _session_fields(show, session)
    data["page_url"] = site.url(page_path(session.id)) if record else None
    published = published_chapter_starts(session, record)
    data["chapters"] = [
        {"start": round(c.start, 3), "published_start": p, "title": c.title, "url": c.url}
        for c, p in zip(session.chapters, published, strict=True)
    ]
    data["redactions"] = [
        {"start": round(r.start, 3), "end": round(r.end, 3), "reason": r.reason}
        for r in session.redactions
    ]
    if record is not None:
        data.update(_build_fields(session, record, site))
    return data


def _heading(session: Session) -> dict[str, Any]:
    """The fields that name a session, first in every entry, public or private."""
    return {
        "id": session.id,
        "title": session.title,
        "date": session.date.isoformat() if session.date else None,
        "season": session.season,
        "episode": session.episode,
    }


def _session_fields(show: Show, session: Session) -> dict[str, Any]:
    """What the session file says, as written (private: every speaker, flagged)."""
    license_ = session.license or show.license
    return {
        **_heading(session),
        "episode_type": session.episode_type,
        "description": session.description,
        "venue": _venue(session.venue),
        "speakers": [_speaker(s, private=True) for s in session.speakers],
        "topics": list(session.topics),
        "resources": [{"title": r.title, "url": r.url} for r in session.resources],
        "license": license_,
        "license_url": license_url(license_),
        "explicit": session.explicit if session.explicit is not None else show.explicit,
        "recording": [f"recordings/{session.id}/{p.name}" for p in session.recording],
        "transcript": (
            f"recordings/{session.id}/{session.transcript.name}" if session.transcript else None
        ),
    }


def _build_fields(session: Session, record: EpisodeRecord, site: SiteSettings) -> dict[str, Any]:
    """What the build made of it: durations, timeline, public files, master, sources."""
    timeline = record.timeline
    data: dict[str, Any] = {
        "duration": round(timeline.duration, 3),
        "durations": {
            "recording": round(sum(s.duration for s in record.sources), 3),
            "published": round(timeline.duration, 3),
            "kept": round(timeline.kept, 3),
            "intro": round(timeline.intro, 3),
            "outro": round(timeline.outro, 3),
        },
        "timeline": timeline.as_dict(),
        "files": [_file(m, f"feed/{m.path}", site.url(m.path)) for m in record.media],
    }
    if record.master:
        data["master"] = _file(record.master, f"archive/{record.master.path}")
    data["sources"] = [_source(session, s) for s in record.sources]
    data["loudness"] = record.loudness
    data["processing"] = record.processing
    return data


def _file(output: OutputFile, path: str, url: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"format": output.format, "path": path}
    if url is not None:
        data["url"] = url
    data.update(size=output.size, sha256=output.sha256, type=output.media_type)
    return data


def _source(session: Session, source: SourceFile) -> dict[str, Any]:
    return {
        "path": f"recordings/{session.id}/{source.name}",
        "size": source.size,
        "sha256": source.sha256,
        "duration": round(source.duration, 3),
        "sample_rate": source.sample_rate,
        "channels": source.channels,
        "codec": source.codec,
    }


def published_chapter_starts(session: Session, record: EpisodeRecord | None) -> list[float | None]:
    """Where each chapter starts on the published episode (as in its tags and feed), or
    ``None`` for a chapter that was trimmed away or merged with the next one."""
    if record is None:
        return [None] * len(session.chapters)
    published = list(public_chapters(session.chapters, record.timeline))
    out: list[float | None] = []
    for chapter in session.chapters:
        if published and (published[0].title, published[0].url) == (chapter.title, chapter.url):
            out.append(round(published.pop(0).start, 3))
        else:
            out.append(None)
    return out


def public_time(timeline: Any, raw: float) -> float | None:
    if timeline is None:
        return None
    public = timeline.to_public(raw)
    return round(public, 3) if public is not None else None


def _venue(venue: Venue | None) -> dict[str, Any] | None:
    if venue is None:
        return None
    return {
        "name": venue.name,
        "address": venue.address,
        "geo": list(venue.geo) if venue.geo else None,
        "url": venue.url,
    }


def _speaker(person: Person, *, private: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": person.name,
        "role": person.role,
        "affiliation": person.affiliation,
        "url": person.url,
    }
    if private:
        data["publish_name"] = person.publish_name
    return data


# --- the public catalogue -------------------------------------------------------------------


def render_catalog(publication: PublicView) -> dict[str, bytes]:
    """``catalog.json`` and ``catalog.csv`` for ``feed/``: public fields only."""
    data = public_catalog(publication)
    text = dumps_indented(data) + "\n"  # json.dumps(indent=2), faster
    return {
        "catalog.json": text.encode("utf-8"),
        "catalog.csv": _catalog_csv(publication).encode("utf-8"),
    }


def public_catalog(publication: PublicView) -> dict[str, Any]:
    show = publication.show
    return {
        "catalog_version": CATALOG_VERSION,
        "show": {
            "title": show.title,
            "description": markdown_to_text(show.description),
            "author": show.author,
            "language": show.language,
            "license": show.license,
            "license_url": license_url(show.license),
            "copyright": show.copyright,
            "website": show.website,
            "feed_url": publication.site.feed_url,
            "site_url": publication.url(INDEX_PAGE),
            "artwork_url": publication.url(publication.artwork),
        },
        "episodes": [public_entry(e, publication) for e in publication.episodes],
        "upcoming": [_public_upcoming(s) for s in publication.upcoming],
    }


def public_entry(episode: PublicEpisode, publication: PublicView) -> dict[str, Any]:
    """One episode as anyone may read it: no unpublishable name, no private file."""
    session, record = episode.session, episode.record
    license_ = session.license or publication.show.license
    output = record.loudness.get("output") if isinstance(record.loudness, dict) else None
    return {
        **_heading(session),
        "episode_type": session.episode_type,
        "description": markdown_to_text(session.description),
        "speakers": [_speaker(s, private=False) for s in session.speakers],
        "topics": list(session.topics),
        "venue": _venue(session.venue),
        "duration": round(episode.duration, 3),
        "page_url": publication.url(episode.page_path),
        "artwork_url": publication.url(publication.artwork_for(session.id)),
        "license": license_,
        "license_url": license_url(license_),
        "audio": [
            {
                "format": m.format,
                "url": publication.url(m.path),
                "type": m.media_type,
                "size": m.size,
                "sha256": m.sha256,
            }
            for m in record.media
        ],
        "chapters": [
            {"start": round(c.start, 3), "title": c.title, "url": c.url}
            for c in public_chapters(session.chapters, record.timeline)
        ],
        "resources": [{"title": r.title, "url": r.url} for r in session.resources],
        "loudness": dict(output) if isinstance(output, dict) else None,
    }


def _public_upcoming(session: Session) -> dict[str, Any]:
    return {
        **_heading(session),
        "description": markdown_to_text(session.description),
        "speakers": [_speaker(s, private=False) for s in session.speakers],
        "topics": list(session.topics),
        "venue": _venue(session.venue),
    }


def _catalog_csv(publication: PublicView) -> str:
    """One row per episode, RFC 4180 (UTF-8, CRLF); lists joined with "; "."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for episode in publication.episodes:
        session, media = episode.session, episode.enclosure
        venue = session.venue
        writer.writerow(
            [
                session.id,
                session.date.isoformat() if session.date else "",
                session.season or "",
                session.episode or "",
                session.title,
                "; ".join(s.name for s in session.speakers),
                "; ".join(session.topics),
                ", ".join(x for x in (venue.name, venue.address) if x) if venue else "",
                f"{episode.duration:.3f}",
                publication.url(episode.page_path),
                publication.url(media.path),
                media.size,
                media.sha256,
                session.license or publication.show.license or "",
                markdown_to_text(session.description),
            ]
        )
    return buffer.getvalue()
