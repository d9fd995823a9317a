"""Pure text helpers shared by the stages: Markdown, slugs, natural order, hashing."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_NUMBER = re.compile(r"(\d+)")
_TAG = re.compile(r"<[^>]+>")
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")


@functools.cache
def _markdown() -> MarkdownIt:
    """The CommonMark renderer, made on first use: ``list`` and a search that renders no
    description never load markdown-it."""
    from markdown_it import MarkdownIt  # noqa: PLC0415

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


@functools.lru_cache(maxsize=8192)
def markdown_to_html(text: str) -> str:
    """Safe HTML from Markdown: raw HTML is escaped, unsafe link schemes are dropped."""
    return str(_markdown().render(text)).strip()


@functools.lru_cache(maxsize=8192)  # each description is rendered by tags, feed, pages…
def markdown_to_text(text: str) -> str:
    """Readable plain text from Markdown (for tags and plain descriptions)."""
    html = _markdown().render(text)
    plain = _TAG.sub("", html.replace("</p>", "\n").replace("<br />", "\n"))
    plain = (
        plain.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#39;", "'")
    )
    return re.sub(r"\n{3,}", "\n\n", plain).strip()


@functools.lru_cache(maxsize=8192)  # the same names and characters, folded again and again
def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Dématérialisation" → "dematerialisation"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(text: str) -> str:
    """An ASCII slug: lowercase letters, digits and single hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:80].rstrip("-")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting ZOOM0002 before ZOOM0010 and part-2 before part-10."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in _NUMBER.split(name)
        if part
    )


def natural_sorted(names: Iterable[str]) -> list[str]:
    return sorted(names, key=natural_key)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
