"""``transcribe``: check the speech recogniser, or transcribe (a build with transcripts)."""

from __future__ import annotations

import click

from audioarchive.cli._common import (
    App,
    CommandError,
    echo_json,
    handle_errors,
    json_option,
    pass_app,
)
from audioarchive.errors import ExitCode
from audioarchive.pipeline import build as run_build
from audioarchive.transcribe.run import check_workspace


@click.command("transcribe")
@click.argument("sessions", nargs=-1)
@click.option(
    "--check",
    is_flag=True,
    help="Only say which engine and model are configured, whether the model is present, "
    "and where it goes (exit 3 when it is missing).",
)
@json_option
@pass_app
@handle_errors
def transcribe_command(app: App, sessions: tuple[str, ...], check: bool, as_json: bool) -> None:
    """Transcribe the built episodes of SESSIONS (default: all) with the configured engine.

    Transcription is part of every build when [transcripts] engine is set in
    audioarchive.toml (or a session's transcription: sets one); this command runs that
    build. Each episode's published audio is transcribed once (cached by its audio), and
    an interrupted run resumes. A transcript written by a person (the session's
    transcript:) always wins: such episodes are not transcribed.

    \b
    Example:
        audioarchive transcribe --check
        audioarchive transcribe 2022-10-25-non-recours
    """
    workspace = app.workspace()
    if check:
        checks = check_workspace(workspace)
        if as_json:
            echo_json(
                [
                    {
                        "for": where,
                        "engine": c.choice.engine,
                        "model": c.choice.model or None,
                        "language": c.choice.language,
                        "folder": str(c.choice.folder) if c.choice.folder else None,
                        "installed": c.installed,
                        "present": c.present,
                        "ready": c.ready,
                        "message": c.message,
                    }
                    for where, c in checks
                ]
            )
        else:
            for where, c in checks:
                state = "ready" if c.ready else "NOT READY"
                engine = c.choice.label if c.choice.enabled else "none"
                click.echo(f"{where}: {engine}: {state}: {c.message}")
        if not all(c.ready for _w, c in checks):
            raise CommandError("transcription is not ready (see above)", int(ExitCode.ENVIRONMENT))
        return
    report = run_build(workspace, sessions, progress=app.progress)
    app.progress.clear()
    for result in report.episodes:
        click.echo(f"{result.id}\t{result.status}\t{result.message}")
    if report.failed:
        raise CommandError(f"{len(report.failed)} episode(s) failed", int(ExitCode.EPISODE_FAILED))
