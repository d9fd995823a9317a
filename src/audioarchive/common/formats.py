"""Formats of times, durations and places written in more than one output: one
function each, so that the feed, the tags, the transcripts, the pages and the
sidecars cannot drift apart."""

from __future__ import annotations

from urllib.parse import quote

OSM = "https://www.openstreetmap.org/"


def clock_time(seconds: float, separator: str = ".") -> str:
    """``HH:MM:SS.mmm`` (WebVTT, Simple Chapters, Vorbis chapters); ``separator`` ``","``
    gives SubRip's ``HH:MM:SS,mmm``. Rounded to the millisecond, never negative."""
    millis = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def iso_duration(seconds: float, *, millis: bool = False) -> str:
    """An ISO 8601 duration, also a valid HTML duration string: ``PT1H58M3S``, rounded to
    the second; with ``millis``, to the millisecond: 3725.5 → ``PT1H2M5.5S``."""
    total = round(max(seconds, 0.0) * 1000) if millis else round(max(seconds, 0.0)) * 1000
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    out = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return out + f"{secs}S" if secs != "0" or out == "PT" else out


def coordinate(value: float) -> str:
    """A latitude or longitude to six decimals (about 10 cm), trailing zeros dropped."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def map_link(lat: float, lon: float) -> str:
    """A link to the place on OpenStreetMap (a link only: nothing is loaded from there)."""
    la, lo = coordinate(lat), coordinate(lon)
    return f"{OSM}?mlat={la}&mlon={lo}#map=18/{la}/{lo}"


def map_search_link(address: str) -> str:
    """A link to OpenStreetMap's search for an address (a place without coordinates)."""
    return f"{OSM}search?query={quote(address, safe='')}"
