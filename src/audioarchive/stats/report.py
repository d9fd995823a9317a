"""The tables made from the stored counts: per episode, per month, per app, per country."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from audioarchive.stats.media import EpisodeInfo

WINDOWS = (7, 30, 90)
UNKNOWN_COUNTRY = ""


@dataclass(frozen=True)
class EpisodeStats:
    id: str
    title: str
    date: str  # the meeting's date
    first_day: str  # day 0 of the windows: the first day with a counted download
    first_7_days: int
    first_30_days: int
    first_90_days: int
    total: int
    daily: tuple[int, ...]  # downloads on days 0..29 (for the chart)
    days_observed: int = 0  # from first_day to the last day of any log: shorter windows are open


@dataclass(frozen=True)
class StatsReport:
    episodes: tuple[EpisodeStats, ...]
    months: dict[str, int]  # "2026-03" -> downloads
    apps: dict[str, int]  # most first
    countries: dict[str, int]  # empty when no log had countries
    total: int
    first_day: str
    last_day: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for episode in data["episodes"]:
            episode["first_30_days_by_day"] = list(episode.pop("daily"))
        return data

    def episodes_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["episode", "title", "date", "first_day", "first_7_days", "first_30_days",
             "first_90_days", "total", "days_observed"]
        )  # fmt: skip
        for e in self.episodes:
            writer.writerow(
                [e.id, e.title, e.date, e.first_day, e.first_7_days, e.first_30_days,
                 e.first_90_days, e.total, e.days_observed]
            )  # fmt: skip
        return out.getvalue()


def build_report(
    rows: list[tuple[str, str, str, str, int]], episodes: tuple[EpisodeInfo, ...]
) -> StatsReport:
    """``rows`` are the stored ``(episode, day, app, country, count)``."""
    by_day: dict[str, Counter[str]] = defaultdict(Counter)
    months: Counter[str] = Counter()
    apps: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    for episode, day, app, country, count in rows:
        by_day[episode][day] += count
        months[day[:7]] += count
        apps[app] += count
        countries[country or UNKNOWN_COUNTRY] += count
    known = {e.id: e for e in episodes}
    ids = [e.id for e in episodes] + sorted(set(by_day) - set(known))
    days = sorted({d for c in by_day.values() for d in c})
    last = days[-1] if days else ""
    stats = tuple(_episode_stats(i, known.get(i), by_day.get(i, Counter()), last) for i in ids)
    has_countries = any(c != UNKNOWN_COUNTRY for c in countries)
    return StatsReport(
        episodes=stats,
        months=dict(sorted(months.items())),
        apps=dict(apps.most_common()),
        countries=dict(countries.most_common()) if has_countries else {},
        total=sum(months.values()),
        first_day=days[0] if days else "",
        last_day=days[-1] if days else "",
    )


def _episode_stats(
    episode: str, info: EpisodeInfo | None, days: Counter[str], last: str
) -> EpisodeStats:
    if not days:
        return EpisodeStats(
            episode, info.title if info else episode, info.date if info else "", "",
            0, 0, 0, 0, (0,) * 30,
        )  # fmt: skip
    first = date.fromisoformat(min(days))
    offsets: Counter[int] = Counter()
    for day, count in days.items():
        offsets[(date.fromisoformat(day) - first).days] += count
    windows = {w: sum(n for offset, n in offsets.items() if offset < w) for w in WINDOWS}
    return EpisodeStats(
        id=episode,
        title=info.title if info else episode,
        date=info.date if info else "",
        first_day=first.isoformat(),
        first_7_days=windows[7],
        first_30_days=windows[30],
        first_90_days=windows[90],
        total=sum(days.values()),
        daily=tuple(offsets.get(i, 0) for i in range(30)),
        days_observed=(date.fromisoformat(last) - first).days + 1,
    )
