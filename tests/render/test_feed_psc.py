"""Podlove Simple Chapters in feed items, read by podcastparser as gPodder does (#19)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import podcastparser
from lxml import etree  # type: ignore[import-untyped]

from audioarchive.common.formats import clock_time as normal_play_time
from audioarchive.render.feed import render_feed
from audioarchive.render.feed_psc import PSC_NS
from audioarchive.render.publication import public_view
from tests.feed_helpers import BASE, make_publication

RICH = "2022-10-25-a"


def _parse(data: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = podcastparser.parse(f"{BASE}/feed.xml", io.BytesIO(data))
    return parsed


def test_podcastparser_reads_the_items_chapters(tmp_path: Path) -> None:
    files = render_feed(public_view(make_publication(tmp_path / "recordings")))
    episodes = {e["guid"]: e for e in _parse(files["feed.xml"])["episodes"]}
    assert episodes[RICH]["chapters"] == [
        {"start": 0, "title": "Introduction"},
        {"start": 90, "title": "Clara Deville", "href": "https://example.org/slides.pdf"},
        {"start": 170, "title": "Le témoignage de […]"},  # the withheld name stays out
    ]
    # an episode without chapters has no psc:chapters (podcastparser then has no key)
    assert "chapters" not in episodes["2022-11-24-b"]
    root = etree.fromstring(files["feed.xml"])
    (element,) = root.findall(f"channel/item[guid='{RICH}']/{{{PSC_NS}}}chapters")
    assert element.get("version") == "1.2"
    assert [c.get("start") for c in element] == ["00:00:00.000", "00:01:30.000", "00:02:50.000"]


def test_normal_play_time() -> None:
    assert normal_play_time(0) == "00:00:00.000"
    assert normal_play_time(3725.25) == "01:02:05.250"
    assert normal_play_time(59.9996) == "00:01:00.000"
