"""Any text the loader accepts comes out of the feed and the pages unchanged, and as text."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import feedparser
import html5lib
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from audioarchive.common.validation import FieldReader
from audioarchive.errors import Problem
from audioarchive.render.feed import render_feed
from audioarchive.render.publication import public_view
from audioarchive.render.site import render_site
from tests.feed_helpers import make_publication, replace_session
from tests.helpers import examples

RICH = "2022-10-25-a"
# every plane, emoji and right-to-left scripts included; the loader decides what is acceptable
TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=80)


def _as_feedparser_reads(text: str) -> str:
    """feedparser "repairs" text that looks like UTF-8 read as Latin-1 ("Â¡" becomes "¡").

    The feed holds the text unchanged (checked with lxml); this is the client's quirk.
    """
    try:
        return text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _accepted(value: str) -> str | None:
    """What the metadata loader makes of ``value`` as a one-line text field."""
    return FieldReader([], "s.yaml", {"t": value}).text("t")


@given(title=TEXT, topic=TEXT)
@example(title="<script>alert(1)</script> & <b>bold</b>", topic='"><svg onload=x>')
@example(title="مرحبا بالجميع 👋🏽 — עברית", topic="\u202e evil \u202c")
@example(title="]]> &amp; &lt;", topic="x")
@example(title="Â¡", topic="x")  # looks double-encoded to feedparser
@example(title="0", topic=" ")  # found by exploration: blank, neither accepted nor refused
@example(title="\u3000", topic="x")  # an ideographic space only: blank too
@settings(max_examples=examples(60), deadline=None)
def test_any_accepted_text_round_trips_through_feed_and_pages(title: str, topic: str) -> None:
    problems: list[Problem] = []
    accepted = FieldReader(problems, "s.yaml", {"title": title, "topic": topic})
    title_value, topic_value = accepted.text("title"), accepted.text("topic")
    if title_value is None or topic_value is None:
        assert problems  # refused, with a named problem
        return
    with tempfile.TemporaryDirectory() as tmp:
        publication = make_publication(Path(tmp))
        publication = replace_session(publication, RICH, title=title_value, topics=(topic_value,))
        files = render_feed(public_view(publication))
        pages = render_site(public_view(dataclasses.replace(publication, upcoming=())))
    root = etree.fromstring(files["feed.xml"])  # well-formed, or this raises
    titles = [t.text for t in root.iter("title") if t.getparent().tag == "item"]
    assert title_value in titles
    parsed = feedparser.parse(files["feed.xml"])
    assert not parsed.bozo
    entry = next(e for e in parsed.entries if e.id == RICH)
    assert entry.title == _as_feedparser_reads(title_value)

    page = pages[f"episodes/{RICH}/index.html"].decode()
    document = html5lib.parse(page, namespaceHTMLElements=False)
    heading = document.find(".//h1")
    assert heading is not None
    assert "".join(heading.itertext()).strip() == title_value.strip()
    assert not any(
        el.tag in ("script",) and "pwned" in "".join(el.itertext()) for el in document.iter()
    )
