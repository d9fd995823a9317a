"""The words the public outputs add, per language: one table for the feed and the pages.

One JSON file per language in ``templates/site/i18n/``: ``strings`` (every key of
``en.json``), ``months``, ``weekdays`` (Monday first) and ``roles`` (session-file role →
shown name). A show's language picks its file ("fr-CA" → ``fr.json``); any other falls
back to English. The feed's descriptions use the ``with``, ``venue``, ``resources``,
``feed_map`` and ``feed_colon`` strings; the pages use the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Language:
    strings: Mapping[str, str]
    months: tuple[str, ...]
    weekdays: tuple[str, ...]
    roles: Mapping[str, str]


def _load_languages() -> dict[str, Language]:
    folder = files("audioarchive").joinpath("templates/site/i18n")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            out[entry.name.removesuffix(".json")] = Language(
                strings=dict(data["strings"]),
                months=tuple(data["months"]),
                weekdays=tuple(data["weekdays"]),
                roles=dict(data["roles"]),
            )
    return out


LANGUAGES = _load_languages()
STRINGS = {code: language.strings for code, language in LANGUAGES.items()}


def ui_language(language: str) -> str:
    """The table of :data:`STRINGS` for a show's language code ("fr-CA" → "fr"; else "en")."""
    primary = language.split("-", maxsplit=1)[0].lower()
    return primary if primary in STRINGS else DEFAULT_LANGUAGE
