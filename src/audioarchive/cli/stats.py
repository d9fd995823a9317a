"""``stats``: downloads counted from access logs by the IAB rules; tables, JSON, CSV, chart."""

from __future__ import annotations

from pathlib import Path

import click

from audioarchive.cli._common import App, echo_json, handle_errors, json_option, note, pass_app
from audioarchive.pipeline import ProgressEvent
from audioarchive.stats import StatsRequest, StatsResult, update_statistics
from audioarchive.stats.counting import CountReport, FileResult
from audioarchive.stats.report import StatsReport

_FILES_SHOWN = 10  # more files (S3 writes thousands): only those with problems are named


@click.command("stats")
@click.argument("logs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print the per-episode table as CSV.")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a PNG chart: downloads per month, and the first 30 days of each episode.",
)
@click.option(
    "--page",
    is_flag=True,
    help="Write the private page stats/index.html (and its chart) in the workspace; "
    "never in feed/, never published.",
)
@click.option(
    "--user-agents",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Another user-agent list, of the shape of the shipped user-agents.json.",
)
@click.option(
    "--exclude-networks",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A file of CIDR ranges, one a line (data centres): their requests are not counted.",
)
@pass_app
@handle_errors
def stats_command(
    app: App,
    logs: tuple[Path, ...],
    as_json: bool,
    as_csv: bool,
    chart: Path | None,
    page: bool,
    user_agents: Path | None,
    exclude_networks: Path | None,
) -> None:
    """Count downloads from access logs (IAB rules), then print the statistics.

    Reads S3 server access logs, CloudFront (W3C) standard logs and combined logs
    (nginx, Apache, 'audioarchive serve --access-log'), plain or gzipped, in any
    order; a folder stands for the files inside it. A log given twice counts
    once. Only counts per episode, day, app and country are kept (in
    .audioarchive/stats/), never an IP address or a user agent. Without LOGS,
    prints what was counted before.

    \b
    Example:
        audioarchive stats logs/
        audioarchive stats --csv > downloads.csv
        audioarchive stats --chart report.png --page
    """
    if as_json and as_csv:
        raise click.UsageError("--json and --csv go separately")
    request = StatsRequest(
        logs=logs, user_agents=user_agents, exclude_networks=exclude_networks, chart=chart,
        page=page,
    )  # fmt: skip
    progress = app.progress
    result = update_statistics(
        app.workspace(), request, lambda name, done: progress(ProgressEvent("count", name, done))
    )
    progress.clear()
    if result.counted is not None:
        _print_counted(result.counted)
    for path in result.written:
        note(f"wrote {app.settings().paths.rel(path)}")
    if as_json:
        echo_json(_json(result))
    elif as_csv:
        click.echo(result.report.episodes_csv(), nl=False)
    else:
        _print_report(result.report)


def _json(result: StatsResult) -> dict[str, object]:
    data = result.report.to_json()
    if result.counted is not None:
        data["counted"] = {
            "files": [vars(f) for f in result.counted.files],
            "downloads": result.counted.downloads,
            "filtered": result.counted.filtered,
            "closed_days": result.counted.closed_days,
        }
    return data


def _print_counted(counted: CountReport) -> None:
    """One line per file when few, else only the files with problems; then the totals."""
    fresh = [f for f in counted.files if f.status == "counted"]
    few = len(counted.files) <= _FILES_SHOWN
    for f in counted.files:
        if f.status == "already counted":
            if few:
                note(f"{f.name}: already counted, skipped")
            continue
        problems = _problems(f)
        if few or problems:
            note(f"{f.name}: {f.format}, {f.lines} lines, {f.downloads} new downloads{problems}")
    skipped = len(counted.files) - len(fresh)
    lines = sum(f.lines for f in fresh)
    summary = f"{len(fresh)} files read ({lines} lines)"
    if skipped:
        summary += f", {skipped} already counted"
    if counted.filtered:
        left = ", ".join(f"{reason}: {n}" for reason, n in sorted(counted.filtered.items()))
        note(f"not counted: {left}")
    if counted.closed_days:
        note(
            f"closed {len(counted.closed_days)} days ({counted.closed_days[0]} to "
            f"{counted.closed_days[-1]}): their listener hashes and keys are deleted"
        )
    if counted.files:
        note(f"{summary}: {counted.downloads} new downloads")


def _problems(f: FileResult) -> str:
    text = ""
    if f.malformed:
        shown = ", ".join(str(n) for n in f.malformed_lines)
        more = ", …" if f.malformed > len(f.malformed_lines) else ""
        lines = "line" if f.malformed == 1 else "lines"
        text += f"; {f.malformed} malformed {lines} skipped ({lines} {shown}{more})"
    if f.damaged_at is not None:
        text += f"; unreadable from line {f.damaged_at} (truncated or damaged file)"
    return text


def _print_report(report: StatsReport) -> None:
    if not report.total:
        click.echo("No downloads counted yet. Give access logs: audioarchive stats LOG...")
        return
    click.echo(f"{report.total} downloads, {report.first_day} to {report.last_day}\n")
    width = max([7, *(len(e.id) for e in report.episodes)])
    click.echo(f"{'Episode':<{width}}  {'7 days':>7}  {'30 days':>7}  {'90 days':>7}  {'total':>7}")
    for e in report.episodes:
        windows = [
            f"{n}{'*' if e.total and e.days_observed < days else ''}"
            for n, days in ((e.first_7_days, 7), (e.first_30_days, 30), (e.first_90_days, 90))
        ]
        click.echo(
            f"{e.id:<{width}}  {windows[0]:>7}  {windows[1]:>7}  {windows[2]:>7}  {e.total:>7}"
        )
    if any(e.total and e.days_observed < 90 for e in report.episodes):
        click.echo("* the logs do not cover this window yet: more may come")
    _print_column("Month", report.months)
    _print_column("App", report.apps)
    if report.countries:
        _print_column("Country", {c or "unknown": n for c, n in report.countries.items()})


def _print_column(title: str, counts: dict[str, int]) -> None:
    width = max([len(title), *(len(k) for k in counts)])
    click.echo(f"\n{title:<{width}}  {'downloads':>9}")
    for key, n in counts.items():
        click.echo(f"{key:<{width}}  {n:>9}")
