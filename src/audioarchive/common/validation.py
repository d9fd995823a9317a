"""Typed reading of parsed YAML/TOML with every problem collected, none raised.

A :class:`FieldReader` wraps one mapping of one file. Each accessor returns the
converted value, or ``None`` after recording a :class:`Problem` that names the
file, the field, what was found and what is expected. The loaders in
``config.py`` and ``session.py`` read everything, then raise once with the
whole list.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from audioarchive.errors import Problem

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TIME = re.compile(r"^(?:(?:(\d+):)?([0-5]?\d):)?(\d+(?:\.\d+)?)$")
_CLOCK = re.compile(r"^(?:(?:(\d+):)?([0-5]?\d):)([0-5]\d(?:\.\d+)?)$")


def describe(value: Any) -> str:
    """A short, printable picture of a value for an error message."""
    if isinstance(value, str):
        shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f'"{shown}"'
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, date):
        return describe(str(value))
    return describe(str(value)).strip('"')


def did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def parse_time(value: Any) -> float | None:
    """Seconds from ``H:MM:SS(.fff)``, ``MM:SS``, ``SS`` or a number; ``None`` if invalid.

    YAML 1.1 reads an unquoted ``1:30:00`` as a base-60 integer, which is
    already seconds, so numbers pass through.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _CLOCK.match(text) if ":" in text else _TIME.match(text)
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds)


def format_time(seconds: float, *, millis: bool = False) -> str:
    """``H:MM:SS`` (or ``H:MM:SS.mmm``) for a number of seconds."""
    total_ms = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    text = f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{text}.{ms:03d}" if millis else text


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and value.isascii()


def has_control_chars(value: str) -> bool:
    """Control characters, and anything XML 1.0 cannot carry (lone surrogates, U+FFFE/FFFF)."""
    return any(
        (unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t\r") or c in "\ufffe\uffff"
        for c in value
    )


class FieldReader:
    """Reads typed fields from one mapping, recording problems instead of raising."""

    def __init__(
        self, problems: list[Problem], file: str, data: Mapping[str, Any], prefix: str = ""
    ) -> None:
        self.problems = problems
        self.file = file
        self.data = data
        self.prefix = prefix

    # -- helpers ------------------------------------------------------------------------------

    def field(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.field(key), message))

    def wrong(self, key: str, expected: str) -> None:
        self.problem(key, f"found {describe(self.data.get(key))}; expected {expected}")

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def check_keys(self, allowed: Iterable[str]) -> None:
        """Report every key not in ``allowed``, with a "did you mean" where one is close."""
        allowed = list(allowed)
        for key in self.data:
            if key in allowed:
                continue
            hint = did_you_mean(str(key), allowed)
            message = f"unknown key{hint}" if hint else "unknown key"
            if not hint:
                message += f"; expected one of: {', '.join(allowed)}"
            self.problems.append(Problem(self.file, self.field(str(key)), message))

    def blank(self, key: str, expected: str = "a text") -> None:
        """A key present with an empty or whitespace-only value: always a named problem.

        Quietly dropping it would hide a slip (a title typed as spaces); an optional value
        that is not known yet is left out, or written as ``key:`` with nothing after it.
        """
        self.problem(
            key,
            f"found {describe(self.data.get(key))}, which is blank; expected {expected}, "
            "or no key at all while there is none",
        )

    def _missing(self, key: str, required: bool, expected: str) -> None:
        if required:
            self.problem(key, f"missing; expected {expected}")

    # -- scalars ------------------------------------------------------------------------------

    def text(
        self,
        key: str,
        *,
        required: bool = False,
        max_len: int | None = None,
        multiline: bool = False,
        expected: str = "a text",
    ) -> str | None:
        value = self.data.get(key)
        if value is None:
            self._missing(key, required, expected)
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.wrong(key, expected)
            return None
        text = str(value).strip() if not multiline else str(value).strip("\n").rstrip()
        if not text.strip():
            self.blank(key, expected)
            return None
        if has_control_chars(text) or (not multiline and "\n" in text):
            what = "text" if multiline else "one line of text"
            self.problem(key, f"found {describe(text)} with control characters; expected {what}")
            return None
        if max_len is not None and len(text) > max_len:
            self.problem(key, f"found {len(text)} characters; expected at most {max_len}")
            return None
        return text

    def pattern(
        self, key: str, regex: re.Pattern[str], expected: str, *, required: bool = False
    ) -> str | None:
        value = self.data.get(key)
        if value is None:
            self._missing(key, required, expected)
            return None
        if not isinstance(value, str) or not regex.fullmatch(value):
            self.wrong(key, expected)
            return None
        return value

    def integer(
        self,
        key: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        expected = _range_text("a whole number", minimum, maximum)
        value = self.data.get(key)
        if value is None:
            self._missing(key, required, expected)
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.wrong(key, expected)
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.wrong(key, expected)
            return None
        return value

    def number(
        self,
        key: str,
        *,
        required: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float | None:
        expected = _range_text("a number", minimum, maximum)
        value = self.data.get(key)
        if value is None:
            self._missing(key, required, expected)
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.wrong(key, expected)
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.wrong(key, expected)
            return None
        return float(value)

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        value = self.data.get(key)
        if value is None:
            self._missing(key, required, "true or false")
            return None
        if not isinstance(value, bool):
            self.wrong(key, "true or false")
            return None
        return value

    def choice(self, key: str, choices: Iterable[str], *, required: bool = False) -> str | None:
        options = list(choices)
        expected = "one of: " + ", ".join(options)
        value = self.data.get(key)
        if value is None:
            self._missing(key, required, expected)
            return None
        if not isinstance(value, str) or value not in options:
            hint = did_you_mean(str(value), options) if isinstance(value, str) else ""
            self.problem(key, f"found {describe(value)}; expected {expected}{hint}")
            return None
        return value

    def url(self, key: str, *, required: bool = False) -> str | None:
        expected = "an absolute http(s) URL in ASCII, e.g. https://example.org/page"
        value = self.data.get(key)
        if value is None:
            self._missing(key, required, expected)
            return None
        if not isinstance(value, str) or not is_http_url(value.strip()):
            self.wrong(key, expected)
            return None
        return value.strip()

    def time(self, key: str, *, required: bool = False) -> float | None:
        expected = 'a time as "H:MM:SS" (or "MM:SS", or seconds)'
        value = self.data.get(key)
        if value is None:
            self._missing(key, required, expected)
            return None
        seconds = parse_time(value)
        if seconds is None:
            self.wrong(key, expected)
        return seconds

    def datetime_tz(self, key: str, *, required: bool = False) -> datetime | None:
        expected = "a date and time with a time zone, e.g. 2022-10-25T19:00:00+02:00"
        value = self.data.get(key)
        if value is None:
            self._missing(key, required, expected)
            return None
        if isinstance(value, str):
            text = value.strip()
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                self.problem(key, f"found {describe(text)} without a time; expected {expected}")
                return None
            try:
                value = datetime.fromisoformat(text)
            except ValueError:
                self.wrong(key, expected)
                return None
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                self.problem(
                    key, f"found {describe(value)} without a time zone; expected {expected}"
                )
                return None
            return value
        if isinstance(value, date):
            self.problem(key, f"found {describe(value)} without a time; expected {expected}")
            return None
        self.wrong(key, expected)
        return None

    # -- containers ---------------------------------------------------------------------------

    def text_list(self, key: str, *, expected: str = "a list of texts") -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.wrong(key, expected)
            return ()
        out: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.problem(f"{key}[{index}]", f"found {describe(item)}; expected a text")
                continue
            text = str(item).strip()
            if not text:
                self.problem(
                    f"{key}[{index}]",
                    f"found {describe(item)}, which is blank; expected a text, or no item",
                )
                continue
            if has_control_chars(text) or "\n" in text:
                self.problem(
                    f"{key}[{index}]", f"found {describe(text)}; expected one line of text"
                )
                continue
            out.append(text)
        return tuple(out)

    def mapping(self, key: str, *, required: bool = False) -> FieldReader | None:
        value = self.data.get(key)
        if value is None:
            self._missing(key, required, "a mapping of keys to values")
            return None
        if not isinstance(value, Mapping):
            self.wrong(key, "a mapping of keys to values")
            return None
        return FieldReader(self.problems, self.file, value, f"{self.field(key)}.")

    def mappings(
        self, key: str, *, label: Callable[[int, Mapping[str, Any]], str] | None = None
    ) -> Iterator[FieldReader]:
        """Each mapping of a list; other items are reported.

        ``label(index, item)`` names an item in messages (default: ``key[index].``).
        """
        value = self.data.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            self.wrong(key, "a list")
            return
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                self.problem(f"{key}[{index}]", f"found {describe(item)}; expected a mapping")
                continue
            prefix = label(index, item) if label else f"{self.field(key)}[{index}]."
            yield FieldReader(self.problems, self.file, item, prefix)


def _range_text(kind: str, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{kind} from {minimum} to {maximum}"
    if minimum is not None:
        return f"{kind} of at least {minimum}"
    if maximum is not None:
        return f"{kind} of at most {maximum}"
    return kind
