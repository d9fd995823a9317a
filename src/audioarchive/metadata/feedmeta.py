"""The show's feed-only metadata in ``podcast.yaml``: ``txt``, ``rhythm``, ``podroll``,
``publisher``; read and checked here, written by :mod:`audioarchive.render.feed`.

Each key maps to one element of the Podcasting 2.0 namespace
(https://github.com/Podcastindex-org/podcast-namespace, ``docs/tags/``):

- ``txt`` → ``<podcast:txt purpose="…">`` (txt.md): free text of at most 4000
  characters, a ``purpose`` of at most 128;
- ``rhythm`` → ``<podcast:updateFrequency rrule="…" dtstart="…" complete="true">``
  (update-frequency.md): an RFC 5545 recurrence rule (section 3.3.10), checked
  here by :func:`rrule_problems`; a text of at most 128 characters;
- ``podroll`` → ``<podcast:podroll>`` of ``<podcast:remoteItem feedGuid feedUrl
  title>`` (podroll.md, remote-item.md): ``feedGuid`` is required by the
  namespace, so a show given by its URL alone gets the GUID the namespace derives
  from that URL (guid.md);
- ``publisher`` → ``<podcast:publisher>`` with exactly one ``<podcast:remoteItem
  medium="publisher">`` (publisher.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

from audioarchive.common.validation import FieldReader, describe

TXT_LIMIT = 4000  # characters of a podcast:txt value (txt.md)
PURPOSE_LIMIT = 128  # characters of its purpose attribute
RHYTHM_TEXT_LIMIT = 128  # characters of podcast:updateFrequency's text
TXT_KEYS = ("value", "purpose")
RHYTHM_KEYS = ("rrule", "text", "dtstart", "complete")
REMOTE_KEYS = ("feed_guid", "feed_url", "title")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class TxtRecord:
    value: str
    purpose: str | None = None


@dataclass(frozen=True)
class Rhythm:
    """How often the show publishes: ``rrule`` (RFC 5545) and its words."""

    text: str
    rrule: str | None = None
    dtstart: datetime | None = None
    complete: bool = False


@dataclass(frozen=True)
class RemoteFeed:
    """Another feed: by its ``podcast:guid``, its URL, or both."""

    feed_guid: str | None = None
    feed_url: str | None = None
    title: str | None = None


# --- reading podcast.yaml ---------------------------------------------------------------------


def read_txt(r: FieldReader) -> tuple[TxtRecord, ...]:
    out: list[TxtRecord] = []
    for item in r.mappings("txt"):
        item.check_keys(TXT_KEYS)
        value = item.text("value", required=True, max_len=TXT_LIMIT, expected="the text to publish")
        purpose = item.text(
            "purpose", max_len=PURPOSE_LIMIT, expected='a purpose such as "applepodcastsverify"'
        )
        if value is not None:
            out.append(TxtRecord(value, purpose))
    return tuple(out)


def read_rhythm(r: FieldReader) -> Rhythm | None:
    rhythm = r.mapping("rhythm")
    if rhythm is None:
        return None
    rhythm.check_keys(RHYTHM_KEYS)
    complete = rhythm.boolean("complete") is True
    text = rhythm.text(
        "text",
        required=True,
        max_len=RHYTHM_TEXT_LIMIT,
        expected='the rhythm in words, e.g. "Every third Thursday of the month"',
    )
    dtstart = rhythm.datetime_tz("dtstart")
    rule = rhythm.text("rrule", expected='an RFC 5545 rule such as "FREQ=MONTHLY;BYDAY=3TH"')
    if rule is not None:
        rule = rule.upper()
        problems = rrule_problems(rule)
        for problem in problems:
            rhythm.problem("rrule", f"found {describe(rule)}: {problem}")
        if not problems and "COUNT=" in rule and dtstart is None:
            rhythm.problem(
                "dtstart", "missing; expected the date the rule starts (a rule with COUNT needs it)"
            )
        if problems:
            rule = None
    elif not complete:
        rhythm.problem(
            "rrule", 'missing; expected an RFC 5545 rule such as "FREQ=MONTHLY;BYDAY=3TH"'
        )
    if text is None:
        return None
    return Rhythm(text, rule, dtstart, complete)


def read_remote_feeds(r: FieldReader, key: str) -> tuple[RemoteFeed, ...]:
    return tuple(
        feed for feed in (read_remote_feed(item) for item in r.mappings(key)) if feed is not None
    )


def read_publisher(r: FieldReader) -> RemoteFeed | None:
    publisher = r.mapping("publisher")
    return read_remote_feed(publisher) if publisher is not None else None


def read_remote_feed(r: FieldReader) -> RemoteFeed | None:
    r.check_keys(REMOTE_KEYS)
    guid = r.pattern(
        "feed_guid", _UUID, 'the podcast:guid of the feed, e.g. "917393e3-1b1e-5cef-ace4-…"'
    )
    url = r.url("feed_url")
    title = r.text("title", max_len=255)
    if guid is None and url is None:
        if not r.has("feed_guid") and not r.has("feed_url"):
            r.problem("feed_guid", "missing; expected feed_guid or feed_url (or both)")
        return None
    return RemoteFeed(guid.lower() if guid else None, url, title)


# --- RFC 5545 recurrence rules ----------------------------------------------------------------

FREQUENCIES = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
#: Each BYxxx part: (lowest, highest absolute value, may it be negative).
_RANGES = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}
#: BYxxx parts a frequency may not carry (RFC 5545, the table of section 3.3.10).
_NOT_WITH = {
    "BYMONTHDAY": ("WEEKLY",),
    "BYYEARDAY": ("DAILY", "WEEKLY", "MONTHLY"),
    "BYWEEKNO": ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY"),
}
_PARTS = ("FREQ", "UNTIL", "COUNT", "INTERVAL", "BYDAY", "WKST", *_RANGES)
_INTEGER = re.compile(r"[+-]?\d{1,3}")
_BYDAY = re.compile(r"([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)")
_UNTIL = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?")


def rrule_problems(rule: str) -> list[str]:
    """What makes ``rule`` (the value of RRULE, e.g. ``FREQ=WEEKLY;BYDAY=TU``) not an
    RFC 5545 recurrence rule; empty when it is one."""
    parts: dict[str, str] = {}
    for piece in rule.split(";"):
        name, equals, value = piece.partition("=")
        if not equals or not value:
            return [f'"{piece}" is not NAME=VALUE; expected parts such as FREQ=WEEKLY']
        if name not in _PARTS:
            return [f'unknown part "{name}"; expected FREQ, INTERVAL, BYDAY, COUNT, UNTIL…']
        if name in parts:
            return [f"{name} appears twice; expected each part once"]
        parts[name] = value
    freq = parts.get("FREQ")
    if freq is None:
        return ["no FREQ; expected FREQ=DAILY, WEEKLY, MONTHLY or YEARLY (RFC 5545)"]
    if freq not in FREQUENCIES:
        return [f"FREQ={freq} is not a frequency; expected one of {', '.join(FREQUENCIES)}"]
    return _end_problems(parts) + _by_problems(parts, freq)


def _end_problems(parts: dict[str, str]) -> list[str]:
    """UNTIL, COUNT, INTERVAL, WKST."""
    problems = []
    if "UNTIL" in parts and "COUNT" in parts:
        problems.append("UNTIL and COUNT together; expected one of them at most")
    if "UNTIL" in parts and not _valid_until(parts["UNTIL"]):
        problems.append(
            f"UNTIL={parts['UNTIL']} is not a date; expected e.g. 20261231 or 20261231T230000Z"
        )
    for name in ("COUNT", "INTERVAL"):
        if name in parts and not (parts[name].isdigit() and int(parts[name]) >= 1):
            problems.append(f"{name}={parts[name]}; expected a whole number of at least 1")
    if "WKST" in parts and parts["WKST"] not in WEEKDAYS:
        problems.append(f"WKST={parts['WKST']}; expected one of {', '.join(WEEKDAYS)}")
    return problems


def _by_problems(parts: dict[str, str], freq: str) -> list[str]:
    """The BYxxx parts: values in range, allowed with this frequency."""
    problems = []
    if "BYDAY" in parts:
        problems.extend(_byday_problems(parts["BYDAY"], freq, "BYWEEKNO" in parts))
    for name, (low, high, signed) in _RANGES.items():
        if name in parts:
            problems.extend(_range_problems(name, parts[name], low, high, signed))
        if name in parts and freq in _NOT_WITH.get(name, ()):
            problems.append(f"{name} cannot go with FREQ={freq} (RFC 5545)")
    if "BYSETPOS" in parts and not any(p.startswith("BY") and p != "BYSETPOS" for p in parts):
        problems.append("BYSETPOS without another BYxxx part; expected e.g. BYDAY=MO,TU;BYSETPOS=1")
    return problems


def _valid_until(value: str) -> bool:
    match = _UNTIL.fullmatch(value)
    if match is None:
        return False
    numbers = [int(x) if x else 0 for x in match.groups()]
    try:
        year, month, day, hour, minute, second = numbers
        datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return False
    return True


def _byday_problems(value: str, freq: str, weekno: bool) -> list[str]:
    problems = []
    for day in value.split(","):
        match = _BYDAY.fullmatch(day)
        if match is None:
            return [f'BYDAY has "{day}"; expected weekdays such as MO, TU or 3TH, -1FR']
        if match.group(1):
            number = abs(int(match.group(1)))
            if freq not in ("MONTHLY", "YEARLY") or (freq == "YEARLY" and weekno):
                problems.append(
                    f"BYDAY={day} has a position, which only FREQ=MONTHLY or YEARLY allows"
                )
            elif not 1 <= number <= (5 if freq == "MONTHLY" else 53):
                problems.append(f"BYDAY={day}: no such position in a {freq.lower()[:-2]}")
    return problems


def _range_problems(name: str, value: str, low: int, high: int, signed: bool) -> list[str]:
    for item in value.split(","):
        if not _INTEGER.fullmatch(item):
            return [f'{name} has "{item}"; expected whole numbers separated by commas']
        number = int(item)
        if number < 0 and not signed:
            return [f"{name}={item}; expected a number from {low} to {high}"]
        if not low <= abs(number) <= high:
            where = f"±{low} to ±{high}" if signed else f"{low} to {high}"
            return [f"{name}={item}; expected numbers from {where}"]
    return []


# --- checking a built feed --------------------------------------------------------------------

PODCAST_NS = "https://podcastindex.org/namespace/1.0"


def _p(name: str) -> str:
    return f"{{{PODCAST_NS}}}{name}"


def check_channel_tags(channel: ET.Element) -> list[tuple[str, str]]:
    """``(where, problem)`` for each of the channel's txt, updateFrequency, podroll,
    publisher and image elements that breaks the namespace's rules."""
    problems: list[tuple[str, str]] = []
    for txt in channel.findall(_p("txt")):
        purpose = txt.get("purpose")
        if purpose is not None and not 0 < len(purpose) <= PURPOSE_LIMIT:
            problems.append(
                (
                    "channel/podcast:txt",
                    f"purpose of {len(purpose)} characters; expected 1 to {PURPOSE_LIMIT}",
                )
            )
        value = (txt.text or "").strip()
        if not value or len(value) > TXT_LIMIT:
            problems.append(
                (
                    "channel/podcast:txt",
                    f"value of {len(value)} characters; expected 1 to {TXT_LIMIT}",
                )
            )
    frequencies = channel.findall(_p("updateFrequency"))
    if len(frequencies) > 1:
        problems.append(("channel/podcast:updateFrequency", "more than one; expected one"))
    for frequency in frequencies:
        problems.extend(_frequency_problems(frequency))
    podrolls = channel.findall(_p("podroll"))
    if len(podrolls) > 1:
        problems.append(("channel/podcast:podroll", "more than one; expected one"))
    for podroll in podrolls:
        items = podroll.findall(_p("remoteItem"))
        if not items:
            problems.append(("channel/podcast:podroll", "empty; expected podcast:remoteItem"))
        problems.extend(_remote_problems(items, "channel/podcast:podroll"))
    for publisher in channel.findall(_p("publisher")):
        items = publisher.findall(_p("remoteItem"))
        where = "channel/podcast:publisher"
        if len(items) != 1 or items[0].get("medium") != "publisher":
            problems.append((where, 'expected exactly one podcast:remoteItem medium="publisher"'))
        problems.extend(_remote_problems(items, where))
    for image in channel.iter(_p("image")):
        problems.extend(_image_problems(image))
    return problems


def _frequency_problems(element: ET.Element) -> list[tuple[str, str]]:
    where = "channel/podcast:updateFrequency"
    problems = []
    text = (element.text or "").strip()
    if not text or len(text) > RHYTHM_TEXT_LIMIT:
        problems.append((where, f"text of {len(text)} characters; expected 1 to 128"))
    if element.get("complete") not in (None, "true", "false"):
        problems.append((where, f'complete="{element.get("complete")}"; expected true or false'))
    rule = element.get("rrule")
    if rule is not None:
        problems.extend((where, f'rrule="{rule}": {p}') for p in rrule_problems(rule))
        if "COUNT=" in rule and element.get("dtstart") is None:
            problems.append((where, "rrule with COUNT but no dtstart; expected both"))
    dtstart = element.get("dtstart")
    if dtstart is not None:
        try:
            datetime.fromisoformat(dtstart)
        except ValueError:
            problems.append((where, f'dtstart="{dtstart}"; expected an ISO 8601 date'))
    return problems


def _remote_problems(items: list[ET.Element], where: str) -> list[tuple[str, str]]:
    return [
        (where, f'remoteItem feedGuid="{item.get("feedGuid", "")}"; expected a UUID')
        for item in items
        if not _UUID.fullmatch(item.get("feedGuid", ""))
    ]


def _image_problems(image: ET.Element) -> list[tuple[str, str]]:
    where = "podcast:image"
    problems = []
    if not image.get("href"):
        problems.append((where, "no href; expected the image's URL"))
    for name in ("width", "height"):
        value = image.get(name)
        if value is not None and not (value.isdigit() and int(value) > 0):
            problems.append((where, f'{name}="{value}"; expected pixels'))
    ratio = image.get("aspect-ratio")
    if ratio is not None and not re.fullmatch(r"\d+(\.\d+)?\s*/\s*\d+(\.\d+)?", ratio):
        problems.append((where, f'aspect-ratio="{ratio}"; expected e.g. 1/1'))
    return problems
