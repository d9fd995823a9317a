"""``build`` and ``publish``."""

from __future__ import annotations

from typing import Any

import click

from audioarchive.cli._common import (
    App,
    dry_run_option,
    echo_json,
    force_option,
    handle_errors,
    json_option,
    pass_app,
)
from audioarchive.errors import ExitCode
from audioarchive.pipeline import BuildReport, PublishReport
from audioarchive.pipeline import build as run_build
from audioarchive.pipeline import publish as run_publish

_VERBS = {
    "built": "built",
    "retagged": "re-tagged",
    "unchanged": "up to date",
    "failed": "FAILED",
    "planned": "to do",
}


@click.command("build")
@click.argument("sessions", nargs=-1)
@force_option
@dry_run_option
@json_option
@pass_app
@handle_errors
def build_command(
    app: App, sessions: tuple[str, ...], force: bool, dry_run: bool, as_json: bool
) -> None:
    """(Re)build what changed: audio, tags, feed and pages, for SESSIONS (default: all).

    Audio is processed again only when the recording, its trims or redactions, or
    the audio settings changed; a metadata change only re-tags. Output goes to
    feed/ (the public tree) and archive/ (the masters).

    \b
    Example:
        audioarchive build
        audioarchive build 2022-10-25-non-recours --force
    """
    workspace = app.workspace()
    report = run_build(workspace, sessions, force=force, dry_run=dry_run, progress=app.progress)
    app.progress.clear()
    _print_build(report, as_json)
    if report.failed:
        raise click.exceptions.Exit(int(ExitCode.EPISODE_FAILED))


@click.command("publish")
@force_option
@dry_run_option
@json_option
@pass_app
@handle_errors
def publish_command(app: App, force: bool, dry_run: bool, as_json: bool) -> None:
    """Build, then upload what changed to the configured storage.

    Without [storage] in audioarchive.toml, feed/ itself is the published tree.
    Media go first and are verified, the feed last, so listeners never see a
    feed that points at a missing file.

    \b
    Example:
        audioarchive publish --dry-run
        audioarchive publish
    """
    workspace = app.workspace()
    report = run_publish(workspace, dry_run=dry_run, force=force, progress=app.progress)
    app.progress.clear()
    _print_publish(report, as_json)
    if report.build.failed:
        raise click.exceptions.Exit(int(ExitCode.EPISODE_FAILED))


def build_summary(report: BuildReport) -> dict[str, Any]:
    return {
        "dry_run": report.dry_run,
        "episodes": [
            {"id": e.id, "status": e.status, "message": e.message} for e in report.episodes
        ],
        "written": list(report.written),
        "removed": list(report.removed),
        "feed": str(report.feed) if report.feed else None,
        "index": str(report.index) if report.index else None,
    }


def _print_build(report: BuildReport, as_json: bool) -> None:
    if as_json:
        echo_json(build_summary(report))
        return
    for episode in report.episodes:
        detail = f"  ({episode.message})" if episode.status == "failed" or report.dry_run else ""
        click.echo(f"{episode.id}  {_VERBS[episode.status]}{detail}")
    if not report.episodes:
        click.echo("No recorded session yet: nothing to build.", err=True)
    elif not report.dry_run and not report.audio_work and not report.failed:
        retagged = any(e.status == "retagged" for e in report.episodes)
        click.echo(
            "No audio work needed: "
            + ("tags updated." if retagged else "everything is up to date."),
            err=True,
        )
    if report.failed:
        click.echo(f"{len(report.failed)} episode(s) failed:", err=True)
        for episode in report.failed:
            click.echo(f"  {episode.id}: {episode.message}", err=True)
    if report.feed and not report.dry_run:
        click.echo(f"feed: {report.feed}")
        click.echo(f"pages: {report.index}")


def _print_publish(report: PublishReport, as_json: bool) -> None:
    if as_json:
        data = build_summary(report.build)
        data.update(
            target=report.target,
            feed_url=report.feed_url,
            uploaded=list(report.uploaded),
            deleted=list(report.deleted),
        )
        echo_json(data)
        return
    _print_build(report.build, as_json=False)
    for key in report.uploaded:
        click.echo(f"{'would upload' if report.dry_run else 'uploaded'} {key}")
    for key in report.deleted:
        click.echo(f"{'would delete' if report.dry_run else 'deleted'} {key}")
    click.echo(f"published to: {report.target}")
    click.echo(f"feed URL: {report.feed_url}")
