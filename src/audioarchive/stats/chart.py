"""The chart for the association's report: downloads per month, and each episode's first
30 days side by side. matplotlib lives here only (the optional ``stats`` extra)."""

from __future__ import annotations

import io
from itertools import accumulate

from audioarchive.errors import ToolNotFoundError
from audioarchive.stats.report import StatsReport

_MAX_EPISODES = 12  # the most recent ones; more lines would not be readable


def render_chart(report: StatsReport) -> bytes:
    """A PNG: bars of downloads per month above cumulative first-30-day curves per episode."""
    try:
        import matplotlib  # noqa: PLC0415  # optional: only this command needs it

        matplotlib.use("Agg")
        from matplotlib import pyplot  # noqa: PLC0415
    except ImportError:
        raise ToolNotFoundError(
            "the chart needs matplotlib, which is not installed",
            hint="pip install 'audioarchive[stats]' (or leave out --chart and --page)",
        ) from None
    figure, (months_axes, days_axes) = pyplot.subplots(2, 1, figsize=(9, 8), dpi=100)
    try:
        months = list(report.months)
        months_axes.bar(months, [report.months[m] for m in months], color="#2a6f97")
        months_axes.set_title("Downloads per month")
        months_axes.set_ylabel("downloads")
        months_axes.tick_params(axis="x", labelrotation=45)
        shown = [e for e in report.episodes if e.total][-_MAX_EPISODES:]
        for episode in shown:
            label = f"{episode.date or episode.first_day} {episode.title}"[:40]
            days_axes.plot(range(1, 31), list(accumulate(episode.daily)), label=label)
        days_axes.set_title("First 30 days of each episode (cumulative)")
        days_axes.set_xlabel("day after the first download")
        days_axes.set_ylabel("downloads")
        days_axes.set_xlim(1, 30)
        if shown:
            days_axes.legend(fontsize="small", loc="upper left")
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
        return out.getvalue()
    finally:
        pyplot.close(figure)
