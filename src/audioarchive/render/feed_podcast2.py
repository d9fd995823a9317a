"""feedgen extensions: the Podcasting 2.0 namespace, and Apple's tags as Apple wants them now.

Registered on a :class:`feedgen.feed.FeedGenerator` by :func:`register`, through
feedgen's own extension mechanism (``register_extension``), so that the feed is
still serialised by feedgen in one pass:

- ``fg.podcastindex`` / ``entry.podcastindex`` write the elements of
  ``xmlns:podcast="https://podcastindex.org/namespace/1.0"``
  (https://github.com/Podcastindex-org/podcast-namespace): ``guid``, ``locked``,
  ``license``, ``medium``, ``person``, ``season``, ``episode``, ``location``,
  ``chapters``, ``transcript``, ``alternateEnclosure`` with its ``source``;
  ``txt``, ``updateFrequency``, ``podroll`` and ``publisher`` (with their
  ``remoteItem``), ``image``.
- ``fg.apple`` / ``entry.apple`` write what feedgen 1.0 gets wrong in the iTunes
  namespace: ``itunes:explicit`` as ``true``/``false`` (feedgen only knows
  yes/no/clean) and ``itunes:owner`` without an e-mail address (feedgen refuses);
  and drop the clock-time ``lastBuildDate`` of a feed without episodes.

Only this module and :mod:`audioarchive.render.feed` import feedgen.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import feedgen.feed  # noqa: F401 (first: it imports lxml.etree, which feedgen.util uses)
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
#: The UUID the namespace defines for ``podcast:guid`` (docs/tags/guid.md).
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def podcast_guid(feed_url: str) -> str:
    """The ``podcast:guid`` of a feed: UUIDv5 of its URL without scheme and trailing slashes."""
    return str(uuid.uuid5(GUID_NAMESPACE, _SCHEME.sub("", feed_url.strip()).rstrip("/")))


def _p(name: str) -> str:
    return f"{{{PODCAST_NS}}}{name}"


def _i(name: str) -> str:
    return f"{{{ITUNES_NS}}}{name}"


def _attrs(element: Any, **attributes: str | None) -> None:
    """Set the attributes that have a value, in the order given (stable bytes)."""
    for key, value in attributes.items():
        if value is not None:
            element.attrib[key] = value


def _tag(parent: Any, tag: str, text: str | None = None, /, **attributes: str | None) -> Any:
    """A ``podcast:<tag>`` element under ``parent``: its attributes that have a value, in
    the order given, then its text."""
    element = xml_elem(_p(tag), parent)
    _attrs(element, **attributes)
    if text is not None:
        element.text = text
    return element


@dataclass(frozen=True)
class PersonTag:
    name: str
    role: str = "host"  # from the Podcast Taxonomy Project, lower case
    group: str = "cast"
    href: str | None = None
    img: str | None = None


@dataclass(frozen=True)
class LocationTag:
    name: str  # display value, at most 128 characters
    geo: str | None = None  # "geo:48.8697,2.3731" (RFC 5870)
    rel: str | None = None  # "subject" (default) or "creator"


@dataclass(frozen=True)
class TranscriptTag:
    url: str
    type: str  # "text/vtt", "application/x-subrip"...
    language: str | None = None
    rel: str | None = None  # "captions" when the file has time codes


@dataclass(frozen=True)
class AlternateEnclosureTag:
    url: str  # written as the one podcast:source
    type: str
    length: int
    bitrate: int | None = None  # bits per second
    title: str | None = None
    codecs: str | None = None
    default: bool = False


@dataclass(frozen=True)
class RemoteItemTag:
    feed_guid: str  # required by the namespace (remote-item.md)
    feed_url: str | None = None
    title: str | None = None
    medium: str | None = None  # "publisher" inside podcast:publisher


@dataclass(frozen=True)
class ImageTag:
    href: str
    width: int | None = None
    height: int | None = None
    type: str | None = None  # "image/jpeg", "image/png"
    aspect_ratio: str | None = None  # CSS syntax: "1/1"
    purpose: str | None = None  # space-separated tokens: "artwork"
    alt: str | None = None


@dataclass(frozen=True)
class UpdateFrequencyTag:
    text: str
    rrule: str | None = None
    dtstart: str | None = None  # ISO 8601
    complete: bool = False


def _write_remote_item(parent: Any, item: RemoteItemTag) -> None:
    _tag(
        parent,
        "remoteItem",
        feedGuid=item.feed_guid,
        feedUrl=item.feed_url,
        title=item.title,
        medium=item.medium,
    )


def _write_images(parent: Any, images: Sequence[ImageTag]) -> None:
    for image in images:
        _tag(
            parent,
            "image",
            href=image.href,
            alt=image.alt,
            **{"aspect-ratio": image.aspect_ratio},
            width=str(image.width) if image.width else None,
            height=str(image.height) if image.height else None,
            type=image.type,
            purpose=image.purpose,
        )


def _write_persons(parent: Any, persons: Sequence[PersonTag]) -> None:
    for person in persons:
        _tag(
            parent,
            "person",
            person.name,
            role=person.role,
            group=person.group,
            href=person.href,
            img=person.img,
        )


def _write_explicit(parent: Any, explicit: bool | None) -> None:
    if explicit is not None:
        xml_elem(_i("explicit"), parent).text = "true" if explicit else "false"


class PodcastIndexExtension(BaseExtension):  # type: ignore[misc]  # feedgen is untyped
    """Channel elements of the Podcasting 2.0 namespace."""

    def __init__(self) -> None:
        self._guid: str | None = None
        self._locked: tuple[bool, str | None] | None = None
        self._license: tuple[str, str | None] | None = None
        self._medium: str | None = None
        self._persons: list[PersonTag] = []
        self._txt: list[tuple[str, str | None]] = []
        self._update_frequency: UpdateFrequencyTag | None = None
        self._podroll: list[RemoteItemTag] = []
        self._publisher: RemoteItemTag | None = None
        self._images: list[ImageTag] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def txt(self, value: str, purpose: str | None = None) -> None:
        self._txt.append((value, purpose))

    def update_frequency(self, tag: UpdateFrequencyTag) -> None:
        self._update_frequency = tag

    def podroll(self, items: Sequence[RemoteItemTag]) -> None:
        self._podroll = list(items)

    def publisher(self, item: RemoteItemTag) -> None:
        self._publisher = item

    def image(self, image: ImageTag) -> None:
        self._images.append(image)

    def guid(self, value: str) -> None:
        self._guid = value

    def locked(self, locked: bool, owner: str | None = None) -> None:
        self._locked = (locked, owner)

    def license(self, identifier: str, url: str | None = None) -> None:
        self._license = (identifier, url)

    def medium(self, value: str) -> None:
        self._medium = value

    def person(self, person: PersonTag) -> None:
        self._persons.append(person)

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        if self._guid:
            _tag(channel, "guid", self._guid)
        if self._locked is not None:
            locked, owner = self._locked
            _tag(channel, "locked", "yes" if locked else "no", owner=owner)
        if self._license is not None:
            identifier, url = self._license
            _tag(channel, "license", identifier, url=url)
        if self._medium:
            _tag(channel, "medium", self._medium)
        _write_persons(channel, self._persons)
        _write_images(channel, self._images)
        for value, purpose in self._txt:
            _tag(channel, "txt", value, purpose=purpose)
        frequency = self._update_frequency
        if frequency is not None:
            _tag(
                channel,
                "updateFrequency",
                frequency.text,
                complete="true" if frequency.complete else None,
                dtstart=frequency.dtstart,
                rrule=frequency.rrule,
            )
        if self._podroll:
            podroll = _tag(channel, "podroll")
            for item in self._podroll:
                _write_remote_item(podroll, item)
        if self._publisher is not None:
            _write_remote_item(_tag(channel, "publisher"), self._publisher)
        return rss_feed


class PodcastIndexEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Item elements of the Podcasting 2.0 namespace."""

    def __init__(self) -> None:
        self._season: tuple[int, str | None] | None = None
        self._episode: int | None = None
        self._license: tuple[str, str | None] | None = None
        self._persons: list[PersonTag] = []
        self._locations: list[LocationTag] = []
        self._chapters: tuple[str, str] | None = None
        self._transcripts: list[TranscriptTag] = []
        self._alternates: list[AlternateEnclosureTag] = []
        self._images: list[ImageTag] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def season(self, number: int, name: str | None = None) -> None:
        self._season = (number, name)

    def episode(self, number: int) -> None:
        self._episode = number

    def license(self, identifier: str, url: str | None = None) -> None:
        self._license = (identifier, url)

    def person(self, person: PersonTag) -> None:
        self._persons.append(person)

    def location(self, location: LocationTag) -> None:
        self._locations.append(location)

    def chapters(self, url: str, media_type: str = "application/json+chapters") -> None:
        self._chapters = (url, media_type)

    def transcript(self, transcript: TranscriptTag) -> None:
        self._transcripts.append(transcript)

    def alternate_enclosure(self, alternate: AlternateEnclosureTag) -> None:
        self._alternates.append(alternate)

    def image(self, image: ImageTag) -> None:
        self._images.append(image)

    def extend_rss(self, entry: Any) -> Any:
        if self._season is not None:
            number, name = self._season
            _tag(entry, "season", str(number), name=name)
        if self._episode is not None:
            _tag(entry, "episode", str(self._episode))
        if self._license is not None:
            identifier, url = self._license
            _tag(entry, "license", identifier, url=url)
        _write_persons(entry, self._persons)
        for location in self._locations:
            _tag(entry, "location", location.name, rel=location.rel, geo=location.geo)
        if self._chapters is not None:
            url, media_type = self._chapters
            _tag(entry, "chapters", url=url, type=media_type)
        for transcript in self._transcripts:
            _tag(
                entry,
                "transcript",
                url=transcript.url,
                type=transcript.type,
                language=transcript.language,
                rel=transcript.rel,
            )
        for alternate in self._alternates:
            element = _tag(
                entry,
                "alternateEnclosure",
                type=alternate.type,
                length=str(alternate.length),
                bitrate=str(alternate.bitrate) if alternate.bitrate else None,
                title=alternate.title,
                codecs=alternate.codecs,
                default="true" if alternate.default else None,
            )
            _tag(element, "source", uri=alternate.url)
        _write_images(entry, self._images)
        return entry


class AppleExtension(BaseExtension):  # type: ignore[misc]
    """``itunes:explicit`` as true/false, ``itunes:owner`` with an optional e-mail address;
    and no ``lastBuildDate`` when there is nothing to date (feedgen would write the clock's
    time, and the bytes would change at every build)."""

    def __init__(self) -> None:
        self._explicit: bool | None = None
        self._owner: tuple[str, str | None] | None = None
        self._omit_last_build_date = False

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def explicit(self, value: bool) -> None:
        self._explicit = value

    def owner(self, name: str, email: str | None = None) -> None:
        self._owner = (name, email)

    def omit_last_build_date(self) -> None:
        self._omit_last_build_date = True

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        if self._omit_last_build_date:
            for element in channel.findall("lastBuildDate"):
                channel.remove(element)
        if self._owner is not None:
            name, email = self._owner
            owner = xml_elem(_i("owner"), channel)
            xml_elem(_i("name"), owner).text = name
            if email:
                xml_elem(_i("email"), owner).text = email
        _write_explicit(channel, self._explicit)
        return rss_feed


class AppleEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """``itunes:explicit`` of an item as true/false."""

    def __init__(self) -> None:
        self._explicit: bool | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def explicit(self, value: bool) -> None:
        self._explicit = value

    def extend_rss(self, entry: Any) -> Any:
        _write_explicit(entry, self._explicit)
        return entry


def register(fg: Any) -> None:
    """Register both extensions on a feed generator, before any entry is added."""
    fg.register_extension("apple", AppleExtension, AppleEntryExtension)
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension)
