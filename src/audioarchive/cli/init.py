"""``init``."""

from __future__ import annotations

from pathlib import Path

import click

from audioarchive.cli._common import handle_errors
from audioarchive.metadata.workspace import AFTER_INIT, init_workspace


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@handle_errors
def init_command(directory: Path) -> None:
    """Create a workspace in DIRECTORY with commented templates; existing files are kept.

    \b
    Example:
        audioarchive init my-meetings
        cd my-meetings && audioarchive validate
    """
    report = init_workspace(directory)
    for name in report.created:
        click.echo(f"created {name}")
    for name in report.kept:
        click.echo(f"kept {name} (already there)", err=True)
    click.echo(f"Workspace ready in {report.root}. Before you publish:", err=True)
    for name, todo in AFTER_INIT:
        click.echo(f"  {name}: {todo}", err=True)
    click.echo(
        "Then, after a meeting: 'audioarchive ingest SESSION FILE...' (validate and publish "
        "remind you while the example session or the placeholder artwork are there).",
        err=True,
    )
