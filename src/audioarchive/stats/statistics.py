"""``stats``: count new logs (if any), then build the report, the chart and the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audioarchive.common.locking import workspace_lock
from audioarchive.common.writing import write_atomic
from audioarchive.errors import InputError
from audioarchive.metadata.session import Workspace
from audioarchive.stats.counting import (
    CountOptions,
    CountReport,
    close_old_days,
    count_logs,
    read_networks,
)
from audioarchive.stats.media import load_media
from audioarchive.stats.report import StatsReport, build_report
from audioarchive.stats.store import Store, stats_dir
from audioarchive.stats.useragents import load_agents

PAGE_FOLDER = "stats"  # in the workspace, beside feed/ and archive/; never published
CHART_NAME = "downloads.png"


@dataclass(frozen=True)
class StatsRequest:
    logs: tuple[Path, ...] = ()
    user_agents: Path | None = None  # another list of the shape of user-agents.json
    exclude_networks: Path | None = None  # CIDR ranges, one a line
    chart: Path | None = None  # write the chart PNG here
    page: bool = False  # write stats/index.html and its chart


@dataclass(frozen=True)
class StatsResult:
    counted: CountReport | None
    report: StatsReport
    written: tuple[Path, ...]


def update_statistics(
    workspace: Workspace,
    request: StatsRequest,
    progress: Callable[[str, float], None] | None = None,
) -> StatsResult:
    """Count ``request.logs`` (if any), close the days that are due, build the tables, and
    write the chart and page asked for. ``progress(file name, fraction)`` per log file."""
    media = load_media(workspace)
    if request.logs and not any(e.files for e in media.episodes):
        raise InputError(
            "no built episode in this workspace: a request cannot be matched to an episode",
            hint="run 'audioarchive build' first (the one-minute rule needs each file's size, "
            "duration and ID3 tag)",
        )
    options = CountOptions(
        agents=load_agents(request.user_agents),
        excluded=read_networks(request.exclude_networks) if request.exclude_networks else (),
    )
    folder = stats_dir(workspace.paths.state)
    # one stats run at a time (its own lock: a build may run meanwhile), so that two runs
    # never draw two keys for the same day
    with workspace_lock(folder, "stats"):
        store = Store(folder)
        try:
            counted = None
            if request.logs:
                counted = count_logs(request.logs, media, store, options, progress)
            else:  # a run without logs still deletes what is due
                closed = close_old_days(store)
                counted = CountReport([], 0, {}, closed) if closed else None
            report = build_report(store.downloads(), media.episodes)
        finally:
            store.close()
    return StatsResult(counted, report, _write_outputs(workspace, request, report))


def _write_outputs(
    workspace: Workspace, request: StatsRequest, report: StatsReport
) -> tuple[Path, ...]:
    if request.chart is None and not request.page:
        return ()
    from audioarchive.stats.chart import render_chart  # noqa: PLC0415  # matplotlib: optional
    from audioarchive.stats.page import render_page  # noqa: PLC0415

    png = render_chart(report)
    written = []
    if request.chart is not None:
        write_atomic(request.chart, png)
        written.append(request.chart)
    if request.page:
        folder = workspace.paths.root / PAGE_FOLDER
        write_atomic(folder / CHART_NAME, png)
        write_atomic(folder / "index.html", render_page(report, workspace.show.title, CHART_NAME))
        written += [folder / "index.html", folder / CHART_NAME]
    return tuple(written)
