"""The search of what was said, in headless Chromium: found with JavaScript, and every
transcript still readable without it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Playwright
from scripts.screenshots import CHROMIUM_FLAGS

from tests.browser.conftest import Site, Watched
from tests.browser.workspace import HIDDEN_NAME, REDACTED_TEXT, RICH

pytestmark = pytest.mark.browser


def test_search_finds_a_spoken_word_and_seeks_the_player(watched: Watched) -> None:
    watched.goto("/")
    page = watched.page
    page.click("nav a[href='search/index.html']")
    page.wait_for_url("**/search/index.html")
    page.wait_for_selector("#said-nojs", state="hidden", timeout=5000)
    page.fill("#said-q", "BONJOUR toutes")  # case folded, every word
    hits = page.locator("#said-results li")
    assert hits.count() == 1
    assert "Bonjour à toutes et à tous." in hits.first.inner_text()
    assert page.inner_text("#said-status") == "1 passage trouvé."
    page.fill("#said-q", "temoignage")  # accents folded; the withheld name is not there
    text = page.inner_text("#said-results")
    assert "témoignage" in text
    assert HIDDEN_NAME not in text
    page.fill("#said-q", REDACTED_TEXT.split()[-1])  # "retiré": a redacted cue
    assert page.locator("#said-results li").count() == 0
    page.fill("#said-q", "bonjour")
    link = page.locator("#said-results a").first
    href = link.get_attribute("href") or ""
    assert href == f"../episodes/{RICH}/index.html#t=0.5"
    link.click()
    page.wait_for_url(f"**/episodes/{RICH}/index.html#t=0.5")
    page.wait_for_function("document.getElementById('player').currentTime > 0.4")
    assert abs(page.evaluate("document.getElementById('player').currentTime") - 0.5) < 0.1
    watched.check_clean()


def test_transcripts_readable_without_javascript(
    playwright: Playwright, chromium: str, site: Site
) -> None:
    browser = playwright.chromium.launch(
        executable_path=chromium, headless=True, args=list(CHROMIUM_FLAGS)
    )
    try:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(site.url(f"/episodes/{RICH}/"))
        transcript = page.inner_text("#transcript")
        assert "Bonjour à toutes et à tous." in transcript
        assert REDACTED_TEXT not in transcript
        page.goto(site.url("/search/"))
        assert page.is_visible("#said-nojs")
        page.click(f"a[href='../episodes/{RICH}/index.html#transcript']")
        assert "Bonjour à toutes et à tous." in page.inner_text("#transcript")
    finally:
        browser.close()
