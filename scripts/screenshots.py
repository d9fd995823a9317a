#!/usr/bin/env python3
"""Screenshots of the archive pages in headless Chromium, desktop and phone widths.

Usage: python scripts/screenshots.py [WORKSPACE] [--out DIR] [--episode ID]

Serves the workspace's built ``feed/`` on 127.0.0.1 (audioarchive.inspect.server),
opens the index and one episode page (the newest with a transcript, or
``--episode``), then the studio's pages (sessions, that episode's form and
timeline), and writes full-page PNGs into ``DIR`` (default:
``WORKSPACE/screenshots/``, never committed). Build first (``make demo``).

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright with
``executable_path``: Playwright never downloads a browser here. The flags keep
Chromium off the network. The browser tests import :func:`launch` from here.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from audioarchive.inspect.server import ServeConfig, serve_in_thread
from audioarchive.metadata.episode import load_record
from audioarchive.metadata.session import load_workspace
from audioarchive.studio.server import StudioServer, StudioThread, free_port

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
)
CANDIDATES = ("chromium", "chromium-browser")


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int
    scale: float = 1.0
    mobile: bool = False


VIEWPORTS = (
    Viewport("desktop", 1280, 900),
    Viewport("phone", 390, 844, scale=2.0, mobile=True),
)


def find_chromium() -> str | None:
    """The system Chromium, or ``None``."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def launch(
    playwright: Playwright, executable: str, viewport: Viewport = VIEWPORTS[0]
) -> Iterator[BrowserContext]:
    """A headless Chromium context with a fresh temporary profile, kept off the network."""
    with tempfile.TemporaryDirectory(prefix="audioarchive-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=list(CHROMIUM_FLAGS),
            viewport={"width": viewport.width, "height": viewport.height},
            device_scale_factor=viewport.scale,
            is_mobile=viewport.mobile,
            has_touch=viewport.mobile,
            service_workers="block",
            accept_downloads=False,
        )
        try:
            yield context
        finally:
            context.close()


def pick_episode(root: Path) -> str:
    """The newest built episode with a transcript (else the newest built one)."""
    workspace = load_workspace(root)
    built = [s for s in workspace.episodes if load_record(workspace.paths.state, s.id) is not None]
    if not built:
        raise SystemExit(f"{root}: no built episode; run 'make demo' or 'audioarchive build' first")
    with_transcript = [s for s in built if s.transcript is not None]
    return (with_transcript or built)[-1].id


def take(root: Path, out: Path, episode: str) -> list[Path]:
    executable = find_chromium()
    if executable is None:
        raise SystemExit("chromium is not installed: 'sudo apt-get install chromium'")
    feed = root / "feed"
    if not (feed / "index.html").is_file():
        raise SystemExit(f"{feed}/index.html is missing: run 'make demo' first")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    base_url = load_workspace(root).settings.site.base_url
    server, thread = serve_in_thread(ServeConfig(root=feed, base_url=base_url))
    studio = StudioServer(root=root, port=free_port(), token=secrets.token_urlsafe(16))
    studio_thread = StudioThread(studio).start()
    host, port = server.server_address[:2]
    origin = f"http://{host!s}:{port}"
    try:
        with sync_playwright() as playwright:
            for viewport in VIEWPORTS:
                with launch(playwright, executable, viewport) as context:
                    page = context.new_page()
                    for name, path in (("index", "/"), ("episode", f"/episodes/{episode}/")):
                        page.goto(origin + path, wait_until="load")
                        page.wait_for_function(
                            "() => document.getElementById('player') === null"
                            " || document.getElementById('player').readyState >= 1"
                        )
                        target = out / f"{name}-{viewport.name}.png"
                        page.screenshot(path=str(target), full_page=True)
                        written.append(target)
                    written += take_studio(page, studio, episode, out, viewport)
    finally:
        studio_thread.stop()
        server.shutdown()
        server.server_close()
        thread.join()
    return written


def take_studio(
    page: Page, studio: StudioServer, episode: str, out: Path, viewport: Viewport
) -> list[Path]:
    """The studio's pages: the sessions, one session's form, its timeline."""
    origin = f"http://{studio.host}:{studio.port}"
    page.goto(studio.url, wait_until="load")
    written = []
    for name, path in (
        ("studio-sessions", "/"),
        ("studio-session", f"/sessions/{episode}"),
        ("studio-timeline", f"/sessions/{episode}/timeline"),
    ):
        page.goto(origin + path, wait_until="load")
        if name == "studio-timeline":
            page.wait_for_selector("#timeline[data-ready='1']", timeout=120_000)
            page.wait_for_timeout(500)  # the waveform draws after the data
        target = out / f"{name}-{viewport.name}.png"
        page.screenshot(path=str(target), full_page=True)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("workspace", nargs="?", default=".", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--episode", default=None)
    args = parser.parse_args(argv)
    root = args.workspace.resolve()
    out = args.out or root / "screenshots"
    for path in take(root, out, args.episode or pick_episode(root)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
