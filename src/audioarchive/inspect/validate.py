"""``validate``: check the metadata, the recordings, the built outputs and the feed.

Metadata problems raise (exit 2, nothing else is checked); problems with the
outputs are returned, one per line, for the caller to report (exit 1).

The feed is checked as a podcast directory would check it, from the files in
``feed/`` alone (:func:`check_feed`): Apple's required tags and values, exact
enclosure lengths, unique GUIDs and enclosures, absolute ASCII URLs, the
artwork's format and size, descriptions within 4000 bytes, and the syntax of the
chapters and transcripts it points to.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from audioarchive.archive.preserve import archive_problems
from audioarchive.errors import Problem
from audioarchive.ffmpeg import find_tools
from audioarchive.metadata.categories import APPLE_CATEGORIES
from audioarchive.metadata.episode import load_record
from audioarchive.metadata.feedmeta import check_channel_tags
from audioarchive.metadata.recordings import probe_recordings
from audioarchive.metadata.session import LANGUAGE, Workspace
from audioarchive.metadata.transcript import check_transcript
from audioarchive.tags.artwork import artwork_problems  # the one artwork check

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
ATOM_NS = "http://www.w3.org/2005/Atom"
_PREFIXES = {ITUNES_NS: "itunes", PODCAST_NS: "podcast", CONTENT_NS: "content", ATOM_NS: "atom"}
DESCRIPTION_LIMIT = 4000  # bytes (Apple)
#: The enclosure types Apple Podcasts accepts.
APPLE_MEDIA_TYPES = frozenset(
    {"audio/mpeg", "audio/x-m4a", "audio/mp4", "video/mp4", "video/quicktime", "video/x-m4v"}
)
_URL_ATTRIBUTES = ("href", "url", "uri", "img")
_URL_TEXTS = ("link", "url", "itunes:new-feed-url")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_DURATION = re.compile(r"\d+|(?:\d+:)?[0-5]?\d:[0-5]\d")


@dataclass(frozen=True)
class ValidationReport:
    sessions: int
    episodes: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_workspace(workspace: Workspace) -> ValidationReport:
    """Probe every recording (raises on bad input), then check what the last build wrote."""
    tools = find_tools(workspace.settings.tools, encoders=())
    probe_recordings(workspace, tools, workspace.episodes, remember=False)
    problems = check_outputs(workspace)
    return ValidationReport(len(workspace.sessions), len(workspace.episodes), tuple(problems))


def check_outputs(workspace: Workspace) -> list[Problem]:
    """Built files against their records, then the feed and what it points to."""
    paths = workspace.paths
    problems: list[Problem] = []
    built: list[str] = []
    for session in workspace.episodes:
        record = load_record(paths.state, session.id)
        if record is None:
            problems.append(
                Problem(paths.rel(session.source), "", "not built yet; run 'audioarchive build'")
            )
            continue
        built.append(session.feed_guid)
        for media in record.media:
            path = paths.feed / media.path
            label = paths.rel(path)
            if not path.is_file():
                problems.append(Problem(label, "", "missing; run 'audioarchive build'"))
            elif path.stat().st_size != media.size:
                problems.append(
                    Problem(
                        label, "", f"{path.stat().st_size} bytes; expected {media.size} as built"
                    )
                )
    feed_label = paths.rel(paths.feed)
    if not (paths.feed / "feed.xml").is_file():
        if workspace.episodes:
            problems.append(
                Problem(f"{feed_label}/feed.xml", "", "missing; run 'audioarchive build'")
            )
        return problems
    limit = workspace.settings.site.feed_items
    expect = built[-limit:] if limit else built
    problems.extend(
        check_feed(paths.feed, workspace.settings.site.base_url, label=feed_label, expect=expect)
    )
    problems.extend(archive_problems(paths, built))
    return problems


def check_feed(
    feed_dir: Path, base_url: str, *, label: str = "feed", expect: list[str] | None = None
) -> list[Problem]:
    """Every problem of ``feed_dir/feed.xml`` and of the files it points to inside ``feed_dir``
    (URLs under ``base_url``). ``expect``: GUIDs that must have an item."""
    checker = _FeedChecker(feed_dir, base_url.rstrip("/") + "/", label)
    checker.run(expect or [])
    return checker.problems


def _local(tag: str) -> str:
    """``{ns}name`` → ``prefix:name`` for the namespaces we know."""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return f"{_PREFIXES.get(ns, ns)}:{name}"
    return tag


@dataclass
class _FeedChecker:
    feed_dir: Path
    base: str  # base URL, ending in "/"
    label: str  # how feed_dir is named in messages
    problems: list[Problem] = field(default_factory=list)
    _images: set[str] = field(default_factory=set)

    @property
    def feed_label(self) -> str:
        return f"{self.label}/feed.xml"

    def add(self, where: str, message: str, file: str | None = None) -> None:
        self.problems.append(Problem(file or self.feed_label, where, message))

    def run(self, expect: list[str]) -> None:
        try:
            root = ET.fromstring((self.feed_dir / "feed.xml").read_bytes())  # noqa: S314 (ours)
        except ET.ParseError as err:
            self.add("", f"not well-formed XML ({err})")
            return
        channel = root.find("channel")
        if root.tag != "rss" or channel is None:
            self.add("", "not an RSS 2.0 feed; expected <rss><channel>")
            return
        self._walk_urls(channel, "channel")
        self._check_channel(channel)
        guids: set[str] = set()
        enclosures: set[str] = set()
        for item in channel.iter("item"):
            self._check_item(item, guids, enclosures)
        for guid in expect:
            if guid not in guids:
                self.add(f"item {guid}", "missing; expected an item per built episode (build)")

    # --- the channel --------------------------------------------------------------------------

    def _check_channel(self, channel: ET.Element) -> None:
        for tag in ("title", "description", "language"):
            if not (channel.findtext(tag) or "").strip():
                self.add(f"channel/{tag}", "missing; Apple Podcasts requires it")
        self._check_length(channel.findtext("description"), "channel/description")
        language = (channel.findtext("language") or "").strip()
        if language and not LANGUAGE.fullmatch(language.lower()):
            self.add("channel/language", f'found "{language}"; expected an ISO 639 code ("fr")')
        image = channel.find(f"{{{ITUNES_NS}}}image")
        if image is None or not image.get("href"):
            self.add("channel/itunes:image", "missing; Apple Podcasts requires the show's artwork")
        else:
            self._check_artwork(image.get("href", ""), "channel/itunes:image")
        self._check_categories(channel)
        self._check_explicit(channel, "channel", required=True)
        guid = channel.findtext(f"{{{PODCAST_NS}}}guid")
        if guid is not None and not _UUID.fullmatch(guid.strip()):
            self.add("channel/podcast:guid", f'found "{guid}"; expected a UUID (version 5)')
        for where, message in check_channel_tags(channel):
            self.add(where, message)

    def _check_categories(self, channel: ET.Element) -> None:
        categories = channel.findall(f"{{{ITUNES_NS}}}category")
        if not categories:
            self.add("channel/itunes:category", "missing; Apple Podcasts requires a category")
        for category in categories:
            parent = category.get("text", "")
            if parent not in APPLE_CATEGORIES:
                self.add("channel/itunes:category", f'"{parent}" is not an Apple Podcasts category')
                continue
            for sub in category.findall(f"{{{ITUNES_NS}}}category"):
                if sub.get("text", "") not in APPLE_CATEGORIES[parent]:
                    self.add(
                        "channel/itunes:category",
                        f'"{sub.get("text", "")}" is not a subcategory of "{parent}"',
                    )

    def _check_explicit(self, parent: ET.Element, where: str, *, required: bool) -> None:
        explicit = parent.findtext(f"{{{ITUNES_NS}}}explicit")
        if explicit is None:
            if required:
                self.add(f"{where}/itunes:explicit", 'missing; expected "true" or "false"')
        elif explicit.strip() not in ("true", "false"):
            self.add(f"{where}/itunes:explicit", f'found "{explicit}"; expected "true" or "false"')

    def _check_length(self, text: str | None, where: str) -> None:
        size = len((text or "").encode("utf-8"))
        if size > DESCRIPTION_LIMIT:
            self.add(where, f"{size} bytes; expected at most {DESCRIPTION_LIMIT} (Apple)")

    # --- items --------------------------------------------------------------------------------

    def _check_item(self, item: ET.Element, guids: set[str], enclosures: set[str]) -> None:
        guid = (item.findtext("guid") or "").strip()
        where = f"item {guid or (item.findtext('title') or '?')}"
        self._walk_urls(item, where)
        if not guid:
            self.add(where, "no guid; expected one that never changes")
        elif guid in guids:
            self.add(where, "duplicate guid; expected each once")
        guids.add(guid)
        if not (item.findtext("title") or "").strip():
            self.add(f"{where}: title", "missing; Apple Podcasts requires it")
        self._check_length(item.findtext("description"), f"{where}: description")
        self._check_length(item.findtext(f"{{{CONTENT_NS}}}encoded"), f"{where}: content:encoded")
        published = item.findtext("pubDate")
        if published is not None and not _rfc2822(published):
            self.add(f"{where}: pubDate", f'found "{published}"; expected an RFC 2822 date')
        duration = (item.findtext(f"{{{ITUNES_NS}}}duration") or "").strip()
        if duration and not _DURATION.fullmatch(duration):
            self.add(f"{where}: itunes:duration", f'found "{duration}"; expected seconds')
        self._check_explicit(item, where, required=False)
        image = item.find(f"{{{ITUNES_NS}}}image")
        if image is not None and image.get("href"):
            self._check_artwork(image.get("href", ""), f"{where}: itunes:image")
        self._check_enclosure(item, where, enclosures)
        for alternate in item.findall(f"{{{PODCAST_NS}}}alternateEnclosure"):
            self._check_alternate(alternate, where)
        seconds = float(duration) if duration.isdigit() else None
        for chapters in item.findall(f"{{{PODCAST_NS}}}chapters"):
            self._check_chapters(chapters.get("url", ""), where, seconds)
        for transcript in item.findall(f"{{{PODCAST_NS}}}transcript"):
            self._check_transcript(transcript, where)

    def _check_enclosure(self, item: ET.Element, where: str, seen: set[str]) -> None:
        enclosure = item.find("enclosure")
        if enclosure is None:
            self.add(where, "no enclosure; Apple Podcasts requires one")
            return
        url, length, kind = (enclosure.get(a, "") for a in ("url", "length", "type"))
        if url in seen:
            self.add(f"{where}: enclosure", f"{url} is used by another item; expected each once")
        seen.add(url)
        if kind not in APPLE_MEDIA_TYPES:
            self.add(f"{where}: enclosure", f'type "{kind}"; expected one Apple takes: audio/mpeg')
        self._check_file_length(url, length, f"{where}: enclosure")

    def _check_alternate(self, alternate: ET.Element, where: str) -> None:
        sources = alternate.findall(f"{{{PODCAST_NS}}}source")
        if not alternate.get("type") or not sources:
            self.add(f"{where}: podcast:alternateEnclosure", "expected a type and a podcast:source")
        for source in sources:
            length = alternate.get("length")
            if length is not None:
                self._check_file_length(
                    source.get("uri", ""), length, f"{where}: podcast:alternateEnclosure"
                )

    def _check_file_length(self, url: str, length: str, where: str) -> None:
        path = self._path(url)
        if path is None:
            return
        if not path.is_file():
            self.add(where, f"{url} is not in {self.label}/; expected a built file")
        elif length != str(path.stat().st_size):
            self.add(where, f"length {length}; expected {path.stat().st_size}, the file's size")

    # --- what the feed points to --------------------------------------------------------------

    def _path(self, url: str) -> Path | None:
        """The file in feed/ a URL under the base URL names (None for other URLs)."""
        if not url.startswith(self.base):
            return None
        relative = PurePosixPath(urlsplit(url).path[len(urlsplit(self.base).path) :])
        if ".." in relative.parts:
            return None
        return self.feed_dir.joinpath(*relative.parts)

    def _file_label(self, path: Path) -> str:
        return f"{self.label}/{path.relative_to(self.feed_dir).as_posix()}"

    def _check_artwork(self, url: str, where: str) -> None:
        path = self._path(url)
        if path is None or url in self._images:
            return
        self._images.add(url)
        if not path.is_file():
            self.add(where, f"{url} is not in {self.label}/; expected the artwork")
            return
        for message in artwork_problems(path.read_bytes(), path.suffix):
            self.add("", message, self._file_label(path))

    def _check_chapters(self, url: str, where: str, duration: float | None) -> None:
        path = self._path(url)
        if path is None:
            return
        if not path.is_file():
            self.add(f"{where}: podcast:chapters", f"{url} is not in {self.label}/")
            return
        self.problems.extend(check_chapters(path.read_bytes(), self._file_label(path), duration))

    def _check_transcript(self, transcript: ET.Element, where: str) -> None:
        url = transcript.get("url", "")
        if not transcript.get("type"):
            self.add(f"{where}: podcast:transcript", "no type; expected text/vtt or similar")
        path = self._path(url)
        if path is None:
            return
        if not path.is_file():
            self.add(f"{where}: podcast:transcript", f"{url} is not in {self.label}/")
        elif path.suffix.lower() in (".vtt", ".srt"):
            self.problems.extend(check_transcript(path, self._file_label(path)))

    def _walk_urls(self, element: ET.Element, where: str) -> None:
        """Every URL of the element and its children (items apart) is absolute, http(s), ASCII."""
        for child in element:
            if child.tag == "item":
                continue
            name = _local(child.tag)
            for attribute in _URL_ATTRIBUTES:
                value = child.get(attribute)
                if value is not None:
                    self._check_url(value, f"{where}/{name}@{attribute}")
            if name in _URL_TEXTS:
                self._check_url((child.text or "").strip(), f"{where}/{name}")
            if name != "content:encoded":
                self._walk_urls(child, f"{where}/{name}")

    def _check_url(self, url: str, where: str) -> None:
        if not is_ascii_absolute_url(url):
            self.add(where, f'found "{url}"; expected an absolute http(s) URL in ASCII (Apple)')


def is_ascii_absolute_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        url.isascii()
        and not re.search(r"[\x00-\x20\x7f]", url)
        and parts.scheme in ("http", "https")
        and bool(parts.netloc)
    )


def _rfc2822(text: str) -> bool:
    try:
        parsed = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return False
    return parsed.tzinfo is not None


# --- chapters ---------------------------------------------------------------------------------


def check_chapters(data: bytes, label: str, duration: float | None = None) -> list[Problem]:
    """Problems of a JSON chapters file (version 1.2 of the Podcasting 2.0 format)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        return [Problem(label, "", f"not valid JSON ({err}); expected JSON chapters")]
    if not isinstance(document, dict):
        return [Problem(label, "", "expected a JSON object with version and chapters")]
    problems: list[Problem] = []

    def add(where: str, message: str) -> None:
        problems.append(Problem(label, where, message))

    version = document.get("version")
    if not isinstance(version, str) or not version.startswith("1."):
        add("version", f'found {json.dumps(version)}; expected a version such as "1.2.0"')
    chapters = document.get("chapters")
    if not isinstance(chapters, list):
        add("chapters", "missing; expected a list of chapters")
        return problems
    previous = -math.inf
    for index, chapter in enumerate(chapters):
        _check_chapter(chapter, f"chapters[{index}]", previous, duration, add)
        if isinstance(chapter, dict) and _is_number(chapter.get("startTime")):
            previous = float(chapter["startTime"])
    return problems


def _check_chapter(
    chapter: Any,
    where: str,
    previous: float,
    duration: float | None,
    add: Callable[[str, str], None],
) -> None:
    if not isinstance(chapter, dict):
        add(where, "expected an object with startTime")
        return
    raw = chapter.get("startTime")
    if not _is_number(raw) or raw < 0:
        add(f"{where}.startTime", f"found {json.dumps(raw)}; expected seconds (≥ 0)")
        return
    start = float(raw)
    if start < previous:
        add(f"{where}.startTime", f"{raw} is before the previous chapter's; expected ascending")
    if duration is not None and start > duration + 1:
        add(f"{where}.startTime", f"{raw} is past the end of the episode ({duration:.0f} s)")
    end = chapter.get("endTime")
    if end is not None and (not _is_number(end) or float(end) < start):
        add(f"{where}.endTime", f"found {json.dumps(end)}; expected seconds after startTime")
    for key in ("title", "img", "url"):
        value = chapter.get(key)
        if value is not None and not isinstance(value, str):
            add(f"{where}.{key}", f"found {json.dumps(value)}; expected a string")
    for key in ("img", "url"):
        value = chapter.get(key)
        if isinstance(value, str) and not is_ascii_absolute_url(value):
            add(f"{where}.{key}", f'found "{value}"; expected an absolute http(s) URL in ASCII')
    if "toc" in chapter and not isinstance(chapter["toc"], bool):
        add(f"{where}.toc", f"found {json.dumps(chapter['toc'])}; expected true or false")


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
