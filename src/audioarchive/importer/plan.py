"""From a parsed feed to our files: the show, one session per item, names and keys.

Pure functions over :mod:`.feed`'s data: no network and no disk here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from audioarchive.common.text import slugify
from audioarchive.importer.feed import FeedChapter, FeedItem, FeedPerson, FeedShow
from audioarchive.importer.markdown import html_to_markdown
from audioarchive.metadata.categories import all_category_names
from audioarchive.metadata.session import AUDIO_EXTENSIONS, EMAIL, LANGUAGE, LICENSE, ROLES

log = logging.getLogger(__name__)

#: When the feed names no Apple category we know: the closest for public meetings.
DEFAULT_CATEGORY = "Government"
_TYPES = {
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
    "audio/x-m4a": ".m4a",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/flac": ".flac",
    "audio/x-flac": ".flac",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
}
_HOST_ROLES = ("host", "co-host")


@dataclass(frozen=True)
class PlannedSession:
    id: str
    item: FeedItem
    recording: str  # file name in recordings/<id>/


def show_data(show: FeedShow, artwork: str, notes: list[str]) -> dict[str, Any]:
    """``podcast.yaml``'s keys for the feed's channel (the warnings go to ``notes``)."""
    author = show.author or show.owner_name or show.title
    owner: dict[str, Any] = {"name": show.owner_name or author}
    if show.owner_email and EMAIL.fullmatch(show.owner_email):
        owner["email"] = show.owner_email
    data: dict[str, Any] = {
        "title": show.title[:255],
        "description": _fit(html_to_markdown(show.description_html) or show.title, 4000),
        "language": _language(show.language, notes),
        "author": author,
        "owner": owner,
        "artwork": artwork,
        "categories": _categories(show.categories, notes),
        "explicit": show.explicit,
        "type": show.type,
    }
    if show.license and LICENSE.fullmatch(show.license):
        data["license"] = show.license
    hosts = [_person(p) for p in show.persons if p.role in _HOST_ROLES and p.group == "cast"]
    if hosts:
        data["hosts"] = [
            {k: v for k, v in h.items() if k in ("name", "role", "url")} for h in hosts
        ]
    if show.website and urlsplit(show.website).scheme in ("http", "https"):
        data["website"] = show.website
    if show.copyright:
        data["copyright"] = show.copyright
    if show.locked is not None:
        data["locked"] = show.locked
    return data


def plan_sessions(
    show: FeedShow, known_guids: set[str], taken_ids: set[str]
) -> list[PlannedSession]:
    """A session for each item whose GUID is not in the workspace yet, oldest first."""
    planned = []
    taken = set(taken_ids)
    items = sorted(
        (i for i in show.items if i.guid not in known_guids),
        key=lambda i: i.date.timestamp() if i.date else 0.0,
    )
    for item in items:
        session_id = _unique(_session_id(item), taken)
        taken.add(session_id)
        planned.append(PlannedSession(session_id, item, recording_name(item)))
    return planned


def session_data(
    planned: PlannedSession,
    show: FeedShow,
    chapters: tuple[FeedChapter, ...],
    transcript: str | None,
) -> dict[str, Any]:
    """A session file's keys for one item."""
    item = planned.item
    hosts = {p.name.casefold() for p in show.persons if p.role in _HOST_ROLES}
    data: dict[str, Any] = {"id": planned.id, "guid": item.guid, "title": item.title[:255]}
    if item.date is not None:
        data["date"] = item.date.isoformat()
    if item.season is not None:
        data["season"] = item.season
    if item.episode is not None:
        data["episode"] = item.episode
    if item.episode_type != "full":
        data["episode_type"] = item.episode_type
    description = _fit(html_to_markdown(item.description_html), 20000)
    if description:
        data["description"] = description
    if item.location:
        venue: dict[str, Any] = {"name": item.location[:200]}
        if item.geo:
            venue["geo"] = f"{item.geo[0]},{item.geo[1]}"
        data["venue"] = venue
    speakers = [
        _person(p) for p in item.persons if p.group == "cast" and p.name.casefold() not in hosts
    ]
    if speakers:
        data["speakers"] = speakers
    data["recording"] = [planned.recording]
    data["trim"] = False  # the host's episode is already edited: keep every second
    kept = _increasing(chapters)
    if kept:
        data["chapters"] = [_chapter(c) for c in kept]
    if transcript:
        data["transcript"] = transcript
    if item.license and LICENSE.fullmatch(item.license) and item.license != show.license:
        data["license"] = item.license
    if item.explicit is not None and item.explicit != show.explicit:
        data["explicit"] = item.explicit
    return data


def recording_name(item: FeedItem) -> str:
    """The enclosure's file name, with an audio extension our build knows."""
    name = unquote(PurePosixPath(urlsplit(item.enclosure_url).path).name)
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-")[:100] or "episode"
    extension = f".{suffix.lower()}"
    if extension not in AUDIO_EXTENSIONS:
        extension = _TYPES.get(item.enclosure_type.split(";")[0].strip().lower(), ".mp3")
    return f"{stem}{extension}"


def _session_id(item: FeedItem) -> str:
    slug = slugify(item.title) or "episode"
    if item.date is None:
        return slug[:80].rstrip("-")
    return f"{item.date:%Y-%m-%d}-{slug}"[:80].rstrip("-")


def _unique(session_id: str, taken: set[str]) -> str:
    if session_id not in taken:
        return session_id
    number = 2
    while f"{session_id[:76]}-{number}" in taken:
        number += 1
    return f"{session_id[:76]}-{number}"


def _person(person: FeedPerson) -> dict[str, Any]:
    role = person.role if person.role in ROLES else "guest"
    out: dict[str, Any] = {"name": person.name[:200], "role": role}
    if person.url and urlsplit(person.url).scheme in ("http", "https"):
        out["url"] = person.url
    return out


def _chapter(chapter: FeedChapter) -> dict[str, Any]:
    out: dict[str, Any] = {"start": round(chapter.start, 3), "title": chapter.title[:255]}
    if chapter.url and urlsplit(chapter.url).scheme in ("http", "https"):
        out["url"] = chapter.url
    return out


def _increasing(chapters: tuple[FeedChapter, ...]) -> list[FeedChapter]:
    out: list[FeedChapter] = []
    for chapter in sorted(chapters, key=lambda c: c.start):
        if not out or chapter.start > out[-1].start:
            out.append(chapter)
    return out


def _language(value: str | None, notes: list[str]) -> str:
    code = (value or "").strip().replace("_", "-")
    lowered = code.split("-")[0].lower() + code[len(code.split("-")[0]) :]
    if LANGUAGE.fullmatch(lowered):
        return lowered
    notes.append(f'the feed\'s language "{value or ""}" is not a language code: set to "en"')
    return "en"


def _categories(names: tuple[str, ...], notes: list[str]) -> list[str]:
    valid = all_category_names()
    kept = [n for n in names if n in valid]
    for name in names:
        if name not in valid:
            notes.append(f'category "{name}" is not in Apple\'s list: left out')
    if not kept:
        notes.append(f'no Apple category in the feed: set to "{DEFAULT_CATEGORY}"')
        kept = [DEFAULT_CATEGORY]
    return kept


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
