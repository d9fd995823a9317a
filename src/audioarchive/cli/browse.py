"""``list`` and ``show``."""

from __future__ import annotations

import click

from audioarchive.catalog import describe_session, list_sessions
from audioarchive.cli._common import App, echo_json, handle_errors, json_option, pass_app
from audioarchive.validation import format_time


@click.command("list")
@json_option
@pass_app
@handle_errors
def list_command(app: App, as_json: bool) -> None:
    """List the sessions: id, date, title, speakers, duration and status.

    Status is upcoming (no recording yet), recorded (not built), built or published.

    \b
    Example:
        audioarchive list
        audioarchive list --json
    """
    rows = list_sessions(app.workspace())
    if as_json:
        echo_json([r.as_dict() for r in rows])
        return
    for row in rows:
        date = row.date[:10] if row.date else "----------"
        duration = format_time(row.duration) if row.duration is not None else "-:--:--"
        speakers = ", ".join(row.speakers)
        click.echo(f"{row.id}\t{date}\t{duration}\t{row.status}\t{row.title}\t{speakers}")


@click.command("show")
@click.argument("session")
@json_option
@pass_app
@handle_errors
def show_command(app: App, session: str, as_json: bool) -> None:
    """Show everything about SESSION: metadata, files, URLs, checksums and loudness.

    \b
    Example:
        audioarchive show 2022-10-25-non-recours
    """
    data = describe_session(app.workspace(), session)
    if as_json:
        echo_json(data)
        return
    _print_tree(data, 0)


def _print_tree(data: object, depth: int) -> None:
    pad = "  " * depth
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict | list) and value:
                click.echo(f"{pad}{key}:")
                _print_tree(value, depth + 1)
            else:
                click.echo(f"{pad}{key}: {_scalar(value)}")
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict):
                click.echo(f"{pad}-")
                _print_tree(item, depth + 1)
            else:
                click.echo(f"{pad}- {_scalar(item)}")


def _scalar(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | dict):
        return "none"
    return str(value)
