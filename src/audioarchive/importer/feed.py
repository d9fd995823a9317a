"""Reading an existing podcast feed: RSS 2.0 with Apple's and the Podcasting 2.0 tags.

The XML comes from elsewhere, so it is parsed with defusedxml (no DTD entities, no
external entities, no network). The result is plain data (:class:`FeedShow`,
:class:`FeedItem`); turning it into our files is :mod:`.write`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from audioarchive.errors import InputError

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
PODCAST_OLD = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
PSC = "http://podlove.org/simple-chapters"
ATOM = "http://www.w3.org/2005/Atom"

_TZ_NAMES = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "CET": 1,
    "CEST": 2,
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "janv", "janvier", "january"),
            ("feb", "fev", "fév", "février", "fevrier", "february"),
            ("mar", "mars", "march"),
            ("apr", "avr", "avril", "april"),
            ("may", "mai"),
            ("jun", "juin", "june"),
            ("jul", "juil", "juillet", "july"),
            ("aug", "aou", "aoû", "août", "august"),
            ("sep", "sept", "septembre", "september"),
            ("oct", "octobre", "october"),
            ("nov", "novembre", "november"),
            ("dec", "déc", "décembre", "december"),
        ),
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class FeedPerson:
    name: str
    role: str = "guest"
    group: str = "cast"
    url: str | None = None


@dataclass(frozen=True)
class FeedChapter:
    start: float
    title: str
    url: str | None = None


@dataclass(frozen=True)
class FeedItem:
    guid: str  # the item's guid, or its enclosure URL when it has none (what apps use then)
    title: str
    enclosure_url: str
    enclosure_type: str
    enclosure_length: int | None  # as announced (None: missing or 0)
    date: datetime | None = None
    description_html: str = ""
    season: int | None = None
    episode: int | None = None
    episode_type: str = "full"
    explicit: bool | None = None
    chapters_url: str | None = None  # podcast:chapters (JSON)
    chapters: tuple[FeedChapter, ...] = ()  # Podlove Simple Chapters, inline
    transcripts: tuple[tuple[str, str], ...] = ()  # (url, type)
    persons: tuple[FeedPerson, ...] = ()
    location: str | None = None
    geo: tuple[float, float] | None = None
    license: str | None = None
    image: str | None = None


@dataclass(frozen=True)
class FeedShow:
    title: str
    description_html: str
    language: str | None
    author: str | None
    owner_name: str | None
    owner_email: str | None
    image: str | None
    categories: tuple[str, ...]
    explicit: bool = False
    podcast_guid: str | None = None
    license: str | None = None
    locked: bool | None = None
    type: str = "episodic"
    website: str | None = None
    copyright: str | None = None
    new_feed_url: str | None = None
    self_url: str | None = None  # atom:link rel="self": the address the host gives its feed
    persons: tuple[FeedPerson, ...] = ()
    items: tuple[FeedItem, ...] = field(default_factory=tuple)


def parse_feed(data: bytes, label: str) -> FeedShow:
    """Parse the bytes of a podcast feed; ``label`` names it in errors (URL or file)."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=False)
    except DefusedXmlException as err:
        raise InputError(
            f"{label}: declares XML entities ({type(err).__name__}), which are refused: they "
            "can read local files or exhaust memory; expected an RSS 2.0 podcast feed"
        ) from err
    except ParseError as err:
        raise InputError(
            f"{label}: not a well-formed XML feed ({err}); expected an RSS 2.0 podcast feed",
            hint="check the address: it should be the feed itself (often ending in /feed or .xml)",
        ) from err
    channel = root.find("channel")
    if _local(root.tag) != "rss" or channel is None:
        raise InputError(
            f"{label}: found <{_local(root.tag)}>, not an RSS 2.0 feed; expected <rss><channel>",
            hint="audioarchive imports podcast feeds (RSS 2.0); Atom feeds are not podcast feeds",
        )
    items = tuple(i for i in (_item(e) for e in channel.findall("item")) if i is not None)
    title = _text(channel, "title")
    if not title:
        raise InputError(f"{label}: the channel has no <title>; expected a podcast feed")
    owner = channel.find(f"{{{ITUNES}}}owner")
    return FeedShow(
        title=title,
        description_html=_text(channel, f"{{{ITUNES}}}summary")
        if not _text(channel, "description")
        else _text(channel, "description"),
        language=_text(channel, "language") or None,
        author=_text(channel, f"{{{ITUNES}}}author") or None,
        owner_name=_text(owner, f"{{{ITUNES}}}name") or None if owner is not None else None,
        owner_email=_text(owner, f"{{{ITUNES}}}email") or None if owner is not None else None,
        image=_image(channel),
        categories=_categories(channel),
        explicit=bool(_explicit(_text(channel, f"{{{ITUNES}}}explicit"))),
        podcast_guid=_podcast(channel, "guid") or None,
        license=_podcast(channel, "license") or None,
        locked=_yes_no(_podcast(channel, "locked")),
        type="serial" if _text(channel, f"{{{ITUNES}}}type").lower() == "serial" else "episodic",
        website=_text(channel, "link") or None,
        copyright=_text(channel, "copyright") or None,
        new_feed_url=_text(channel, f"{{{ITUNES}}}new-feed-url") or None,
        self_url=next(
            (
                (link.get("href") or "").strip() or None
                for link in channel.findall(f"{{{ATOM}}}link")
                if link.get("rel") == "self"
            ),
            None,
        ),
        persons=_persons(channel),
        items=items,
    )


# --- items ------------------------------------------------------------------------------------


def _item(item: Element) -> FeedItem | None:
    enclosure = item.find("enclosure")
    url = (enclosure.get("url") or "").strip() if enclosure is not None else ""
    if enclosure is None or not url:
        return None  # not an episode (a text post): nothing to publish
    length = (enclosure.get("length") or "").strip()
    guid = _text(item, "guid") or url
    geo, location = _location(item)
    content = _text(item, f"{{{CONTENT}}}encoded")
    description = _text(item, "description") or _text(item, f"{{{ITUNES}}}summary")
    chapters = _podcast_element(item, "chapters")
    return FeedItem(
        guid=guid,
        title=_text(item, "title") or _text(item, f"{{{ITUNES}}}title") or guid,
        enclosure_url=url,
        enclosure_type=(enclosure.get("type") or "").strip(),
        enclosure_length=int(length) if length.isdigit() and int(length) > 0 else None,
        date=parse_date(_text(item, "pubDate")),
        description_html=content if len(content) >= len(description) else description,
        season=_number(_text(item, f"{{{ITUNES}}}season") or _podcast(item, "season")),
        episode=_number(_text(item, f"{{{ITUNES}}}episode") or _podcast(item, "episode")),
        episode_type=_episode_type(_text(item, f"{{{ITUNES}}}episodeType")),
        explicit=_explicit(_text(item, f"{{{ITUNES}}}explicit")),
        chapters_url=chapters.get("url") if chapters is not None else None,
        chapters=_simple_chapters(item),
        transcripts=tuple(
            (t.get("url", ""), t.get("type", "")) for t in _podcast_all(item, "transcript")
        ),
        persons=_persons(item),
        location=location,
        geo=geo,
        license=_podcast(item, "license") or None,
        image=_image(item),
    )


def _simple_chapters(item: Element) -> tuple[FeedChapter, ...]:
    block = item.find(f"{{{PSC}}}chapters")
    if block is None:
        return ()
    out = []
    for chapter in block.findall(f"{{{PSC}}}chapter"):
        start = parse_time(chapter.get("start", ""))
        title = (chapter.get("title") or "").strip()
        if start is not None and title:
            out.append(FeedChapter(start, title, (chapter.get("href") or "").strip() or None))
    return tuple(out)


def _location(item: Element) -> tuple[tuple[float, float] | None, str | None]:
    element = _podcast_element(item, "location")
    if element is None:
        return None, None
    name = (element.text or "").strip() or None
    match = re.fullmatch(
        r"geo:(-?[\d.]+),(-?[\d.]+)(?:[,;].*)?", (element.get("geo") or "").strip()
    )
    geo = (float(match.group(1)), float(match.group(2))) if match else None
    if geo and not (-90 <= geo[0] <= 90 and -180 <= geo[1] <= 180):
        geo = None
    return geo, name


def _persons(parent: Element) -> tuple[FeedPerson, ...]:
    out = []
    for element in _podcast_all(parent, "person"):
        name = (element.text or "").strip()
        if name:
            out.append(
                FeedPerson(
                    name=name,
                    role=(element.get("role") or "guest").strip().lower(),
                    group=(element.get("group") or "cast").strip().lower(),
                    url=(element.get("href") or "").strip() or None,
                )
            )
    return tuple(out)


# --- values -----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(parent: Element | None, tag: str) -> str:
    if parent is None:
        return ""
    element = parent.find(tag)
    return (element.text or "").strip() if element is not None else ""


def _podcast_element(parent: Element, name: str) -> Element | None:
    found = parent.find(f"{{{PODCAST}}}{name}")
    return found if found is not None else parent.find(f"{{{PODCAST_OLD}}}{name}")


def _podcast_all(parent: Element, name: str) -> list[Element]:
    return parent.findall(f"{{{PODCAST}}}{name}") + parent.findall(f"{{{PODCAST_OLD}}}{name}")


def _podcast(parent: Element, name: str) -> str:
    element = _podcast_element(parent, name)
    return (element.text or "").strip() if element is not None else ""


def _image(parent: Element) -> str | None:
    itunes = parent.find(f"{{{ITUNES}}}image")
    if itunes is not None and (itunes.get("href") or "").strip():
        return (itunes.get("href") or "").strip()
    return _text(parent.find("image"), "url") or None


def _categories(channel: Element) -> tuple[str, ...]:
    out: list[str] = []
    for parent in channel.findall(f"{{{ITUNES}}}category"):
        name = (parent.get("text") or "").strip()
        children = [(c.get("text") or "").strip() for c in parent.findall(f"{{{ITUNES}}}category")]
        out.extend(f"{name} > {child}" for child in children if child)
        if name and not any(children):
            out.append(name)
    return tuple(dict.fromkeys(out))


def _explicit(value: str) -> bool | None:
    value = value.strip().lower()
    if value in ("yes", "true", "explicit"):
        return True
    if value in ("no", "false", "clean"):
        return False
    return None


def _yes_no(value: str) -> bool | None:
    value = value.strip().lower()
    return True if value == "yes" else False if value == "no" else None


def _episode_type(value: str) -> str:
    value = value.strip().lower()
    return value if value in ("full", "trailer", "bonus") else "full"


def _number(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and int(value) >= 1 else None


def parse_time(value: str) -> float | None:
    """``HH:MM:SS(.mmm)``, ``MM:SS`` or seconds, as Podlove Simple Chapters write them."""
    value = value.strip()
    try:
        seconds = 0.0
        for part in value.split(":"):
            seconds = seconds * 60 + float(part)
    except ValueError:
        return None
    return seconds if value and seconds >= 0 else None


def parse_date(value: str) -> datetime | None:
    """An RSS date as hosts write them: RFC 822 with a numeric or named zone, a two-digit
    year, no weekday, no seconds, a French month name, or ISO 8601. Without a zone: UTC."""
    value = " ".join(value.split())
    if not value:
        return None
    zone = value.rpartition(" ")[2]
    if zone.upper() in _TZ_NAMES:  # named zones the email module does not know (CET, CEST)
        hours = _TZ_NAMES[zone.upper()]
        value = f"{value[: -len(zone)]}{'-' if hours < 0 else '+'}{abs(hours):02d}00"
    try:
        found = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        found = None
    if found is not None:
        return found if found.tzinfo else found.replace(tzinfo=UTC)
    try:
        iso = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return _loose_date(value)
    return iso if iso.tzinfo else iso.replace(tzinfo=UTC)


def _loose_date(value: str) -> datetime | None:
    match = re.fullmatch(
        r"(?:\w+\.?,?\s+)?(\d{1,2})\s+(\w+)\.?\s+(\d{2,4})"
        r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*([A-Za-z]+|[+-]\d{4})?",
        value,
    )
    if not match:
        return None
    day, month_name, year, hour, minute, second, zone = match.groups()
    month = _MONTHS.get(month_name.lower().rstrip("."))
    if month is None:
        return None
    year_number = int(year) + (2000 if len(year) == 2 else 0)
    offset = timedelta(0)
    if zone and zone[0] in "+-":
        sign = -1 if zone[0] == "-" else 1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
    elif zone:
        offset = timedelta(hours=_TZ_NAMES.get(zone.upper(), 0))
    try:
        return datetime(
            year_number,
            month,
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None
