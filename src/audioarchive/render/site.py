"""Stage 3, site: the archive pages, rendered from Jinja templates shipped as package data.

:func:`render_site` returns ``{path inside feed/: bytes}``; the pipeline writes
them: ``index.html``, ``episodes/<id>/index.html`` and the local assets
(``assets/<name>-<hash>.<ext>``, a new name whenever their bytes change).

The pages make no request to any other host: every asset is local and a
Content-Security-Policy says so. They work without JavaScript (every episode
listed, a browse-by-facet section, chapter and transcript times as media
fragment links); ``site.js`` adds a live filter, a copy button and seeking.
Autoescaping is on everywhere: metadata is shown as text, never markup. The
output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from importlib.resources import files
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateError, select_autoescape
from markupsafe import Markup

from audioarchive._version import __version__
from audioarchive.common.formats import iso_duration, map_link, map_search_link
from audioarchive.common.text import fold, markdown_to_html, markdown_to_text, sha256_bytes, slugify
from audioarchive.errors import SiteError
from audioarchive.metadata.episode import INDEX_PAGE, OutputFile
from audioarchive.metadata.licenses import license_name, license_url
from audioarchive.metadata.session import Person, Session, Venue
from audioarchive.render.i18n import LANGUAGES, STRINGS, ui_language
from audioarchive.render.publication import PublicEpisode, PublicView
from audioarchive.tags.audioformats import format_words
from audioarchive.transcribe.pagesearch import SEARCH_PAGE, said_index
from audioarchive.transcribe.public import PublicTranscript

# Catalogue files written by the catalogue stage (linked from the index).
CATALOG_FILES = ("catalog.json", "catalog.csv")
# Local assets: template folder file -> published stem; names get a content hash.
ASSET_SOURCES = ("style.css", "site.js", "icon.svg")
CSP = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; "
    "script-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'self'"
)
FORMAT_NAMES = {"mp3": "MP3", "opus": "Opus", "m4a": "AAC (M4A)", "aac": "AAC", "ogg": "Ogg"}
_IMG = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")? ?/?>')


# --- formatting (pure, per language) ------------------------------------------------------------


@dataclass(frozen=True)
class Formatter:
    lang: str

    @property
    def t(self) -> Mapping[str, str]:
        return STRINGS[self.lang]

    def number(self, value: float, digits: int = 1, *, trim: bool = False) -> str:
        """``value`` with the language's decimal sign and a true minus; ``trim``: no ",0"."""
        text = f"{abs(value):.{digits}f}"
        if trim and "." in text:
            text = text.rstrip("0").rstrip(".")
        if self.lang == "fr":
            text = text.replace(".", ",")
        return ("\u2212" if value < 0 and float(text.replace(",", ".")) != 0 else "") + text

    def date(self, value: datetime, *, weekday: bool = False, time: bool = False) -> str:
        month = LANGUAGES[self.lang].months[value.month - 1]
        day = LANGUAGES[self.lang].weekdays[value.weekday()]
        if self.lang == "fr":
            text = f"{'1er' if value.day == 1 else value.day} {month} {value.year}"
            text = f"{day} {text}" if weekday else text
        else:
            text = f"{value.day} {month} {value.year}"
            text = f"{day} {text}" if weekday else text
        return f"{text}{self.t['time_sep']}{value:%H:%M}" if time else text

    def duration(self, seconds: float) -> str:
        """A human duration: "1 h 58 min", "12 min", "45 s"."""
        total = round(seconds)
        hours, rest = divmod(total, 3600)
        minutes, secs = divmod(rest, 60)
        if hours:
            return f"{hours} h {minutes:02d} min"
        if minutes:
            return f"{minutes} min"
        return f"{secs} s"

    def size(self, size: int) -> str:
        if size >= 1_000_000:
            return f"{self.number(size / 1_000_000)} {self.t['unit_mb']}"
        return f"{self.number(max(size, 1) / 1000, 0)} {self.t['unit_kb']}"

    def role(self, role: str) -> str:
        return LANGUAGES[self.lang].roles.get(role, role)


def clock(seconds: float, *, hours: bool) -> str:
    """``H:MM:SS`` when ``hours`` (an episode of an hour or more), else ``M:SS``."""
    total = max(0, int(seconds))  # a time shown is where playing starts: never rounded up
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if hours or h else f"{m}:{s:02d}"


def seconds_text(seconds: float) -> str:
    """Seconds as a media fragment wants them: ``12.5`` (no trailing zeros)."""
    text = f"{max(0.0, seconds):.3f}".rstrip("0").rstrip(".")
    return text or "0"


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) or mailto URL (metadata checks this already)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return url.strip()
    if parts.scheme == "mailto" and parts.path:
        return url.strip()
    return None


def description_html(markdown: str) -> Markup:
    """Safe HTML of a Markdown description, with images turned into plain links (no fetch)."""
    html = markdown_to_html(markdown)
    return Markup(_IMG.sub(r'<a href="\1">\2</a>', html))  # noqa: S704 (escaped by markdown-it)


def osm_url(venue: Venue) -> str | None:
    """A plain OpenStreetMap link for a venue: its coordinates, else a search for its address."""
    if venue.geo is not None:
        return map_link(*venue.geo)
    if venue.address:
        return map_search_link(venue.address)
    return None


def app_links(feed_url: str, t: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """``(name, href, pattern)``: links that open podcast apps with the feed.

    Plain links: the page itself fetches nothing. ``pattern`` lets ``site.js``
    rebuild the link for the address the page was actually served from
    (``{bare}``: the feed URL without its scheme; ``{url}``: the URL, encoded).
    """
    patterns = [
        ("Apple Podcasts", "podcast://{bare}"),
        ("AntennaPod", "https://antennapod.org/deeplink/subscribe?url={url}"),
        ("Pocket Casts", "pktc://subscribe/{bare}"),
        (t["app_other"], "pcast://{bare}"),
    ]
    bare = re.sub(r"^https?://", "", feed_url)
    encoded = quote(feed_url, safe="")
    return [
        (name, pattern.replace("{bare}", bare).replace("{url}", encoded), pattern)
        for name, pattern in patterns
    ]


# --- what the templates show --------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    kind: str  # "speaker", "topic", "year"
    label: str
    slug: str
    episodes: tuple[str, ...] = ()  # episode ids, newest first

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.slug}"


@dataclass(frozen=True)
class Facets:
    speakers: tuple[FacetValue, ...]
    topics: tuple[FacetValue, ...]
    years: tuple[FacetValue, ...]

    def speaker(self, name: str) -> FacetValue:
        return self._by_label[("speaker", fold(name.strip()))]

    def topic(self, name: str) -> FacetValue:
        return self._by_label[("topic", fold(name.strip()))]

    @functools.cached_property
    def _by_label(self) -> dict[tuple[str, str], FacetValue]:
        """Each value by its kind and folded label (a search of the list for each episode
        grew with the square of the number of episodes: a guest per meeting)."""
        values: dict[tuple[str, str], FacetValue] = {}
        for value in (*self.speakers, *self.topics):
            values.setdefault((value.kind, fold(value.label.strip())), value)
        return values


def _facet(kind: str, labels: Mapping[str, tuple[str, list[str]]]) -> tuple[FacetValue, ...]:
    """Facet values sorted by folded label, each with a unique slug."""
    out: list[FacetValue] = []
    used: set[str] = set()
    for key in sorted(labels):
        label, ids = labels[key]
        base = slugify(label) or "x" + sha256_bytes(key.encode())[:8]
        slug, n = base, 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        out.append(FacetValue(kind, label, slug, tuple(ids)))
    return tuple(out)


def build_facets(episodes: Sequence[PublicEpisode]) -> Facets:
    """Speakers (publishable only), topics and years of the episodes given newest first."""
    speakers: dict[str, tuple[str, list[str]]] = {}
    topics: dict[str, tuple[str, list[str]]] = {}
    years: dict[int, list[str]] = {}
    for episode in episodes:
        session = episode.session
        for person in session.speakers:
            speakers.setdefault(fold(person.name.strip()), (person.name.strip(), []))[1].append(
                episode.id
            )
        for topic in dict.fromkeys(fold(t.strip()) for t in session.topics):
            label = next(t.strip() for t in session.topics if fold(t.strip()) == topic)
            topics.setdefault(topic, (label, []))[1].append(episode.id)
        if session.date is not None:
            years.setdefault(session.date.year, []).append(episode.id)
    for key, (label, ids) in list(speakers.items()):
        speakers[key] = (label, list(dict.fromkeys(ids)))
    return Facets(
        speakers=_facet("speaker", speakers),
        topics=_facet("topic", topics),
        years=tuple(
            FacetValue("year", str(y), str(y), tuple(years[y])) for y in sorted(years, reverse=True)
        ),
    )


@dataclass(frozen=True)
class Download:
    label: str
    path: str  # relative to feed/
    size: str
    media_type: str
    sha256: str


@dataclass(frozen=True)
class TimedLine:
    start: float
    end: float
    time: str  # shown
    iso: str  # the same, as an HTML duration string (for <time datetime>)
    seek: str  # seconds for the media fragment
    text: str
    speaker: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class EpisodeView:
    """One episode as the pages show it (every string is plain text: escaped by Jinja)."""

    episode: PublicEpisode
    href: str  # relative to feed/
    date_text: str
    date_long: str
    date_iso: str
    duration_text: str
    duration_iso: str
    speakers: tuple[Person, ...]
    topics: tuple[FacetValue, ...]
    speaker_facets: tuple[FacetValue, ...]
    year: str
    search: str  # folded text for the live filter
    numbering: str
    summary: str  # plain text, for <meta name="description">
    chapters: tuple[TimedLine, ...] = ()
    cues: tuple[TimedLine, ...] = ()
    has_transcript: bool = False
    machine_transcript: str | None = None  # the recogniser, when no person wrote it
    downloads: tuple[Download, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    silenced: tuple[str, ...] = ()
    license: str | None = None
    artwork: str = ""

    @property
    def session(self) -> Session:
        return self.episode.session

    @property
    def id(self) -> str:
        return self.episode.id


def _summary(markdown: str, limit: int = 200) -> str:
    text = " ".join(markdown_to_text(markdown).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _numbering(session: Session, t: Mapping[str, str]) -> str:
    if session.season is not None and session.episode is not None:
        return t["season_episode"].format(season=session.season, episode=session.episode)
    if session.episode is not None:
        return t["episode_n"].format(episode=session.episode)
    return ""


def _episode_view(
    publication: PublicView, episode: PublicEpisode, facets: Facets, fmt: Formatter, *, full: bool
) -> EpisodeView:
    """An episode as the index lists it; with ``full``, everything its own page shows."""
    session = episode.session
    date = session.date
    speakers = session.speakers
    view = EpisodeView(
        episode=episode,
        href=episode.page_path,
        date_text=fmt.date(date) if date else "",
        date_long=fmt.date(date, weekday=True, time=True) if date else "",
        date_iso=date.isoformat() if date else "",
        duration_text=fmt.duration(episode.duration),
        duration_iso=iso_duration(episode.duration),
        speakers=speakers,
        topics=_topics(session, facets),
        speaker_facets=tuple(dict.fromkeys(facets.speaker(p.name) for p in speakers)),
        year=str(date.year) if date else "",
        search=_search_text(episode),
        numbering=_numbering(session, fmt.t),
        summary=_summary(session.description or publication.show.description),
        artwork=publication.artwork_for(session.id),
    )
    return _with_details(view, publication, fmt) if full else view


def _topics(session: Session, facets: Facets) -> tuple[FacetValue, ...]:
    return tuple(dict.fromkeys(facets.topic(topic) for topic in session.topics if topic.strip()))


def _search_text(episode: PublicEpisode) -> str:
    """The folded words the live filter of the index matches."""
    session = episode.session
    words = [
        session.title,
        markdown_to_text(session.description),
        *(p.name for p in session.speakers),
        *(p.affiliation or "" for p in session.speakers),
        *session.topics,
        session.venue.name if session.venue else "",
        *(c.title for c in episode.chapters),
    ]
    return " ".join(fold(" ".join(words)).split())


def _with_details(view: EpisodeView, publication: PublicView, fmt: Formatter) -> EpisodeView:
    """``view`` with what only the episode's page shows: chapters, transcript, files, facts."""
    episode = view.episode
    long = episode.duration >= 3600
    transcript = episode.transcript
    cues = transcript.cues if transcript is not None else ()
    return replace(
        view,
        chapters=tuple(
            _timed_line(c.start, 0.0, c.title, long=long, url=safe_url(c.url))
            for c in episode.chapters
        ),
        cues=tuple(_timed_line(c.start, c.end, c.text, long=long, speaker=c.speaker) for c in cues),
        has_transcript=transcript is not None,
        machine_transcript=transcript.machine if transcript is not None else None,
        downloads=tuple(_download(m, fmt) for m in episode.record.media),
        facts=_facts(episode, fmt),
        silenced=tuple(
            f"{clock(r.start, hours=long)}\u2013{clock(r.end, hours=long)}"
            for r in episode.redactions
        ),
        license=episode.session.license or publication.show.license,
    )


def _timed_line(
    start: float,
    end: float,
    text: str,
    *,
    long: bool,
    url: str | None = None,
    speaker: str | None = None,
) -> TimedLine:
    """A chapter or a cue: its time shown, as an HTML duration and as a media fragment."""
    return TimedLine(
        start=start,
        end=end,
        time=clock(start, hours=long),
        iso=iso_duration(int(start)),
        seek=seconds_text(start),
        text=text,
        speaker=speaker,
        url=url,
    )


def _download(media: OutputFile, fmt: Formatter) -> Download:
    return Download(
        label=FORMAT_NAMES.get(media.format, media.format.upper()),
        path=media.path,
        size=fmt.size(media.size),
        media_type=media.media_type,
        sha256=media.sha256,
    )


def _facts(episode: PublicEpisode, fmt: Formatter) -> tuple[tuple[str, str], ...]:
    t = fmt.t
    record = episode.record
    facts: list[tuple[str, str]] = [
        (t["duration"], f"{clock(episode.duration, hours=True)} ({fmt.duration(episode.duration)})")
    ]
    output = record.loudness.get("output")
    if isinstance(output, dict):
        for key, label, unit in (
            ("integrated_lufs", "loudness_integrated", "LUFS"),
            ("loudness_range_lu", "loudness_range", "LU"),
            ("true_peak_dbtp", "true_peak", "dBTP"),
        ):
            value = output.get(key)
            if isinstance(value, int | float):
                facts.append((t[label], f"{fmt.number(float(value))} {unit}"))
    audio = record.processing.get("audio")
    if isinstance(audio, dict):
        parts = ["MP3"]
        if audio.get("bitrate"):
            parts.append(f"{str(audio['bitrate']).removesuffix('k')} kbit/s")
        if isinstance(audio.get("sample_rate"), int):
            parts.append(f"{fmt.number(audio['sample_rate'] / 1000, trim=True)} kHz")
        if audio.get("channels") in (1, 2):
            parts.append(t["mono"] if audio["channels"] == 1 else t["stereo"])
        facts.append((t["encoding"], ", ".join(parts)))
    if record.sources:
        described = "; ".join(
            f"{s.name} ({format_words(s.name, s.codec, floating=t['float'])}, "
            f"{fmt.number(s.sample_rate / 1000, trim=True)} kHz, "
            f"{t['mono'] if s.channels == 1 else t['stereo'] if s.channels == 2 else s.channels}, "
            f"{clock(s.duration, hours=True)})"
            for s in record.sources
        )
        count = t["sources_parts"].format(n=len(record.sources))
        facts.append(
            (
                t["sources"],
                f"{count}{t['colon']}{described}" if len(record.sources) > 1 else described,
            )
        )
    tool = record.processing.get("audioarchive")
    if tool:
        facts.append((t["made_with"], f"audioarchive {tool}"))
    return tuple(facts)


# --- rendering ----------------------------------------------------------------------------------

_ENV = Environment(
    loader=PackageLoader("audioarchive", "templates/site"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters["markdown"] = description_html
_ENV.filters["osm"] = osm_url
_ENV.filters["safe_url"] = safe_url
_ENV.filters["license_url"] = license_url
_ENV.filters["license_name"] = license_name


def asset_files() -> dict[str, tuple[str, bytes]]:
    """``{source name: (path in feed/, bytes)}`` for the local CSS, JS and icon."""
    folder = files("audioarchive").joinpath("templates/site/assets")
    out = {}
    for name in ASSET_SOURCES:
        data = folder.joinpath(name).read_bytes()
        stem, _, ext = name.rpartition(".")
        out[name] = (f"assets/{stem}-{sha256_bytes(data)[:10]}.{ext}", data)
    return out


def render_site(
    publication: PublicView, pages: Collection[str] | None = None, *, lists: bool = True
) -> dict[str, bytes]:
    """Pages and assets, keyed by their path relative to ``feed/``: the page of each episode
    whose id is in ``pages`` (default: every one) and, with ``lists``, the pages made from
    every episode (the index, the search of what was said) and the assets.

    An episode's page is made from the episode, the show, the settings and what
    :func:`page_inputs` gives for it: rendered alone, it is what a whole render writes."""
    assets = asset_files()
    fmt = Formatter(ui_language(publication.show.language))
    newest = sorted(publication.episodes, key=_newest_first)
    facets = build_facets(newest)
    common = {
        "pub": publication,
        "t": SimpleNamespace(**fmt.t),  # attribute access only: no clash with dict methods
        "fmt": fmt,
        "lang": fmt.lang,
        "version": __version__,
        "csp": CSP,
        "asset": {name: path for name, (path, _data) in assets.items()},
        "catalog": CATALOG_FILES,
        "facets": facets,
        "has_said": _has_said(newest),
    }
    views: dict[int, EpisodeView] = {}  # list views, by position: only those needed

    def listed(index: int) -> EpisodeView:
        if index not in views:
            views[index] = _episode_view(publication, newest[index], facets, fmt, full=False)
        return views[index]

    def neighbour(index: int) -> EpisodeView | None:
        return listed(index) if 0 <= index < len(newest) else None

    out: dict[str, bytes] = dict(assets.values()) if lists else {}
    try:
        if lists:
            everything = [listed(i) for i in range(len(newest))]
            out.update(_lists(publication, newest, everything, fmt, common))
        for index, episode in enumerate(newest):
            if pages is not None and episode.id not in pages:
                continue
            out[episode.page_path] = _render(
                "episode.html",
                root="../../",
                page=episode.page_path,
                ep=_with_details(listed(index), publication, fmt),
                newer=neighbour(index - 1),
                older=neighbour(index + 1),
                **common,
            )
    except TemplateError as err:
        raise SiteError(f"pages could not be rendered ({err})") from err
    return out


def page_inputs(publication: PublicView) -> dict[str, tuple[object, ...]]:
    """By episode id, what its page shows besides the episode itself, the show and the
    settings: its newer and older neighbours' paths and titles, its topics' labels and
    links (a link's slug depends on every topic), its artwork, whether the search of what
    was said is linked. A page whose inputs are the same renders the same bytes."""
    newest = sorted(publication.episodes, key=_newest_first)
    facets = build_facets(newest)
    has_said = _has_said(newest)
    out: dict[str, tuple[object, ...]] = {}
    for index, episode in enumerate(newest):
        newer = newest[index - 1] if index > 0 else None
        older = newest[index + 1] if index + 1 < len(newest) else None
        out[episode.id] = (
            [(e.page_path, e.session.title) if e is not None else None for e in (newer, older)],
            [(t.label, t.slug) for t in _topics(episode.session, facets)],
            publication.artwork_for(episode.id),
            has_said,
        )
    return out


def _has_said(episodes: Sequence[PublicEpisode]) -> bool:
    """The search of what was said exists (:func:`said_index` is not ``None``)."""
    return any(e.transcript is not None and e.transcript.cues for e in episodes)


def _lists(
    publication: PublicView,
    newest: Sequence[PublicEpisode],
    listed: Sequence[EpisodeView],
    fmt: Formatter,
    common: Mapping[str, object],
) -> dict[str, bytes]:
    """The pages made from every episode: the index and the search of what was said."""
    out = {
        "index.html": _render(
            "index.html",
            root="",
            page=INDEX_PAGE,
            episodes=listed,
            upcoming=[_upcoming(s, fmt) for s in publication.upcoming],
            apps=app_links(publication.site.feed_url, fmt.t),
            summary=_summary(publication.show.description),
            by_id={v.id: v for v in listed},
            **common,
        )
    }
    transcripts = {e.id: e.transcript for e in newest}
    said = said_index(newest, transcripts)
    if said is not None:
        out.update(_said_search(said, newest, transcripts, common))
    return out


def _said_search(
    said: tuple[str, bytes],
    newest: Sequence[PublicEpisode],
    transcripts: Mapping[str, PublicTranscript | None],
    common: Mapping[str, object],
) -> dict[str, bytes]:
    """The search of what was said (:mod:`audioarchive.transcribe.pagesearch`): its index
    script and its page."""
    path, data = said
    page = _render(
        "search.html",
        root="../",
        page=SEARCH_PAGE,
        said_index=path,
        transcribed=[e for e in newest if transcripts[e.id] is not None],
        **common,
    )
    return {path: data, SEARCH_PAGE: page}


@dataclass(frozen=True)
class UpcomingView:
    session: Session
    date_long: str
    date_iso: str


def _upcoming(session: Session, fmt: Formatter) -> UpcomingView:
    date = session.date
    return UpcomingView(
        session,
        fmt.date(date, weekday=True, time=True) if date else "",
        date.isoformat() if date else "",
    )


def _newest_first(episode: PublicEpisode) -> tuple[float, str]:
    date = episode.session.date
    return (-(date.timestamp() if date else 0.0), episode.id)


def _render(template: str, **context: object) -> bytes:
    return _ENV.get_template(template).render(**context).encode("utf-8")
