"""The studio end to end in Debian's Chromium: form, uploads, timeline, keyboard marks, build.

One journey through one studio (module scope): create a session from the form, upload two
recorder parts of a spoken meeting, see its speech on the timeline, set the trim, add a
chapter and a redaction with the keyboard, save, build with progress, then check the session
file and the built episode from outside (chapters JSON, decoded audio).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from audioarchive.ffmpeg import Tools
from audioarchive.metadata.session import load_workspace
from audioarchive.samples import Meeting, MeetingSpec, default_turns, synthesize_meeting
from audioarchive.studio.server import StudioServer, StudioThread, free_port
from tests.helpers import new_workspace

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route

SESSION = "2023-05-11-rencontre"
TOKEN = "browser-token-0123456789"  # noqa: S105 (the test server's token)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# where the marks go, in raw seconds: the trim start, a chapter, a redaction over a spoken turn
TRIM, CHAPTER = 2.0, 10.0


@pytest.fixture(scope="module")
def studio(
    chromium: str, tools: Tools, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, Meeting]]:
    base = tmp_path_factory.mktemp("studio-browser")
    ws = new_workspace(base / "ws")
    turns = default_turns(quiet_db=12.0)[:3]  # host, guest 12 dB lower, host
    spec = MeetingSpec(turns=turns, lead=4.0, tail=3.0, parts=2, channels=1)
    meeting = synthesize_meeting(tools, base / "card" / "ZOOM.WAV", spec)
    server = StudioServer(root=ws.root, port=free_port(), token=TOKEN)
    thread = StudioThread(server).start()
    try:
        yield f"http://127.0.0.1:{server.port}", ws.root, meeting
    finally:
        thread.stop()


@pytest.fixture(scope="module")
def page(browser: BrowserContext, studio: tuple[str, Path, Meeting]) -> Iterator[Page]:
    origin = studio[0]
    page = browser.new_page()
    errors: list[str] = []
    outside: list[str] = []

    def refuse(route: Route) -> None:
        outside.append(route.request.url)
        route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "assert"):
            errors.append(message.text)

    page.route(lambda url: not url.startswith(origin + "/"), refuse)
    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    try:
        yield page
    finally:
        page.close()
    assert outside == []
    assert errors == []


def check_axe(page: Page) -> None:
    try:  # axe-core, as shipped inside the axe-playwright-python package
        axe = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        pytest.skip("axe-playwright-python is not installed: pip install -e '.[test]'")
    page.evaluate(axe)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    serious = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{page.url}: {serious}"


def max_volume(path: Path, start: float, seconds: float) -> float:
    """Loudest sample (dBFS) of ``path`` between ``start`` and ``start + seconds``, decoded."""
    done = subprocess.run(
        [
            *("ffmpeg", "-hide_banner", "-nostdin", "-ss", str(start), "-t", str(seconds)),
            *("-i", str(path), "-af", "volumedetect", "-f", "null", "-"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"max_volume: (-?[\d.]+|-inf) dB", done.stderr)
    assert found is not None, done.stderr
    return float(found.group(1))


def at_playhead(page: Page, seconds: float, key: str) -> None:
    page.evaluate("t => { document.getElementById('player').currentTime = t; }", seconds)
    page.wait_for_function(
        "t => Math.abs(document.getElementById('player').currentTime - t) < 0.01", arg=seconds
    )
    page.locator("main").focus()
    page.keyboard.press(key)


def test_prepare_mark_and_build_a_meeting(
    browser: BrowserContext, page: Page, studio: tuple[str, Path, Meeting], tools: Tools
) -> None:
    origin, root, meeting = studio
    # without the token: the page that asks for it, accessible, and typing it lets one in
    asking = browser.new_page()
    asking.goto(origin + "/sessions/new")
    assert asking.locator("#token").count() == 1
    check_axe(asking)
    asking.locator("#token").fill(TOKEN)
    asking.keyboard.press("Enter")
    asking.wait_for_url(origin + "/")
    asking.close()
    page.goto(f"{origin}/?token={TOKEN}")
    assert page.url == origin + "/"  # the token left the address bar for a cookie
    check_axe(page)

    # a new session from the form
    page.click("a[href='/sessions/new']")
    page.fill("#id", SESSION)
    page.fill("#title", "Rencontre : le non-recours")
    page.fill("#date_local", "2023-05-11T19:00")
    page.fill("#timezone", "Europe/Paris")
    page.fill("#description", "Avec *Clara Deville*.")
    page.click("[data-preview=description]")
    page.wait_for_selector("#description-preview em")
    page.fill("#speakers-0-name", "Clara Deville")
    page.click("form.session button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{origin}/sessions/{SESSION}?saved=1", page.locator("main").inner_text()[
        :1500
    ]
    check_axe(page)

    # the recorder's two parts, uploaded with a progress bar each, verified
    page.set_input_files("#files", [str(p) for p in meeting.parts])
    page.wait_for_function(
        "() => document.querySelectorAll('.upload-list li.ok').length === 2", timeout=60_000
    )
    assert page.locator(".upload-list progress").count() == 2

    # the timeline: speech found, parts, keyboard marks
    page.click(f"a[href='/sessions/{SESSION}/timeline']")
    page.wait_for_selector("#timeline[data-ready='1']", timeout=60_000)
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    assert page.locator("#found-speech").inner_text().count("\u2013") >= len(meeting.cues)
    assert "ZOOM-2.WAV" in page.locator("#found-parts").inner_text()
    redaction = meeting.cues[2]  # the host's second turn, silenced in the middle
    at_playhead(page, TRIM, "[")
    at_playhead(page, CHAPTER, "c")
    at_playhead(page, redaction.start + 1.0, "r")
    at_playhead(page, redaction.start + 2.5, "r")
    assert page.locator("#trim-start").input_value() == "0:00:02.000"
    assert page.locator("#chapters tr").count() == 1
    assert page.locator("#chapters tr td").nth(1).inner_text() == "0:00:08.000"
    page.keyboard.press("Control+s")
    page.wait_for_selector("#marks-status.ok")
    # the processed result around the playhead, before any build
    at_playhead(page, redaction.start + 1.5, "p")
    page.wait_for_selector("#processed:not([hidden])", timeout=60_000)
    assert page.evaluate("document.getElementById('processed').src").startswith("blob:")
    check_axe(page)

    # build, with progress shown as it goes
    page.click("[data-job=build]")
    page.wait_for_function(
        "() => document.querySelector('[data-job-stage]').textContent.includes('%')"
    )
    page.wait_for_selector("[data-job-outcome].ok, [data-job-outcome].error", timeout=180_000)
    outcome = page.locator("[data-job-outcome]")
    assert "ok" in (outcome.get_attribute("class") or ""), outcome.inner_text()
    page.click(f"[data-job-links] a[href='/feed/episodes/{SESSION}/']")
    assert "Rencontre" in page.title()

    # the session file: its header comment kept, the new values right (read by the CLI's loader)
    text = (root / "metadata" / "sessions" / f"{SESSION}.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Created in the audioarchive studio.")
    session = load_workspace(root).session(SESSION)
    assert session.title == "Rencontre : le non-recours"
    assert session.date is not None
    assert session.date.isoformat() == "2023-05-11T19:00:00+02:00"
    assert [p.name for p in session.recording] == ["ZOOM-1.WAV", "ZOOM-2.WAV"]
    assert session.trim.start == pytest.approx(TRIM, abs=0.001)
    assert [c.start for c in session.chapters] == [pytest.approx(CHAPTER, abs=0.001)]
    assert len(session.redactions) == 1
    silenced = session.redactions[0]
    assert silenced.start == pytest.approx(redaction.start + 1.0, abs=0.001)
    assert silenced.end == pytest.approx(redaction.start + 2.5, abs=0.001)

    # the built episode: the chapter and the silence at the published times
    feed = root / "feed" / "episodes" / SESSION
    chapters = json.loads((feed / "chapters.json").read_text())["chapters"]
    assert [c["startTime"] for c in chapters] == [pytest.approx(CHAPTER - TRIM, abs=0.01)]
    mp3 = next(feed.glob("*.mp3"))
    hushed = silenced.start - TRIM + 0.2
    assert max_volume(mp3, hushed, 1.0) < -60
    assert max_volume(mp3, redaction.start - TRIM + 0.1, 0.8) > -30
