"""``validate``."""

from __future__ import annotations

import click

from audioarchive.cli._common import App, handle_errors, pass_app
from audioarchive.errors import ExitCode
from audioarchive.inspect.validate import validate_workspace
from audioarchive.metadata.workspace import leftovers


@click.command("validate")
@pass_app
@handle_errors
def validate_command(app: App) -> None:
    """Check metadata, recordings, built outputs and the feed; one line per problem.

    Exit 2 when a metadata file or a recording is wrong, 1 when the built
    outputs or the feed are, 0 when everything is in order.

    \b
    Example:
        audioarchive validate
    """
    workspace = app.collection(reload=True)
    report = validate_workspace(workspace)
    for reminder in leftovers(workspace):
        click.echo(f"warning: {reminder}", err=True)
    for problem in report.problems:
        click.echo(str(problem))
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s) in the built outputs.", err=True)
        raise click.exceptions.Exit(int(ExitCode.EPISODE_FAILED))
    noun = "session" if report.sessions == 1 else "sessions"
    click.echo(f"OK: {report.sessions} {noun}, {report.episodes} with a recording.", err=True)
