"""Stage 3, feed: the podcast feed and the files it points to besides the media.

:func:`render_feed` returns ``{path in feed/: bytes}``; the pipeline writes them:

- ``feed.xml``: RSS 2.0 with Apple's iTunes namespace and the Podcasting 2.0
  namespace (:mod:`audioarchive.render.feed_podcast2`), built with feedgen;
- ``episodes/<id>/chapters.json``: JSON chapters, version 1.2, when the session
  has chapters;
- ``episodes/<id>/transcript.vtt`` and ``transcript.srt``: the public transcript
  (times on the published timeline, redacted lines removed, withheld names
  replaced), when the session has one.

The output is deterministic: with nothing changed, the bytes are the same.
``lastBuildDate`` is the newest episode's date, so it moves only when an episode
is added (never with the clock). It is made from the public view
(:mod:`audioarchive.render.publication`): a speaker marked ``publish_name: false`` is
already out of it, so in no ``podcast:person``, description, chapter or transcript.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit, urlunsplit

from feedgen.feed import FeedGenerator  # first: feedgen.util needs lxml.etree loaded

from audioarchive._version import __version__
from audioarchive.common.formats import coordinate, map_link
from audioarchive.common.text import markdown_to_html, markdown_to_text
from audioarchive.errors import FeedError
from audioarchive.metadata.episode import INDEX_PAGE, OutputFile
from audioarchive.metadata.feedmeta import RemoteFeed
from audioarchive.metadata.licenses import license_url
from audioarchive.metadata.session import Person, Session, Show, Venue
from audioarchive.render.feed_podcast2 import (
    AlternateEnclosureTag,
    ImageTag,
    LocationTag,
    PersonTag,
    PodcastIndexEntryExtension,
    PodcastIndexExtension,
    RemoteItemTag,
    TranscriptTag,
    UpdateFrequencyTag,
    podcast_guid,
    register,
)
from audioarchive.render.feed_psc import SimpleChapter, register_simple_chapters
from audioarchive.render.i18n import STRINGS, ui_language
from audioarchive.render.publication import PublicEpisode, PublicView
from audioarchive.transcribe.public import FORMATS as TRANSCRIPT_FORMATS

log = logging.getLogger(__name__)

GENERATOR = f"audioarchive {__version__}"
#: Apple's limit for a description, channel or episode (we apply it to content:encoded too).
DESCRIPTION_LIMIT = 4000
CHAPTERS_VERSION = "1.2.0"
CHAPTERS_TYPE = "application/json+chapters"
TRANSCRIPT_TYPES = TRANSCRIPT_FORMATS  # vtt, srt, json

#: Our speaker roles → the Podcast Taxonomy Project's "cast" roles (taxonomy.json).
#: A meeting's moderator hosts that episode; a cameo is a short guest appearance.
ROLE_TAXONOMY = {
    "host": "host",
    "co-host": "co-host",
    "guest": "guest",
    "guest host": "guest host",
    "moderator": "host",
    "reporter": "reporter",
    "narrator": "narrator",
    "announcer": "announcer",
    "cameo": "guest",
}
_FORMAT_TITLES = {"mp3": "MP3", "opus": "Opus"}
_FORMAT_CODECS = {"opus": "opus"}
_FORMAT_BITRATE_KEYS = {"mp3": "bitrate", "opus": "opus_bitrate"}


@dataclass(frozen=True)
class Labels:
    """The few words the feed adds to descriptions, in the show's language."""

    speakers: str
    venue: str
    resources: str
    map: str
    colon: str  # how a label or a title is followed by a colon


def chapters_path(episode_id: str) -> str:
    """Where an episode's JSON chapters are, relative to ``feed/``."""
    return f"episodes/{episode_id}/chapters.json"


def transcript_path(episode_id: str, fmt: str) -> str:
    """Where an episode's public transcript is (``fmt``: "vtt" or "srt"), relative to ``feed/``."""
    return f"episodes/{episode_id}/transcript.{fmt}"


def render_feed(
    publication: PublicView, episodes: Collection[str] | None = None, *, lists: bool = True
) -> dict[str, bytes]:
    """The feed and the files it points to besides the media, keyed by path in ``feed/``:
    the files of each episode whose id is in ``episodes`` (default: every one), and with
    ``lists`` the feed itself. An episode's files are made from the episode and the show
    only."""
    files: dict[str, bytes] = {}
    for episode in publication.episodes:
        if episodes is None or episode.id in episodes:
            files.update(render_episode_files(publication, episode))
    if lists:
        files["feed.xml"] = build_feed(publication)
    return files


def build_feed(publication: PublicView) -> bytes:
    """The RSS feed of every built episode, newest first."""
    names = {name for e in publication.episodes for name in episode_file_names(e)}
    return _build_feed(publication, names)


# --- the files beside the audio ---------------------------------------------------------------


def episode_file_names(episode: PublicEpisode) -> list[str]:
    """The paths in ``feed/`` of an episode's chapters JSON and public transcripts (when it
    has them), without rendering them (the names :func:`render_episode_files` gives)."""
    names = [chapters_path(episode.id)] if episode.chapters else []
    transcript = episode.transcript
    if transcript is not None and transcript.cues:
        names.extend(transcript_path(episode.id, fmt) for fmt in TRANSCRIPT_TYPES)
    return names


def render_episode_files(publication: PublicView, episode: PublicEpisode) -> dict[str, bytes]:
    """An episode's chapters JSON and public transcripts (when it has them)."""
    files: dict[str, bytes] = {}
    if episode.chapters:
        files[chapters_path(episode.id)] = render_chapters(publication, episode)
    transcript = episode.transcript
    if transcript is not None and transcript.cues:
        for fmt in TRANSCRIPT_TYPES:
            files[transcript_path(episode.id, fmt)] = transcript.render(fmt)
    return files


def render_chapters(publication: PublicView, episode: PublicEpisode) -> bytes:
    """JSON chapters, version 1.2 (podcast-namespace docs/examples/chapters/jsonChapters.md)."""
    chapters = episode.chapters
    items: list[dict[str, object]] = []
    for index, chapter in enumerate(chapters):
        end = chapters[index + 1].start if index + 1 < len(chapters) else episode.duration
        item: dict[str, object] = {
            "startTime": _seconds(chapter.start),
            "endTime": _seconds(max(end, chapter.start)),
            "title": chapter.title,
        }
        if chapter.url:
            item["url"] = ascii_url(chapter.url)
        items.append(item)
    data = {
        "version": CHAPTERS_VERSION,
        "title": episode.session.title,
        "podcastName": publication.show.title,
        "author": publication.show.author,
        "fileName": PurePosixPath(episode.enclosure.path).name,
        "chapters": items,
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _seconds(value: float) -> int | float:
    value = round(value, 3)
    return int(value) if value.is_integer() else value


# --- the feed ---------------------------------------------------------------------------------


def _build_feed(publication: PublicView, files: Collection[str]) -> bytes:
    try:
        fg = _channel(publication)
        episodes = sorted(publication.episodes, key=_order)
        if publication.site.feed_items:  # the newest only; the pages keep every episode
            episodes = episodes[-publication.site.feed_items :]
        for episode in episodes:
            _add_item(fg, publication, episode, files)
        dates = [e.session.date for e in episodes if e.session.date is not None]
        if dates:
            fg.lastBuildDate(max(dates))
        else:
            fg.apple.omit_last_build_date()
        data: bytes = fg.rss_str(pretty=True, xml_declaration=True, encoding="UTF-8")
    except (ValueError, TypeError) as err:
        raise FeedError(f"feed.xml: could not be built ({err})") from err
    return data


def _order(episode: PublicEpisode) -> tuple[float, str]:
    """Oldest first (items are prepended: the feed lists the newest first)."""
    date = episode.session.date
    return (date.timestamp() if date else 0.0, episode.id)


def _channel(publication: PublicView) -> FeedGenerator:
    show = publication.show
    site = publication.site
    home = ascii_url(publication.url(INDEX_PAGE))  # a file: plain S3 has no index documents
    artwork = ascii_url(publication.url(publication.artwork))
    fg = FeedGenerator()
    fg.load_extension("podcast")
    register(fg)
    register_simple_chapters(fg)
    fg.title(show.title)
    fg.link(href=ascii_url(site.feed_url), rel="self")
    fg.link(href=home, rel="alternate")  # RSS <link>: feedgen takes the last
    fg.description(fit_text(markdown_to_text(show.description), what="podcast.yaml description"))
    fg.language(show.language)
    fg.generator(GENERATOR)
    fg.docs("")  # no <docs>: nothing a podcast app needs
    fg.image(artwork, title=show.title, link=home)
    if show.copyright:
        fg.copyright(show.copyright)
    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_image(artwork)
    fg.podcast.itunes_category([_category(name) for name in show.categories])
    fg.podcast.itunes_type(show.type)
    if site.new_feed_url:
        fg.podcast.itunes_new_feed_url(ascii_url(site.new_feed_url))
    fg.apple.owner(show.owner.name, show.owner.email)
    fg.apple.explicit(show.explicit)
    index = fg.podcastindex
    index.guid(site.podcast_guid or podcast_guid(ascii_url(site.feed_url)))
    index.locked(show.locked, show.owner.email)
    if show.license:
        index.license(show.license, license_url(show.license))
    index.medium("podcast")
    for person in _host_tags(show):
        index.person(person)
    index.image(image_tag(publication, publication.artwork))
    _add_show_links(index, show)
    return fg


def _add_show_links(index: PodcastIndexExtension, show: Show) -> None:
    """podcast:txt, updateFrequency, podroll and publisher, from podcast.yaml."""
    for record in show.txt:
        index.txt(record.value, record.purpose)
    rhythm = show.rhythm
    if rhythm is not None:
        index.update_frequency(
            UpdateFrequencyTag(
                rhythm.text,
                None if rhythm.complete else rhythm.rrule,
                None if rhythm.complete or not rhythm.dtstart else rhythm.dtstart.isoformat(),
                rhythm.complete,
            )
        )
    if show.podroll:
        index.podroll([remote_item(feed) for feed in show.podroll])
    if show.publisher is not None:
        index.publisher(remote_item(show.publisher, medium="publisher"))


def remote_item(feed: RemoteFeed, medium: str | None = None) -> RemoteItemTag:
    """A podcast:remoteItem: the GUID given, else the one the namespace derives from the URL."""
    url = ascii_url(feed.feed_url) if feed.feed_url else None
    guid = feed.feed_guid or podcast_guid(url or "")
    return RemoteItemTag(guid, url, feed.title, medium)


def image_tag(publication: PublicView, relpath: str) -> ImageTag:
    """podcast:image of an artwork in feed/: square cover art, with its size when known."""
    width, height = publication.image_sizes.get(relpath, (None, None))
    media_type = "image/png" if relpath.lower().endswith(".png") else "image/jpeg"
    return ImageTag(
        href=ascii_url(publication.url(relpath)),
        width=width,
        height=height,
        type=media_type,
        aspect_ratio="1/1",
        purpose="artwork",
    )


def _category(name: str) -> dict[str, str]:
    parent, _, child = name.partition(" > ")
    return {"cat": parent, "sub": child} if child else {"cat": parent}


def _add_item(
    fg: FeedGenerator, publication: PublicView, episode: PublicEpisode, files: Collection[str]
) -> None:
    show, session = publication.show, episode.session
    text, rich = episode_notes(publication, episode)
    entry = fg.add_entry(order="prepend")
    entry.title(session.title)
    entry.link(href=ascii_url(publication.url(episode.page_path)))
    entry.description(text)
    entry.content(rich, type="CDATA")
    entry.guid(session.feed_guid, permalink=False)
    if session.date:
        entry.pubDate(session.date)
    media = episode.enclosure
    entry.enclosure(ascii_url(publication.url(media.path)), str(media.size), media.media_type)
    entry.podcast.itunes_duration(round(episode.duration))
    if session.episode is not None:
        entry.podcast.itunes_episode(session.episode)
    if session.season is not None:
        entry.podcast.itunes_season(session.season)
    entry.podcast.itunes_episode_type(session.episode_type)
    entry.podcast.itunes_image(ascii_url(publication.url(publication.artwork_for(session.id))))
    entry.podcastindex.image(image_tag(publication, publication.artwork_for(session.id)))
    entry.apple.explicit(show.explicit if session.explicit is None else session.explicit)
    _add_podcastindex(entry.podcastindex, publication, episode, files)
    if chapters_path(episode.id) in files:  # the same chapters, in the item (gPodder)
        entry.psc.chapters(
            [
                SimpleChapter(c.start, c.title, ascii_url(c.url) if c.url else None)
                for c in episode.chapters
            ]
        )


def _add_podcastindex(
    index: PodcastIndexEntryExtension,
    publication: PublicView,
    episode: PublicEpisode,
    files: Collection[str],
) -> None:
    show, session = publication.show, episode.session
    if session.season is not None:
        index.season(session.season, show.seasons.get(session.season))
    if session.episode is not None:
        index.episode(session.episode)
    if session.license and session.license != show.license:
        index.license(session.license, license_url(session.license))
    for person in _person_tags(show, session):
        index.person(person)
    if session.venue is not None:
        index.location(location_tag(session.venue))
    if chapters_path(episode.id) in files:
        index.chapters(ascii_url(publication.url(chapters_path(episode.id))), CHAPTERS_TYPE)
    for fmt, media_type in TRANSCRIPT_TYPES.items():
        if transcript_path(episode.id, fmt) in files:
            url = ascii_url(publication.url(transcript_path(episode.id, fmt)))
            index.transcript(TranscriptTag(url, media_type, show.language, "captions"))
    if len(episode.record.media) > 1:
        for number, media in enumerate(episode.record.media):
            index.alternate_enclosure(_alternate(publication, episode, media, default=number == 0))


def _alternate(
    publication: PublicView, episode: PublicEpisode, media: OutputFile, *, default: bool
) -> AlternateEnclosureTag:
    return AlternateEnclosureTag(
        url=ascii_url(publication.url(media.path)),
        type=media.media_type,
        length=media.size,
        bitrate=_bitrate(episode, media.format),
        title=_FORMAT_TITLES.get(media.format, media.format.upper()),
        codecs=_FORMAT_CODECS.get(media.format),
        default=default,
    )


def _bitrate(episode: PublicEpisode, fmt: str) -> int | None:
    """The encoder's bit rate in bits per second, from the build record."""
    audio = episode.record.processing.get("audio")
    key = _FORMAT_BITRATE_KEYS.get(fmt)
    if not isinstance(audio, dict) or key is None:
        return None
    match = re.fullmatch(r"(\d+)k", str(audio.get(key, "")))
    return int(match.group(1)) * 1000 if match else None


# --- people, places, licenses -----------------------------------------------------------------


def _person_tag(person: Person) -> PersonTag:
    role = ROLE_TAXONOMY.get(person.role, "guest")
    return PersonTag(person.name, role, "cast", ascii_url(person.url) if person.url else None)


def _host_tags(show: Show) -> list[PersonTag]:
    return [_person_tag(host) for host in show.hosts]


def _person_tags(show: Show, session: Session) -> list[PersonTag]:
    """The show's hosts, then the session's publishable speakers: an item's persons replace
    the channel's (person.md), so the hosts are named again."""
    tags = _host_tags(show)
    named = {tag.name.casefold() for tag in tags}
    for speaker in session.speakers:
        if speaker.name.casefold() not in named:
            tags.append(_person_tag(speaker))
            named.add(speaker.name.casefold())
    return tags


def location_tag(venue: Venue) -> LocationTag:
    """Where the meeting was recorded (``rel="creator"``), with its coordinates."""
    name = venue.name
    if venue.address and len(f"{name}, {venue.address}") <= 128:
        name = f"{name}, {venue.address}"
    geo = f"geo:{coordinate(venue.geo[0])},{coordinate(venue.geo[1])}" if venue.geo else None
    return LocationTag(name[:128], geo, "creator")


# --- descriptions -----------------------------------------------------------------------------


def labels(language: str) -> Labels:
    """The feed's words for a show's language, from the table the pages use too."""
    t = STRINGS[ui_language(language)]
    return Labels(t["with"], t["venue"], t["resources"], t["feed_map"], t["feed_colon"])


def episode_notes(publication: PublicView, episode: PublicEpisode) -> tuple[str, str]:
    """The episode's description as plain text (``<description>``) and as HTML
    (``content:encoded``): the session's description, then its publishable
    speakers, its venue and its resources, as links in the HTML. Each at most
    :data:`DESCRIPTION_LIMIT` bytes."""
    session = episode.session
    words = labels(publication.show.language)
    body = session.description
    text_blocks = [markdown_to_text(body)] if body.strip() else []
    html_blocks = [markdown_to_html(body)] if body.strip() else []
    if session.speakers:
        text_blocks.append(
            f"{words.speakers}{words.colon} "
            + ", ".join(_speaker_text(s) for s in session.speakers)
            + "."
        )
        html_blocks.append(
            f"<p>{_e(words.speakers)}{_e(words.colon)}</p><ul>"
            + "".join(f"<li>{_speaker_html(s)}</li>" for s in session.speakers)
            + "</ul>"
        )
    if session.venue is not None:
        text_blocks.append(f"{words.venue}{words.colon} {_venue_text(session.venue)}.")
        html_blocks.append(
            f"<p>{_e(words.venue)}{_e(words.colon)} {_venue_html(session.venue, words)}</p>"
        )
    if session.resources:
        resources = [(r.title, ascii_url(r.url)) for r in session.resources]
        text_blocks.append(
            "\n".join(
                [f"{words.resources}{words.colon}"]
                + [f"- {title}{words.colon} {url}" for title, url in resources]
            )
        )
        html_blocks.append(
            f"<p>{_e(words.resources)}{_e(words.colon)}</p><ul>"
            + "".join(f'<li><a href="{_e(url)}">{_e(title)}</a></li>' for title, url in resources)
            + "</ul>"
        )
    text = "\n\n".join(text_blocks) or session.title
    rich = "\n".join(html_blocks) or f"<p>{_e(session.title)}</p>"
    what = f"{episode.id} description"
    fitted = fit_text(text, what=what)
    if len(rich.encode("utf-8")) > DESCRIPTION_LIMIT:
        rich = _paragraphs_html(text)
    return fitted, rich


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _speaker_text(speaker: Person) -> str:
    return f"{speaker.name} ({speaker.affiliation})" if speaker.affiliation else speaker.name


def _speaker_html(speaker: Person) -> str:
    name = _e(speaker.name)
    if speaker.url:
        name = f'<a href="{_e(ascii_url(speaker.url))}">{name}</a>'
    return f"{name}, {_e(speaker.affiliation)}" if speaker.affiliation else name


def _venue_text(venue: Venue) -> str:
    return f"{venue.name}, {venue.address}" if venue.address else venue.name


def _venue_html(venue: Venue, words: Labels) -> str:
    name = _e(venue.name)
    if venue.url:
        name = f'<a href="{_e(ascii_url(venue.url))}">{name}</a>'
    out = f"{name}, {_e(venue.address)}" if venue.address else name
    if venue.geo:
        out += f' (<a href="{_e(map_link(*venue.geo))}">{_e(words.map)}</a>)'
    return out


def fit_text(text: str, *, what: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``text`` cut at a word boundary with "…" so that it takes at most ``limit`` bytes
    (with a warning naming ``what`` when it had to be cut)."""
    if len(text.encode("utf-8")) <= limit:
        return text
    log.warning("%s: longer than %d bytes; the feed carries it shortened", what, limit)
    return _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[: max(0, limit - len("…".encode()))].decode("utf-8", errors="ignore")
    head, space, _ = cut.rpartition(" ")
    return (head if space and len(head) > len(cut) // 2 else cut).rstrip() + "…"


def _paragraphs_html(text: str) -> str:
    """Plain text as HTML paragraphs, fitted to the limit (for notes too rich to fit)."""
    budget = DESCRIPTION_LIMIT
    while True:
        fitted = _cut(text, budget)
        out = "".join(
            "<p>" + "<br>".join(_e(line) for line in block.split("\n")) + "</p>"
            for block in fitted.split("\n\n")
        )
        excess = len(out.encode("utf-8")) - DESCRIPTION_LIMIT
        if excess <= 0:
            return out
        budget = min(budget, len(fitted.encode("utf-8"))) - excess


# --- URLs -------------------------------------------------------------------------------------


def ascii_url(url: str) -> str:
    """``url`` with only ASCII characters, as Apple requires: the host in IDNA, anything
    else outside ASCII (and spaces) percent-encoded as UTF-8. ASCII URLs are unchanged."""
    if url.isascii() and " " not in url:
        return url
    parts = urlsplit(url.strip())
    netloc = parts.netloc
    if not netloc.isascii() and parts.hostname:
        host = parts.hostname.encode("idna").decode("ascii")
        userinfo = netloc.rpartition("@")[0]
        port = f":{parts.port}" if parts.port else ""
        netloc = f"{_encode(userinfo)}@{host}{port}" if userinfo else f"{host}{port}"
    return urlunsplit(
        (parts.scheme, netloc, _encode(parts.path), _encode(parts.query), _encode(parts.fragment))
    )


def _encode(part: str) -> str:
    return re.sub(r"[^\x21-\x7e]", lambda m: quote(m.group(), safe=""), part)
