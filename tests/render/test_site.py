"""The archive pages without a browser: content, escaping, privacy, validity, determinism."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import pytest
import yaml

from audioarchive.common.formats import iso_duration
from audioarchive.common.text import sha256_bytes
from audioarchive.errors import SiteError
from audioarchive.metadata.episode import Publication
from audioarchive.metadata.privacy import ANONYMOUS
from audioarchive.metadata.session import Venue, load_workspace
from audioarchive.pipeline import collect_publication
from audioarchive.render import feed as feed_module
from audioarchive.render import site as site_module
from audioarchive.render.i18n import LANGUAGES, STRINGS, ui_language
from audioarchive.render.publication import public_view
from audioarchive.render.site import (
    CSP,
    Formatter,
    clock,
    description_html,
    osm_url,
    render_site,
    safe_url,
    seconds_text,
)
from tests.browser.workspace import (
    HIDDEN_NAME,
    HOSTILE,
    HOSTILE_FIELDS,
    HOSTILE_RESOURCE,
    HOSTILE_SPEAKER,
    HOSTILE_TITLE,
    PLAIN,
    REDACTED_TEXT,
    RICH,
    UPCOMING,
    dress,
)
from tests.helpers import SHOW, Ws, copy_workspace, new_workspace

NS = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def dressed_template(built_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `built` workspace dressed by tests.browser.workspace.dress, rebuilt once (re-tag)."""
    ws = dress(copy_workspace(built_template, tmp_path_factory.mktemp("site") / "ws"))
    root = ws.root
    result = ws.run("build")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def dressed(dressed_template: Path) -> Ws:
    """Read-only: tests that change files use `dressed_copy`."""
    return Ws(dressed_template)


@pytest.fixture
def dressed_copy(dressed_template: Path, tmp_path: Path) -> Ws:
    return copy_workspace(dressed_template, tmp_path / "ws")


def publication_of(ws: Ws) -> Publication:
    return collect_publication(load_workspace(ws.root))


def page(ws: Ws, relpath: str) -> str:
    return (ws.root / "feed" / relpath).read_text(encoding="utf-8")


def parse(text: str) -> Element:
    """Strict HTML5 parse: any parse error fails the test."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    document: Element = parser.parse(text)
    return document


def elements(root: Element, tag: str) -> list[Element]:
    return list(root.iter(f"{NS}{tag}"))


def text_of(element: Element) -> str:
    return "".join(element.itertext())


def pages_of(ws: Ws) -> list[Path]:
    return sorted((ws.root / "feed").rglob("*.html"))


# --- what is written ----------------------------------------------------------------------------


def test_build_writes_index_episode_pages_and_hashed_assets(dressed: Ws) -> None:
    feed = dressed.root / "feed"
    assert (feed / "index.html").is_file()
    for session_id in (RICH, HOSTILE, PLAIN):
        assert (feed / "episodes" / session_id / "index.html").is_file()
    assert not (feed / "episodes" / UPCOMING).exists()
    assets = sorted(p.name for p in (feed / "assets").iterdir())
    assert [re.sub(r"-[0-9a-f]{10}\.", ".", name) for name in assets] == [
        "icon.svg",
        "said.js",  # the index of what was said (search/): the dressed sessions have transcripts
        "site.js",
        "style.css",
    ]
    for path in (feed / "assets").iterdir():
        assert sha256_bytes(path.read_bytes())[:10] in path.name


def test_pages_are_deterministic(dressed_copy: Ws) -> None:
    dressed = dressed_copy
    first = render_site(public_view(publication_of(dressed)))
    second = render_site(public_view(publication_of(dressed)))
    assert first == second
    for relpath, data in first.items():
        assert (dressed.root / "feed" / relpath).read_bytes() == data, relpath
    stamps = {p: p.stat().st_mtime_ns for p in pages_of(dressed)}
    result = dressed.run("build")
    assert result.exit_code == 0
    assert {p: p.stat().st_mtime_ns for p in pages_of(dressed)} == stamps  # nothing rewritten


# --- validity and privacy -----------------------------------------------------------------------


class _Loads(HTMLParser):
    """Every URL a browser would fetch on its own while showing the page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.style_attributes = 0
        self.style_elements = 0
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.handlers += [k for k in values if k.startswith("on")]
        if "style" in values:
            self.style_attributes += 1
        if tag == "style":
            self.style_elements += 1
        if tag == "script":
            if "src" in values:
                self.urls.append(values["src"])
            else:
                self.inline_scripts += 1
        if tag in ("img", "audio", "video", "source", "track", "iframe", "embed") and values.get(
            "src"
        ):
            self.urls.append(values["src"])
        if tag in ("img", "source") and values.get("srcset"):
            self.urls.append(values["srcset"])
        if tag == "video" and values.get("poster"):
            self.urls.append(values["poster"])
        if tag == "link" and set(values.get("rel", "").split()) & {
            "stylesheet",
            "icon",
            "preload",
            "prefetch",
            "preconnect",
            "dns-prefetch",
            "modulepreload",
            "manifest",
        }:
            self.urls.append(values["href"])
        if tag == "object" and values.get("data"):
            self.urls.append(values["data"])


def test_pages_load_nothing_from_another_host(dressed: Ws) -> None:
    for path in pages_of(dressed):
        text = path.read_text(encoding="utf-8")
        loads = _Loads()
        loads.feed(text)
        assert loads.urls, path
        for url in loads.urls:
            assert not re.match(r"^([a-z][a-z0-9+.-]*:|//)", url, re.IGNORECASE), (path, url)
        assert loads.inline_scripts == 0, path
        assert loads.style_attributes == 0, path
        assert loads.style_elements == 0, path
        assert loads.handlers == [], path
        root = parse(text)
        metas = {
            m.get("http-equiv") or m.get("name"): m.get("content") for m in elements(root, "meta")
        }
        assert metas["Content-Security-Policy"] == CSP
        assert "default-src 'none'" in CSP
        assert "unsafe" not in CSP
        assert metas["referrer"] == "no-referrer"


def test_pages_are_valid_html_with_landmarks_labels_and_alt_text(dressed: Ws) -> None:
    for path in pages_of(dressed):
        root = parse(path.read_text(encoding="utf-8"))
        assert root.get("lang") == "fr"
        ids = [e.get("id") for e in root.iter() if e.get("id")]
        assert len(ids) == len(set(ids)), f"duplicate ids in {path}"
        for tag in ("header", "nav", "main", "footer"):
            assert elements(root, tag), (path, tag)
        assert len(elements(root, "h1")) == 1, path
        for image in elements(root, "img"):
            assert image.get("alt") is not None, path
        for control in [*elements(root, "input"), *elements(root, "select")]:
            assert any(label.get("for") == control.get("id") for label in elements(root, "label"))
        for label in elements(root, "label"):
            assert label.get("for") in ids
        for link in elements(root, "a"):
            href = link.get("href") or ""
            if href.startswith("#"):
                assert href[1:] in ids, (path, href)
        assert text_of(elements(root, "title")[0]).strip()
        for time in elements(root, "time"):  # a machine-readable value on every <time>
            assert re.fullmatch(
                r"PT(\d+H)?(\d+M)?(\d+S)?|\d{4}-\d\d-\d\dT[\d:]+[+-]\d\d:\d\d",
                time.get("datetime") or "",
            ), path


def test_hidden_speakers_and_redacted_passages_never_appear(dressed: Ws) -> None:
    text = page(dressed, f"episodes/{RICH}/index.html")
    assert ANONYMOUS in text
    assert REDACTED_TEXT not in text
    for path in pages_of(dressed):
        content = path.read_text(encoding="utf-8")
        assert HIDDEN_NAME.casefold() not in content.casefold(), path


# --- escaping -----------------------------------------------------------------------------------


def test_hostile_metadata_is_shown_as_text(dressed: Ws) -> None:
    for relpath in ("index.html", f"episodes/{HOSTILE}/index.html", f"episodes/{RICH}/index.html"):
        root = parse(page(dressed, relpath))
        scripts = elements(root, "script")
        assert all(s.get("src") for s in scripts), relpath
        for tag in ("iframe", "svg", "b", "u", "i"):
            assert not elements(root, tag), (relpath, tag)
        images = elements(root, "img")
        assert all(i.get("class") == "artwork" for i in images), relpath
        assert not [e for e in root.iter() if any(a.startswith("on") for a in e.attrib)]
        assert not [a for a in elements(root, "a") if "javascript" in (a.get("href") or "")]
    root = parse(page(dressed, f"episodes/{HOSTILE}/index.html"))
    body = text_of(elements(root, "main")[0])
    assert text_of(elements(root, "h1")[0]) == HOSTILE_TITLE
    assert HOSTILE_TITLE in text_of(elements(root, "title")[0])
    for field in (
        *(f for f in HOSTILE_FIELDS if f != HOSTILE_TITLE),
        "1 <rue> & co",
        "<script>window.__pwned=8</script> & done",
        "Raw HTML <script>window.__pwned=1</script> stays text.",
    ):
        assert field in body, field
    links = {text_of(a): a.get("href") for a in elements(root, "a")}
    assert links[HOSTILE_RESOURCE] == "https://example.org/?a=1&b=<2>"
    assert links["pixel"] == "https://tracker.example/p.png"  # an image in Markdown: a link
    assert links["good link"] == "https://example.org/a?b=1&c=2"
    assert links[HOSTILE_SPEAKER] == 'https://example.org/"onmouseover="window.__pwned=9'
    index = parse(page(dressed, "index.html"))
    titles = [text_of(h) for h in elements(index, "h3")]
    assert HOSTILE_TITLE in titles
    assert "Upcoming <meeting>" in titles


# --- the index ----------------------------------------------------------------------------------


def _episode_items(root: Element) -> list[Element]:
    return [li for li in elements(root, "li") if li.get("class") == "episode"]


def test_index_lists_episodes_newest_first_with_facts_and_upcoming_apart(dressed: Ws) -> None:
    root = parse(page(dressed, "index.html"))
    items = _episode_items(root)
    assert [li.get("id") for li in items] == [f"episode-{i}" for i in (PLAIN, HOSTILE, RICH)]
    rich = text_of(items[2])
    assert "25 octobre 2022" in rich
    assert "Clara Deville" in rich
    assert "dématérialisation" in rich
    assert re.search(r"\d+ s", rich)
    assert items[2].get("data-year") == "2022"
    assert items[2].get("data-speakers") == "clara-deville"
    assert set((items[2].get("data-topics") or "").split()) == {"dematerialisation", "non-recours"}
    upcoming = [li for li in elements(root, "li") if li.get("class") == "upcoming-session"]
    assert len(upcoming) == 1
    assert "Upcoming <meeting>" in text_of(upcoming[0])
    assert "jeudi 19 février 2099, 19:00" in text_of(upcoming[0])
    assert "Centre social Le Picoulet" in text_of(upcoming[0])
    links = {a.get("href") for a in elements(root, "a")}
    assert {"catalog.json", "catalog.csv", "feed.xml", f"episodes/{RICH}/index.html"} <= links
    assert "podcast://localhost:8000/feed.xml" in links
    assert "pktc://subscribe/localhost:8000/feed.xml" in links
    feed_input = next(i for i in elements(root, "input") if i.get("id") == "feed-url")
    assert feed_input.get("value") == "http://localhost:8000/feed.xml"
    form = next(f for f in elements(root, "form") if f.get("id") == "filter")
    assert form.get("hidden") is not None  # useless without JavaScript: site.js shows it
    options = {
        s.get("name"): [o.get("value") for o in elements(s, "option")]
        for s in elements(form, "select")
    }
    assert options["year"] == ["", "2023", "2022"]
    assert "clara-deville" in options["speaker"]
    facets = {dt.get("id"): dt for dt in elements(root, "dt")}
    labels = [
        s
        for s in elements(facets["speaker-clara-deville"], "span")
        if s.get("class") == "facet-label"
    ]
    assert [text_of(s) for s in labels] == ["Clara Deville"]
    buttons = elements(facets["speaker-clara-deville"], "button")
    assert buttons[0].get("hidden") is not None  # site.js shows it
    assert buttons[0].get("data-value") == "clara-deville"


def test_empty_workspace_index(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    files = render_site(public_view(publication_of(ws)))
    assert sorted(k for k in files if k.endswith(".html")) == ["index.html"]
    text = files["index.html"].decode()
    root = parse(text)
    assert STRINGS["fr"]["no_episode"] in text_of(elements(root, "main")[0])
    assert not [li for li in elements(root, "li") if li.get("class") == "episode"]


# --- an episode page ----------------------------------------------------------------------------


def test_episode_page_has_player_chapters_transcript_downloads_and_facts(dressed: Ws) -> None:
    publication = publication_of(dressed)
    episode = next(e for e in publication.episodes if e.id == RICH)
    root = parse(page(dressed, f"episodes/{RICH}/index.html"))
    mp3 = episode.enclosure.path.removeprefix(f"episodes/{RICH}/")
    audio = elements(root, "audio")[0]
    assert audio.get("src") == f"../../{episode.enclosure.path}"
    assert audio.get("controls") is not None
    assert mp3 in (audio.get("src") or "")
    alternate = [
        link for link in elements(root, "link") if link.get("type") == "application/rss+xml"
    ]
    assert alternate[0].get("rel") == "alternate"
    assert alternate[0].get("href") == "../../feed.xml"
    seeks = [a for a in elements(root, "a") if a.get("data-seek") is not None]
    chapter_starts = [c.start for c in episode.chapters]
    assert [float(a.get("data-seek") or "") for a in seeks[: len(chapter_starts)]] == [
        pytest.approx(s, abs=0.001) for s in chapter_starts
    ]
    for link in seeks:
        assert link.get("href") == f"../../{episode.enclosure.path}#t={link.get('data-seek')}"
    cues = [li for li in elements(root, "li") if (li.get("id") or "").startswith("cue-")]
    assert len(cues) == 3  # the redacted one is gone
    assert [text_of(s) for c in cues for s in elements(c, "span") if s.get("class") == "speaker"]
    main = text_of(elements(root, "main")[0])
    for expected in (
        "Clara Deville",
        "sociologue",
        "invité·e",
        "59, rue de la Fontaine au Roi",
        "Programme du cycle",
        "Sonie intégrée",
        "LUFS",
        "dBTP",
        "Crête vraie",
        "CC BY-SA 4.0",
        "MP3",
        "Ko",
        episode.enclosure.sha256,
        "Saison 1, épisode 1",
        "mardi 25 octobre 2022, 19:00",
    ):
        assert expected in main, expected
    hrefs = {a.get("href") for a in elements(root, "a")}
    assert "https://www.openstreetmap.org/?mlat=48.8697&mlon=2.3731#map=18/48.8697/2.3731" in hrefs
    assert "https://creativecommons.org/licenses/by-sa/4.0/" in hrefs
    assert "https://example.org/slides.pdf" in hrefs
    assert "../../index.html?topic=non-recours#topic-non-recours" in hrefs
    assert f"../../{episode.enclosure.path}" in hrefs


def test_unreadable_transcript_is_a_site_error(dressed_copy: Ws) -> None:
    dressed = dressed_copy
    publication = publication_of(dressed)
    (dressed.root / "recordings" / RICH / "transcript.vtt").write_text("not vtt", encoding="utf-8")
    with pytest.raises(SiteError, match=r"transcript\.vtt"):
        render_site(public_view(publication))


def test_english_show_gets_english_pages_and_unknown_languages_fall_back(
    dressed_copy: Ws,
) -> None:
    dressed = dressed_copy
    podcast = dressed.root / "metadata" / "podcast.yaml"
    for language, expected in (("en", "Episodes"), ("en-GB", "Subscribe"), ("de", "Upcoming")):
        podcast.write_text(
            yaml.safe_dump({**SHOW, "language": language}, allow_unicode=True), encoding="utf-8"
        )
        files = render_site(public_view(publication_of(dressed)))
        index = files["index.html"].decode()
        assert f'<html lang="{language}">' in index
        assert expected in index
        episode = files[f"episodes/{RICH}/index.html"].decode()
        assert "Tuesday 25 October 2022, 19:00" in episode
        assert "Integrated loudness" in episode


# --- formatting helpers -------------------------------------------------------------------------


def test_formatting_helpers() -> None:
    fr, en = Formatter("fr"), Formatter("en")
    assert fr.number(-16.04) == "\u221216,0"
    assert en.number(-0.04) == "0.0"
    assert fr.number(44.1, trim=True) == "44,1"
    assert fr.number(48.0, trim=True) == "48"
    paris = timezone(timedelta(hours=1))
    date = datetime(2023, 2, 1, 19, 0, tzinfo=paris)
    assert fr.date(date, weekday=True, time=True) == "mercredi 1er février 2023, 19:00"
    assert en.date(date) == "1 February 2023"
    assert fr.duration(7080) == "1 h 58 min"
    assert fr.duration(61) == "1 min"
    assert fr.duration(9.4) == "9 s"
    assert fr.size(4_250_000) == "4,2 Mo"
    assert en.size(505_000) == "505 KB"
    assert fr.role("guest") == "invité·e"
    assert en.role("guest") == "guest"
    assert clock(9.9, hours=False) == "0:09"
    assert clock(3725, hours=False) == "1:02:05"
    assert clock(5, hours=True) == "0:00:05"
    assert iso_duration(0) == "PT0S"
    assert iso_duration(3725.2) == "PT1H2M5S"
    assert seconds_text(12.5) == "12.5"
    assert seconds_text(3) == "3"
    assert seconds_text(0) == "0"
    assert ui_language("fr-CA") == "fr"
    assert ui_language("de") == "en"
    assert set(STRINGS["fr"]) == set(STRINGS["en"])


def test_url_helpers() -> None:
    assert safe_url("https://example.org/x") == "https://example.org/x"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,x") is None
    assert safe_url("//evil.example/") is None
    assert osm_url(Venue("x", geo=(48.86970, 2.3731))) == (
        "https://www.openstreetmap.org/?mlat=48.8697&mlon=2.3731#map=18/48.8697/2.3731"
    )
    assert osm_url(Venue("x", address="1 rue & co")) == (
        "https://www.openstreetmap.org/search?query=1%20rue%20%26%20co"
    )
    assert osm_url(Venue("x")) is None
    html = str(description_html('![a "b"](https://t.example/p.png "t") <img src=x>'))
    assert "<img" not in html
    assert '<a href="https://t.example/p.png">a &quot;b&quot;</a>' in html


def test_every_language_has_every_string_and_every_string_is_used() -> None:
    english = set(LANGUAGES["en"].strings)
    for code, language in LANGUAGES.items():
        assert set(language.strings) == english, code
        assert len(language.months) == 12, code
        assert len(language.weekdays) == 7, code
    folder = Path(site_module.__file__).parents[1] / "templates" / "site"
    sources = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.html"))
    sources += Path(site_module.__file__).read_text(encoding="utf-8")
    sources += Path(feed_module.__file__).read_text(encoding="utf-8")  # the same table
    for key in english:
        assert re.search(rf"\bt\.{key}\b|[\"']{key}[\"']", sources), f"unused: {key}"


def test_an_episode_rendered_alone_is_as_in_a_whole_render(dressed: Ws) -> None:
    """What an incremental build relies on: an episode's page and files rendered alone are
    the bytes of a whole render, and their names are known without rendering them."""
    view = public_view(publication_of(dressed))
    whole = {**render_site(view), **feed_module.render_feed(view)}
    own: set[str] = set()
    for episode in view.episodes:
        alone = {
            **render_site(view, {episode.id}, lists=False),
            **feed_module.render_feed(view, {episode.id}, lists=False),
        }
        names = {episode.page_path, *feed_module.episode_file_names(episode)}
        assert set(alone) == names
        assert {path: whole[path] for path in names} == alone
        own |= names
    lists = {**render_site(view, (), lists=True), **feed_module.render_feed(view, ())}
    assert set(lists) == set(whole) - own
    assert {path: whole[path] for path in lists} == lists
    assert any(name.startswith("search/") for name in lists)  # the search of what was said
