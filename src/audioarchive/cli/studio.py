"""``studio``: the organiser's local web app."""

from __future__ import annotations

import webbrowser

import click

from audioarchive.cli._common import App, handle_errors, pass_app
from audioarchive.errors import InputError
from audioarchive.studio.server import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    StudioServer,
    check_host,
    run_studio,
)


@click.command("studio")
@click.option(
    "--port", "-p", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True
)
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to listen on. Another than 127.0.0.1 must be given explicitly: then the "
    "token is the only protection.",
)
@click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
@pass_app
@handle_errors
def studio_command(app: App, port: int, host: str, no_browser: bool) -> None:
    """Prepare, mark and publish meetings in the browser, without editing YAML.

    Opens a local web page for the workspace: the sessions and their forms,
    uploads of the recorder's files, the timeline of each recording (speech,
    pauses, parts; trim, chapters and redactions with the keyboard), build and
    publish with progress. The session files stay the source of truth: the studio
    changes only the values you edit and keeps your comments. The address it
    prints carries a secret token; without it the studio shows nothing. Ctrl-C
    stops it.

    \b
    Example:
        audioarchive studio
        audioarchive studio --port 8800 --no-browser
    """
    ctx = click.get_current_context()
    explicit = ctx.get_parameter_source("host") is not click.core.ParameterSource.DEFAULT
    warning = check_host(host, explicit=explicit)
    settings = app.settings()
    if not settings.paths.sessions.is_dir():
        raise InputError(
            f"{settings.paths.rel(settings.paths.sessions)}: no such folder; expected a workspace "
            "(audioarchive init, or --workspace FOLDER)"
        )
    server = StudioServer(root=app.root, host=host, port=port)
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"The studio is at {server.url}", err=True)
    click.echo(server.url)
    if not no_browser:
        webbrowser.open(server.url)
    run_studio(server)
