"""``ingest``."""

from __future__ import annotations

from pathlib import Path

import click

from audioarchive.cli._common import App, handle_errors, pass_app
from audioarchive.cli.build import _print_build
from audioarchive.errors import ExitCode
from audioarchive.pipeline import ProgressEvent
from audioarchive.pipeline import build as run_build
from audioarchive.pipeline.ingest import ingest_files


@click.command("ingest")
@click.argument("session")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-build", is_flag=True, help="Only copy the files; do not build the episode.")
@pass_app
@handle_errors
def ingest_command(app: App, session: str, files: tuple[Path, ...], no_build: bool) -> None:
    """Copy the recorder's FILES into recordings/SESSION/ (checksummed), then build that episode.

    A file already there with the same content is skipped; one with the same
    name and different content is refused. When the session file lists no
    parts, they are recorded in it (the file is created if needed). A session
    with no date yet is dated when the recording began: by the recorder's clock
    (Broadcast Wave bext, iXML), else the phone's (MP4/M4A creation_time), else
    the files' times less their durations, in [site] time_zone; the output says
    which. Check the title and date afterwards.

    \b
    Example:
        audioarchive ingest 2023-03-16-rencontre /media/card/ZOOM000*.WAV
    """
    settings = app.settings()
    report = ingest_files(
        settings,
        session,
        list(files),
        progress=lambda name, f: app.progress(ProgressEvent(f"copy {name}", session, f)),
    )
    app.progress.clear()
    for name in report.copied:
        click.echo(f"copied {name} -> recordings/{session}/{name} (checksum verified)")
    for name in report.already_present:
        click.echo(f"already there: recordings/{session}/{name}")
    rel = settings.paths.rel(report.session_file)
    if report.created_session:
        click.echo(f"created {rel}: check its title and date", err=True)
    elif report.recorded_parts:
        click.echo(f"recorded the parts in {rel}", err=True)
    if report.dated is not None:
        click.echo(
            f"dated {report.dated.when.isoformat()} from {report.dated.source}: check it in {rel}",
            err=True,
        )
    if no_build:
        return
    workspace = app.workspace()
    build_report = run_build(workspace, [session], progress=app.progress)
    app.progress.clear()
    _print_build(build_report, as_json=False)
    if build_report.failed:
        raise click.exceptions.Exit(int(ExitCode.EPISODE_FAILED))
