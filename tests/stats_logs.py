"""Generated access logs whose true download counts are known by construction.

One scenario of requests (:func:`scenario`) is written in each log format; the counts
it must give follow from the IAB rules and are spelled out next to each listener.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import quote

from audioarchive.stats.media import EpisodeInfo, MediaFile, MediaIndex

EPISODE = "2026-03-01-council"
PATH = f"/podcast/episodes/{EPISODE}/{EPISODE}-0123456789.mp3"
OLD_PATH = f"/podcast/episodes/{EPISODE}/{EPISODE}-fedcba9876.mp3"  # an earlier build
ID3 = 10_000
RATE = 16_000  # bytes per second: 128 kbit/s
DURATION = 3600.0
SIZE = ID3 + int(RATE * DURATION)
MINUTE = RATE * 60  # 960,000 audio bytes

APPLE = "Podcasts/1555.2 CFNetwork/1410.0.3 Darwin/22.6.0"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
ANTENNAPOD = "AntennaPod/3.4.0"
POCKETCASTS = "Pocket Casts"
SPOTIFY = "Spotify/8.9.10 Android/33 (Pixel 7)"
BOTS = ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "curl/8.5.0")

# every address and agent of the scenario: none may appear in any output
IPS = (
    "198.51.100.7",
    "2001:db8:1:2::10",
    "2001:db8:1:2:ffff::99",
    "2001:db8:1:3::10",
    "203.0.113.9",
    "203.0.113.20",
    "203.0.113.50",
    "192.0.2.77",
    "192.0.2.88",
    "203.0.113.60",
)
AGENTS = (APPLE, OVERCAST, ANTENNAPOD, POCKETCASTS, SPOTIFY, *BOTS)


@dataclass(frozen=True)
class Hit:
    time: datetime
    ip: str
    agent: str
    method: str = "GET"
    path: str = PATH
    status: int = 200
    sent: int = SIZE
    start: int | None = None  # first byte, for 206 answers


def media() -> MediaIndex:
    mp3 = MediaFile(EPISODE, "mp3", SIZE, ID3, DURATION)
    return MediaIndex((EpisodeInfo(EPISODE, "Council, 1 March", "2026-03-01", (mp3,)),))


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def scenario(*, with_offsets: bool) -> tuple[list[Hit], dict[tuple[str, str], int]]:
    """The requests, shuffled, and the downloads expected per (day, app)."""
    hits: list[Hit] = []
    # A (IPv4, Apple): whole file twice on the 1st (one download), again on the 2nd (one more)
    hits += [Hit(_at(1, 8), IPS[0], APPLE), Hit(_at(1, 20), IPS[0], APPLE)]
    hits += [Hit(_at(2, 0, 1), IPS[0], APPLE, path=OLD_PATH)]
    # B (IPv6, Overcast): twenty ranges of 60,000 bytes = 1.2 MB > one minute: one download;
    # then the whole file from another address of the same /64: the same listener
    for i in range(20):
        start = ID3 + i * 60_000
        hits.append(Hit(_at(1, 9, i), IPS[1], OVERCAST, status=206, sent=60_000, start=start))
    hits.append(Hit(_at(1, 22), IPS[2], OVERCAST))
    # G (another /64, same app): one download
    hits.append(Hit(_at(1, 10), IPS[3], OVERCAST))
    # C (AntennaPod): 500,000 bytes only: under one minute, no download
    hits.append(Hit(_at(1, 11), IPS[4], ANTENNAPOD, status=206, sent=500_000, start=ID3))
    # E (Spotify): the ID3 tag and 900,000 audio bytes: under one minute, no download
    hits.append(Hit(_at(1, 12), IPS[6], SPOTIFY, status=206, sent=ID3 + 900_000, start=0))
    # D (Pocket Casts): HEAD requests only
    hits += [Hit(_at(1, h), IPS[5], POCKETCASTS, method="HEAD", sent=0) for h in (13, 14)]
    # bots from the list, whole file
    hits += [Hit(_at(1, 15), IPS[7], BOTS[0]), Hit(_at(2, 15), IPS[8], BOTS[1])]
    # the feed and a missing file: not episodes
    hits.append(Hit(_at(1, 16), IPS[4], ANTENNAPOD, path="/podcast/feed.xml", sent=5000))
    hits.append(Hit(_at(1, 16), IPS[4], ANTENNAPOD, status=404, sent=0))
    expected = {("2026-03-01", "Apple Podcasts"): 1, ("2026-03-01", "Overcast"): 2}
    expected[("2026-03-02", "Apple Podcasts")] = 1
    # F (Podcast Addict, IPv4): the same 300,000 bytes five times: 1.5 MB sent, but only
    # 300,000 distinct bytes; where the log gives offsets that is under one minute
    for m in range(5):
        f = Hit(_at(2, 9, m), IPS[9], "PodcastAddict/v5", status=206, sent=300_000, start=ID3)
        hits.append(f)
    if not with_offsets:
        expected[("2026-03-02", "Podcast Addict")] = 1
    random.Random(17).shuffle(hits)  # noqa: S311  # a fixed order, not a secret
    return hits, expected


def _clf_time(moment: datetime) -> str:
    return moment.strftime("%d/%b/%Y:%H:%M:%S +0000")


def combined(hit: Hit) -> str:
    return (
        f'{hit.ip} - - [{_clf_time(hit.time)}] "{hit.method} {hit.path}?src=feed HTTP/1.1" '
        f'{hit.status} {hit.sent if hit.sent else "-"} "-" "{hit.agent}"'
    )


def s3(hit: Hit) -> str:
    key = hit.path.removeprefix("/")
    operation = f"REST.{hit.method}.OBJECT"
    error = "-" if hit.status < 400 else "NoSuchKey"
    return (
        f"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be podcast-bucket "
        f"[{_clf_time(hit.time)}] {hit.ip} - 3E57427F3EXAMPLE {operation} {key} "
        f'"{hit.method} /{key} HTTP/1.1" {hit.status} {error} {hit.sent or "-"} {SIZE} 70 10 '
        f'"-" "{hit.agent}" - Ox6NbqCIQqOX8Wzvr4V0= SigV4 ECDHE-RSA-AES128-GCM-SHA256 '
        f"AuthHeader podcast-bucket.s3.example.com TLSv1.2 - -"
    )


W3C_HEADER = (
    "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) "
    "cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) "
    "x-edge-result-type x-edge-request-id sc-range-start sc-range-end c-country\n"
)


def cloudfront(hit: Hit) -> str:
    end = "-" if hit.start is None else str(hit.start + hit.sent - 1)
    start = "-" if hit.start is None else str(hit.start)
    fields = [
        hit.time.strftime("%Y-%m-%d"),
        hit.time.strftime("%H:%M:%S"),
        "CDG50-C1",
        str(hit.sent),
        hit.ip,
        hit.method,
        "d111111abcdef8.cloudfront.net",
        hit.path,
        str(hit.status),
        "-",
        quote(hit.agent, safe="/();:+,."),
        "-",
        "-",
        "Hit",
        "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==",
        start,
        end,
        "FR",
    ]
    return "\t".join(fields)


def render(hits: list[Hit], fmt: str) -> list[str]:
    if fmt == "s3":
        return [s3(h) for h in hits]
    if fmt == "w3c":
        return [cloudfront(h) for h in hits]
    return [combined(h) for h in hits]


def without_offsets(hits: list[Hit]) -> list[Hit]:
    return [replace(h, start=None) for h in hits]
