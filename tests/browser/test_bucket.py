"""The published tree on a plain S3 bucket (no website hosting, no index documents), in
Chromium: every internal link of the pages and the feed answers 200 with its type (#19)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urlsplit

import pytest
from lxml import etree  # type: ignore[import-untyped]

from audioarchive.common.mediatypes import media_type
from tests.browser.workspace import RICH, dress
from tests.helpers import Ws
from tests.storage.conftest import prefix, s3_env, seaweedfs, storage_toml
from tests.storage.seaweed import S3Server

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

pytestmark = [pytest.mark.browser, pytest.mark.s3]
__all__ = ["prefix", "s3_env", "seaweedfs"]  # fixtures used here, defined for tests/storage

LINKS = """Array.from(document.querySelectorAll(
  'a[href], link[href], audio[src], source[src], track[src], img[src], script[src]'),
  e => e.href || e.src)"""
FEED_LINKS = (
    "channel/link",
    "channel/item/link",
    "channel/image/url",
    "channel/item/enclosure/@url",
    "channel/item/{*}chapters/@url",
    "channel/item/{*}transcript/@url",
    "channel/item/{*}image/@href",
    "channel/{*}image/@href",
)


def _feed_urls(data: bytes) -> Iterator[str]:
    root = etree.fromstring(data)
    for path in FEED_LINKS:
        if "/@" in path:
            element_path, attribute = path.rsplit("/@", 1)
            for element in root.iterfind(element_path):
                value = element.get(attribute)
                if value is not None:  # psc:chapters has no url: its chapters are inside
                    yield value
        else:
            for element in root.iterfind(path):
                yield (element.text or "").strip()


def test_every_internal_link_works_on_a_plain_bucket(
    built: Ws,
    seaweedfs: S3Server,
    s3_env: dict[str, str],
    prefix: str,
    browser: BrowserContext,
) -> None:
    ws = dress(built)
    (ws.root / "audioarchive.toml").write_text(storage_toml(seaweedfs, prefix))
    result = ws.run("publish")
    assert result.exit_code == 0, result.output
    base = seaweedfs.public_url(prefix) + "/"
    page = browser.new_page()
    bad_loads: list[str] = []
    page.on(
        "response",
        lambda r: (
            bad_loads.append(f"{r.status} {r.url}")
            if r.url.startswith(base) and r.status >= 400
            else None
        ),
    )
    checked: dict[str, str] = {}  # url without fragment -> content type
    pages = [base + "index.html"]
    others: set[str] = set()

    def follow(link: str) -> None:
        target = urldefrag(link).url
        if target.startswith(base) and target not in checked:
            is_page = urlsplit(target).path.endswith((".html", "/"))
            (pages.append if is_page else others.add)(target)

    try:
        feed = page.request.get(base + "feed.xml")
        assert feed.status == 200
        for link in _feed_urls(feed.body()):
            assert link.startswith(base), link  # every URL of the feed is in the tree
            follow(link)
        while pages:
            url = pages.pop()
            if url in checked:
                continue
            response = page.goto(url, wait_until="load")
            assert response is not None, url
            assert response.status == 200, url
            checked[url] = response.headers.get("content-type", "")
            for link in page.evaluate(LINKS):
                follow(link)
        for url in sorted(others | {base + "feed.xml"}):
            answer = page.request.get(url)
            assert answer.status == 200, url
            checked[url] = answer.headers.get("content-type", "")
    finally:
        page.close()
    for url, content_type in checked.items():
        relpath = urlsplit(url).path.removeprefix(urlsplit(base).path)
        assert content_type.split(";")[0] == media_type(relpath).split(";")[0], (url, content_type)
    assert bad_loads == []
    kinds = {urlsplit(u).path.rsplit(".", 1)[-1] for u in checked}
    # pages, the feed, media, artwork, chapters, transcripts, assets, catalogues: all followed
    assert {"html", "xml", "mp3", "json", "vtt", "srt", "css", "js", "csv"} <= kinds, kinds
    assert base + f"episodes/{RICH}/index.html" in checked
    assert base + "index.html" in checked
