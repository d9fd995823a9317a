"""Stage 3, site: the archive pages, rendered from Jinja templates shipped as package data.

:func:`render_site` returns ``{path inside feed/: bytes}``; the pipeline writes
them. Autoescaping is on everywhere: metadata is shown as text, never markup.
"""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateError, select_autoescape
from markupsafe import Markup

from audioarchive import __version__
from audioarchive.episode import Publication
from audioarchive.errors import SiteError
from audioarchive.text import markdown_to_html
from audioarchive.validation import format_time

_ENV = Environment(
    loader=PackageLoader("audioarchive", "templates/site"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters["clock"] = format_time
_ENV.filters["markdown"] = lambda text: Markup(markdown_to_html(text))  # noqa: S704 (escaped by markdown-it)
_ENV.filters["isodate"] = lambda value: value.isoformat() if isinstance(value, datetime) else ""


def render_site(publication: Publication) -> dict[str, bytes]:
    """Every page, keyed by its path relative to ``feed/``."""
    context = {"pub": publication, "version": __version__}
    pages: dict[str, bytes] = {}
    try:
        pages["index.html"] = _render("index.html", root="", **context)
        for episode in publication.episodes:
            pages[f"{episode.page_path}index.html"] = _render(
                "episode.html", root="../../", episode=episode, **context
            )
    except TemplateError as err:
        raise SiteError(f"pages could not be rendered ({err})") from err
    return pages


def _render(template: str, **context: object) -> bytes:
    return _ENV.get_template(template).render(**context).encode("utf-8")
