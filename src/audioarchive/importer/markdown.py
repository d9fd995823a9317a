"""Hosts' HTML show notes → Markdown, the way session files hold descriptions.

Paragraphs, line breaks, links, emphasis, lists and headings are kept; images,
scripts, styles and any other markup are dropped (their text stays). Nothing is
interpreted: the result is text that our pages and feed render safely.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "section", "article", "blockquote", "table", "tr", "pre"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIPPED = {"script", "style", "head", "title", "iframe", "noscript"}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]])")


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str | None] = []
        self.lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skip += 1
        elif tag in _BLOCKS or tag in _HEADINGS:
            self._block()
            if tag in _HEADINGS:
                self.out.append("#" * int(tag[1]) + " ")
        elif tag == "br":
            self.out.append("  \n")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag in ("ul", "ol"):
            self._block()
            self.lists.append([1] if tag == "ol" else [])
        elif tag == "li":
            self._line()
            indent = "   " * max(0, len(self.lists) - 1)
            numbers = self.lists[-1] if self.lists else []
            if numbers:
                self.out.append(f"{indent}{numbers[0]}. ")
                numbers[0] += 1
            else:
                self.out.append(f"{indent}- ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            safe = href.strip() if re.match(r"(?i)(https?|mailto):", href.strip()) else None
            self.links.append(safe)
            if safe:
                self.out.append("[")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS or tag in _HEADINGS:
            self._block()
        elif tag in ("strong", "b"):
            self._close("**")
        elif tag in ("em", "i"):
            self._close("*")
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._block()
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.out.append(f"]({href.replace(' ', '%20').replace(')', '%29')})")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"\s+", " ", data)
        if not self.out or self.out[-1].endswith("\n"):
            text = text.lstrip()
        self.out.append(_MARKDOWN_SPECIAL.sub(r"\\\1", text))

    def _close(self, mark: str) -> None:
        """Close an emphasis, or drop it when it holds nothing."""
        if self.out and self.out[-1] == mark:
            self.out.pop()
        else:
            self.out.append(mark)

    def _line(self) -> None:
        if self.out and not "".join(self.out[-2:]).endswith("\n"):
            self.out.append("\n")

    def _block(self) -> None:
        if self.out:
            self.out.append("\n\n")


def html_to_markdown(html: str) -> str:
    """Markdown for a host's HTML description (plain text stays plain, paragraphs kept)."""
    if "<" not in html:
        paragraphs = re.split(r"\n\s*\n", html.strip())
        return "\n\n".join(_MARKDOWN_SPECIAL.sub(r"\\\1", p.strip()) for p in paragraphs if p)
    converter = _Converter()
    converter.feed(html)
    converter.close()
    text = "".join(converter.out)
    lines = [line.rstrip() if not line.endswith("  ") else line for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
