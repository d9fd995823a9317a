"""feedgen extension: Podlove Simple Chapters (``psc:chapters``) on feed items.

gPodder, AntennaPod and other apps that do not fetch the Podcasting 2.0 JSON
chapters (``podcast:chapters``) read chapters written in the item itself, as
Podlove Simple Chapters 1.2 (https://podlove.org/simple-chapters/):
``<psc:chapters version="1.2"><psc:chapter start="00:01:05.250" title="…"/>``.
The same public chapters as the JSON file: published times, withheld names removed.

Only this module, :mod:`audioarchive.render.feed_podcast2` and :mod:`audioarchive.render.feed`
import feedgen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

from audioarchive.common.formats import clock_time

PSC_NS = "http://podlove.org/simple-chapters"
PSC_VERSION = "1.2"


@dataclass(frozen=True)
class SimpleChapter:
    start: float  # seconds on the published timeline
    title: str
    href: str | None = None


class SimpleChaptersExtension(BaseExtension):  # type: ignore[misc]  # feedgen is untyped
    """Declares the ``psc`` namespace on the channel."""

    def extend_ns(self) -> dict[str, str]:
        return {"psc": PSC_NS}


class SimpleChaptersEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """``psc:chapters`` in one item."""

    def __init__(self) -> None:
        self._chapters: tuple[SimpleChapter, ...] = ()

    def extend_ns(self) -> dict[str, str]:
        return {"psc": PSC_NS}

    def chapters(self, chapters: Sequence[SimpleChapter]) -> None:
        self._chapters = tuple(chapters)

    def extend_rss(self, entry: Any) -> Any:
        if not self._chapters:
            return entry
        parent = xml_elem(f"{{{PSC_NS}}}chapters", entry)
        parent.attrib["version"] = PSC_VERSION
        for chapter in self._chapters:
            element = xml_elem(f"{{{PSC_NS}}}chapter", parent)
            element.attrib["start"] = clock_time(chapter.start)
            element.attrib["title"] = chapter.title
            if chapter.href:
                element.attrib["href"] = chapter.href
        return entry


def register_simple_chapters(fg: Any) -> None:
    """Register the extension as ``fg.psc`` / ``entry.psc``, before any entry is added."""
    fg.register_extension("psc", SimpleChaptersExtension, SimpleChaptersEntryExtension)
