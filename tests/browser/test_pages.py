"""The archive pages in headless Chromium: what a listener sees and does."""

from __future__ import annotations

import http.client
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Site, Watched
from tests.browser.workspace import HOSTILE, HOSTILE_TITLE, PLAIN, RICH, UPCOMING

pytestmark = pytest.mark.browser

VISIBLE = "Array.from(document.querySelectorAll('.episode-list .episode:not([hidden])'), e => e.id)"


def visible(watched: Watched) -> list[str]:
    ids: list[str] = watched.page.evaluate(VISIBLE)
    return [i.removeprefix("episode-") for i in ids]


def pwned(watched: Watched) -> Any:
    return watched.page.evaluate("window.__pwned")


def test_index_lists_the_episodes_and_the_upcoming_session(watched: Watched, site: Site) -> None:
    watched.goto("/")
    page = watched.page
    assert visible(watched) == [PLAIN, HOSTILE, RICH]
    assert page.inner_text(f"#title-{HOSTILE}") == HOSTILE_TITLE
    upcoming = page.inner_text(f"#upcoming-{UPCOMING}")
    assert "Upcoming <meeting>" in upcoming
    assert "jeudi 19 février 2099, 19:00" in upcoming
    assert "Centre social Le Picoulet" in upcoming
    # served under another address than the build's: the feed URL follows (server rewrite)
    assert page.input_value("#feed-url") == site.url("/feed.xml")
    apple = page.get_attribute("a[data-app^='podcast:']", "href")
    assert apple == f"podcast://{urlsplit(site.origin).netloc}/feed.xml"
    assert pwned(watched) is None
    watched.check_clean()


def test_filter_narrows_the_list_live(watched: Watched) -> None:
    watched.goto("/")
    page = watched.page
    assert page.is_visible("#filter")  # hidden without JavaScript
    page.fill("#filter-q", "zzzz")
    assert visible(watched) == []
    assert page.inner_text("#filter-status") == "Aucun épisode ne correspond."
    page.fill("#filter-q", "dematerialisation")  # accents and case folded
    assert visible(watched) == [RICH]
    page.fill("#filter-q", "")
    page.select_option("#filter-speaker", "clara-deville")
    assert visible(watched) == [HOSTILE, RICH]
    assert page.inner_text("#filter-status") == "2 épisodes affichés sur 3."
    assert "speaker=clara-deville" in page.url
    page.select_option("#filter-year", "2022")
    page.select_option("#filter-topic", "dematerialisation")
    assert visible(watched) == [RICH]
    page.click("#filter button[type=reset]")
    page.wait_for_function(f"() => {VISIBLE}.length === 3")
    assert page.inner_text("#filter-status") == ""
    # a topic chip filters instead of jumping to the facet index
    page.click(f"#episode-{RICH} .topics a >> nth=0")
    assert visible(watched) == [RICH]
    assert page.input_value("#filter-topic") != ""
    watched.check_clean()


def test_facet_index_filters_the_list(watched: Watched) -> None:
    watched.goto("/")
    page = watched.page
    page.click("#browse details summary >> nth=0")  # by speaker
    page.click("#speaker-clara-deville button")
    assert visible(watched) == [HOSTILE, RICH]
    assert page.input_value("#filter-speaker") == "clara-deville"
    watched.check_clean()


def test_copy_button_copies_the_feed_address(watched: Watched, site: Site) -> None:
    page = watched.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.origin)
    watched.goto("/")
    page.click("button.copy")
    page.wait_for_function("() => document.querySelector('.copy-status').textContent !== ''")
    assert page.inner_text(".copy-status") == "Adresse copiée."
    assert page.evaluate("navigator.clipboard.readText()") == site.url("/feed.xml")
    watched.check_clean()


def test_filter_from_the_address_and_keyboard(watched: Watched) -> None:
    watched.goto("/?year=2023")
    assert visible(watched) == [PLAIN]
    watched.goto("/?topic=non-recours")
    assert visible(watched) == [HOSTILE, RICH]
    page = watched.page
    page.focus("#filter-q")
    page.keyboard.type("Session 2023")
    assert visible(watched) == []  # every word must match: "2023" is not in those two
    page.keyboard.press("Escape")
    watched.check_clean()


def test_episode_page_loads_without_error_or_foreign_request(watched: Watched) -> None:
    watched.goto(f"/episodes/{RICH}/")
    page = watched.page
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    fetched = {urlsplit(r.url).path for r in watched.requests}
    assert any(p.endswith(".mp3") for p in fetched)
    assert any(p.startswith("/assets/style-") for p in fetched)
    assert any(p.startswith("/assets/site-") for p in fetched)
    assert page.evaluate("document.getElementById('player').error") is None
    watched.check_clean()


def _current_time(watched: Watched) -> float:
    return float(watched.page.evaluate("document.getElementById('player').currentTime"))


def test_clicking_a_chapter_moves_the_player(watched: Watched) -> None:
    watched.goto(f"/episodes/{RICH}/")
    page = watched.page
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    links = page.locator(".chapters a.seek")
    assert links.count() == 2
    target = float(links.nth(1).get_attribute("data-seek") or "nan")
    assert target > 0.5
    url = page.url
    links.nth(1).click()
    page.wait_for_function(
        f"() => Math.abs(document.getElementById('player').currentTime - {target}) < 0.75"
    )
    assert page.url == url  # seeking, not following the media fragment link
    # the keyboard does the same: focus the first chapter, press Enter
    links.nth(0).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('player').currentTime < 0.75")
    assert page.url == url
    watched.check_clean()


def test_clicking_a_transcript_line_seeks(watched: Watched) -> None:
    watched.goto(f"/episodes/{RICH}/")
    page = watched.page
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    lines = page.locator(".cues li")
    assert lines.count() == 3
    last = lines.nth(2)
    start = float(last.get_attribute("data-start") or "nan")
    last.locator(".text").click()
    page.wait_for_function(
        f"() => Math.abs(document.getElementById('player').currentTime - {start}) < 0.75"
    )
    page.wait_for_function("() => document.querySelector('.cues li[aria-current=true]') !== null")
    watched.check_clean()


def test_the_audio_element_plays_and_its_source_answers_ranges(watched: Watched) -> None:
    watched.goto(f"/episodes/{RICH}/")
    page = watched.page
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.2")
    assert page.evaluate("document.getElementById('player').paused") is False
    page.evaluate("document.getElementById('player').pause()")
    source = urlsplit(str(page.evaluate("document.getElementById('player').currentSrc")))
    connection = http.client.HTTPConnection(source.hostname or "", source.port, timeout=10)
    try:
        connection.request("GET", source.path, headers={"Range": "bytes=100-199"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 206
    assert response.getheader("Content-Type") == "audio/mpeg"
    assert (response.getheader("Content-Range") or "").startswith("bytes 100-199/")
    assert len(body) == 100
    media = [r for r in watched.requests if r.url.endswith(".mp3")]
    assert any("range" in r.headers for r in media), "Chromium streams the episode by ranges"
    watched.check_clean()


def test_hostile_metadata_runs_nothing(watched: Watched) -> None:
    watched.goto(f"/episodes/{HOSTILE}/")
    page = watched.page
    assert page.inner_text("h1") == HOSTILE_TITLE
    assert "<script>window.__pwned=8</script> & done" in page.inner_text(".cues")
    page.hover(".chapters li .text")
    page.click(".cues li .text >> nth=0")
    assert pwned(watched) is None
    assert page.locator("main script, main img:not(.artwork), main iframe, main svg").count() == 0
    watched.check_clean()


def test_phone_width_needs_no_horizontal_scrolling(watched: Watched) -> None:
    page = watched.page
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/", f"/episodes/{RICH}/", f"/episodes/{HOSTILE}/"):
        watched.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wide = page.evaluate(
            "() => Array.from(document.querySelectorAll('body *'))"
            ".filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)"
            ".map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 5)"
        )
        assert overflow <= 0, (path, wide)
    watched.check_clean()


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_pass_axe_accessibility_checks(watched: Watched, scheme: str) -> None:
    try:  # axe-core, as shipped inside the axe-playwright-python package
        axe = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        pytest.skip("axe-playwright-python is not installed: pip install -e '.[test]'")
    page = watched.page
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    for path in ("/", f"/episodes/{RICH}/"):
        watched.goto(path)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.evaluate(axe)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        problems = [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
        ]
        assert problems == [], f"{path} ({scheme}): {problems}"
    watched.check_clean()
