"""Headless Chromium (Debian's, driven by Playwright) against pages served on 127.0.0.1.

Every test module here gets one browser; each test a fresh page that records every
request, console error and uncaught exception. Requests to any other origin are
recorded and aborted (they never leave the machine). Skipped, with the reason, only
when Chromium or Playwright is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from audioarchive.inspect.server import ServeConfig, serve_in_thread
from tests.browser.workspace import dress
from tests.helpers import copy_workspace

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Playwright, Request, Route

try:
    from playwright.sync_api import sync_playwright
    from scripts.screenshots import find_chromium, launch
except ImportError:  # the test extras are not installed: the browser tests skip
    HAVE_PLAYWRIGHT = False
else:
    HAVE_PLAYWRIGHT = True

NO_CHROMIUM = (
    "Chromium is not installed: 'make test' installs Debian's chromium package when run as "
    "root on Debian (scripts/system-deps.sh optional:chromium); elsewhere install it yourself"
)


@dataclass
class Site:
    origin: str
    root: Path  # the workspace

    def url(self, path: str = "/") -> str:
        return self.origin + path


@dataclass
class Watched:
    page: Page
    origin: str
    requests: list[Request] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        response = self.page.goto(self.origin + path, wait_until="load")
        assert response is not None, path
        assert response.status == 200, path

    def check_clean(self) -> None:
        """No console error, no uncaught exception, no request to another host."""
        assert self.outside == [], f"requests outside {self.origin}: {self.outside}"
        assert self.errors == [], f"console errors: {self.errors}"
        foreign = [r.url for r in self.requests if not r.url.startswith(self.origin + "/")]
        assert foreign == []


@pytest.fixture(scope="module")
def chromium() -> str:
    if not HAVE_PLAYWRIGHT:
        pytest.skip("Playwright is not installed: pip install -e '.[test]'")
    path = find_chromium()
    if path is None:
        pytest.skip(NO_CHROMIUM)
    return path


@pytest.fixture(scope="module")
def site(
    chromium: str, built_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The dressed sample workspace, built, its feed/ served by audioarchive.inspect.server."""
    ws = dress(copy_workspace(built_template, tmp_path_factory.mktemp("pages") / "ws"))
    root = ws.root
    result = ws.run("build")
    assert result.exit_code == 0, result.output
    config = ServeConfig(root=root / "feed", base_url="http://localhost:8000")
    server, thread = serve_in_thread(config)
    host, port = server.server_address[:2]
    try:
        yield Site(f"http://{host!s}:{port}", root)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def playwright(chromium: str) -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium: str) -> Iterator[BrowserContext]:
    with launch(playwright, chromium) as context:
        yield context


@pytest.fixture
def watched(browser: BrowserContext, site: Site) -> Iterator[Watched]:
    watched = Watched(browser.new_page(), site.origin)

    def outside(route: Route) -> None:
        watched.outside.append(route.request.url)
        route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "assert"):
            watched.errors.append(f"{message.text} ({message.location})")

    def page_error(error: Exception) -> None:
        watched.errors.append(f"uncaught: {error}")

    def request(request: Request) -> None:
        watched.requests.append(request)

    def is_outside(url: str) -> bool:
        return not url.startswith(site.origin + "/")

    watched.page.route(is_outside, outside)
    watched.page.on("request", request)
    watched.page.on("console", console)
    watched.page.on("pageerror", page_error)
    try:
        yield watched
    finally:
        watched.page.close()
