"""``import``."""

from __future__ import annotations

from pathlib import Path

import click

from audioarchive.cli._common import (
    App,
    dry_run_option,
    echo_json,
    handle_errors,
    json_option,
    pass_app,
)
from audioarchive.importer import import_feed
from audioarchive.pipeline import ProgressEvent


@click.command("import")
@click.argument("feed")
@click.option(
    "--into",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The workspace to create or fill (default: --workspace, the current directory).",
)
@dry_run_option
@json_option
@pass_app
@handle_errors
def import_command(app: App, feed: str, into: Path | None, dry_run: bool, as_json: bool) -> None:
    """Bring an existing podcast in from its FEED (a URL or a file): the show, one session
    per episode with its GUID, and the audio in recordings/.

    The podcast's GUID and every episode's GUID are kept, so that subscribers follow
    without downloading anything again. Run it again to add only the new episodes; an
    interrupted download resumes. Then redirect the old feed (docs/how-to/import.md).

    \b
    Example:
        audioarchive import https://old-host.example/feed.xml --into meetings
        audioarchive -w meetings build
    """
    root = (into or app.root).resolve()

    def progress(label: str, done: int, total: int | None) -> None:
        fraction = min(1.0, done / total) if total else 0.0
        app.progress(ProgressEvent("download", label, fraction))

    report = import_feed(feed, root, progress=progress, dry_run=dry_run)
    app.progress.clear()
    if as_json:
        echo_json(
            {
                "workspace": str(report.root),
                "podcast_guid": report.podcast_guid,
                "show_created": report.show_created,
                "imported": [vars(s) for s in report.imported],
                "skipped": report.skipped,
                "dry_run": report.dry_run,
                "notes": list(report.notes),
            }
        )
        return
    if report.dry_run:
        for session in report.imported:
            size = f"{session.announced} bytes" if session.announced else "length not announced"
            click.echo(f"would import {session.id} ({size}, guid {session.guid})")
        click.echo(
            f"{len(report.imported)} episode(s) to import, {report.skipped} already there"
            f"{'; the show would be created' if report.show_created else ''}",
            err=True,
        )
        return
    if report.show_created:
        click.echo(
            f"created {report.root}/metadata/podcast.yaml (podcast:guid {report.podcast_guid})"
        )
    for session in report.imported:
        click.echo(f"imported {session.id} ({session.size} bytes, guid {session.guid})")
    for line in report.notes:
        click.echo(f"note: {line}", err=True)
    click.echo(
        f"{len(report.imported)} episode(s) imported, {report.skipped} already there. "
        f"Next: audioarchive -w {report.root} build",
        err=True,
    )
