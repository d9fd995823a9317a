#!/usr/bin/env python3
"""Counting speed and memory on a generated access log (part of ``make bench``).

Writes (once, cached in bench-results/) a combined-format log of LINES lines (default one
million) spread over 30 days: 20 episodes, 60,000 listeners on IPv4 and IPv6, podcast apps,
browsers and bots, whole-file GETs, series of ranges and HEADs, in time order. Then counts
it into a fresh statistics database, and prints the wall time, the lines per second and
the peak memory (RSS) of the counting, which stays bounded: listener states go to the
database every 100,000, and every cache has a ceiling.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from audioarchive.stats.counting import CountOptions, count_logs
from audioarchive.stats.media import EpisodeInfo, MediaFile, MediaIndex
from audioarchive.stats.store import Store
from audioarchive.stats.useragents import load_agents

ROOT = Path(__file__).resolve().parents[1]
EPISODES = 20
LISTENERS = 60_000
SIZE = 10_000 + 16_000 * 3600  # one hour at 128 kbit/s, a 10 kB ID3 tag
AGENTS = (
    "Podcasts/1555.2 CFNetwork/1410.0.3 Darwin/22.6.0",
    "Spotify/8.9.10 Android/33 (Pixel 7)",
    "AntennaPod/3.4.0",
    "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)",
    "PocketCasts/1.0 Pocket Casts/7.50",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
)


def _ids() -> list[str]:
    return [f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}-meeting" for i in range(EPISODES)]


def media() -> MediaIndex:
    return MediaIndex(
        tuple(
            EpisodeInfo(i, i, i[:10], (MediaFile(i, "mp3", SIZE, 10_000, 3600.0),)) for i in _ids()
        )
    )


def generate(path: Path, lines: int) -> None:
    rng = random.Random(2026)  # noqa: S311  # reproducible, not secret
    ids = _ids()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    step = timedelta(days=30) / lines
    with path.open("w", encoding="utf-8") as out:
        for n in range(lines):
            moment = (start + step * n).strftime("%d/%b/%Y:%H:%M:%S +0000")
            who = rng.randrange(LISTENERS)
            ip = f"10.{who >> 16}.{(who >> 8) & 255}.{who & 255}"
            if who % 3 == 0:
                ip = f"2001:db8:{who:x}::{rng.randrange(1 << 16):x}"
            agent = AGENTS[who % len(AGENTS)]
            episode = ids[rng.randrange(EPISODES)]
            target = f"/episodes/{episode}/{episode}-0123456789.mp3"
            kind = rng.random()
            if kind < 0.5:
                method, status, sent = "GET", 206, rng.randrange(100_000, 1_000_000)
            elif kind < 0.8:
                method, status, sent = "GET", 200, SIZE
            elif kind < 0.9:
                method, status, sent = "HEAD", 200, 0
            else:
                method, status, sent, target = "GET", 200, 40_000, "/feed.xml"
            out.write(
                f'{ip} - - [{moment}] "{method} {target} HTTP/1.1" {status} {sent} "-" "{agent}"\n'
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / f"access-{args.lines}.log"
    if not log.is_file():
        print(f"generating {log.name} ({args.lines:,} lines)…", file=sys.stderr)
        generate(log, args.lines)
    work = Path(tempfile.mkdtemp(prefix="stats-bench-"))
    try:
        store = Store(work / "stats")
        now = datetime(2026, 4, 1, tzinfo=UTC)
        began, cpu_began = time.perf_counter(), time.process_time()
        report = count_logs([log], media(), store, CountOptions(load_agents(), now=now))
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
        store.close()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rate = args.lines / wall
    print(
        f"stats: {args.lines:,} lines counted in {wall:.1f} s ({rate:,.0f} lines/s), CPU {cpu:.1f} s"
    )
    print(f"stats: {report.downloads:,} downloads; not counted: {report.filtered}")
    print(f"stats: peak memory (RSS) {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
