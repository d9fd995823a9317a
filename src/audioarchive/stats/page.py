"""The private statistics page (``stats/index.html`` in the workspace, never in ``feed/``)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from audioarchive.stats.report import EpisodeStats, StatsReport

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;margin:1rem 0}td,th{padding:.25rem .6rem;"
    "border-bottom:1px solid #ccc;text-align:left}td.n,th.n{text-align:right}"
    "img{max-width:100%}"
)


def render_page(report: StatsReport, title: str, chart: str | None) -> bytes:
    """An HTML page with the tables (and the chart image, when one was made)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="robots" content="noindex,nofollow">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>Downloads: {escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Downloads: {escape(title)}</h1>",
        (
            f"<p>{report.total} downloads from {report.first_day or '-'} to "
            f"{report.last_day or '-'}, counted by the IAB rules (private page: not published).</p>"
        ),
    ]
    if chart:
        parts.append(f'<img src="{escape(chart)}" alt="Downloads per month and first 30 days">')
    parts.append(_table(
        "Episodes",
        ["Episode", "Date", "7 days", "30 days", "90 days", "Total"],
        [[e.title, e.date, *_windows(e), e.total] for e in report.episodes],
    ))  # fmt: skip
    parts.append("<p>* the logs do not cover this window yet: more may come.</p>")
    parts.append(
        _table("Months", ["Month", "Downloads"], [[m, n] for m, n in report.months.items()])
    )
    parts.append(_table("Apps", ["App", "Downloads"], [[a, n] for a, n in report.apps.items()]))
    if report.countries:
        rows = [[c or "unknown", n] for c, n in report.countries.items()]
        parts.append(_table("Countries", ["Country", "Downloads"], rows))
    parts.append("</body></html>\n")
    return "\n".join(parts).encode("utf-8")


def _windows(e: EpisodeStats) -> list[str | int]:
    """The window counts; marked ``*`` while the logs do not cover the window yet."""
    out: list[str | int] = []
    for n, days in ((e.first_7_days, 7), (e.first_30_days, 30), (e.first_90_days, 90)):
        out.append(f"{n}*" if e.total and e.days_observed < days else n)
    return out


def _table(caption: str, head: list[str], rows: Sequence[Sequence[object]]) -> str:
    def cell(tag: str, value: object) -> str:
        numeric = ' class="n"' if isinstance(value, int) else ""
        return f"<{tag}{numeric}>{escape(str(value))}</{tag}>"

    lines = [f"<h2>{escape(caption)}</h2>", "<table><thead><tr>"]
    lines.append("".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>")
    lines.extend("<tr>" + "".join(cell("td", v) for v in row) + "</tr>" for row in rows)
    lines.append("</tbody></table>")
    return "\n".join(lines)
