"""The command line: parse arguments, call one library function, print the result.

Results go to stdout; logs, warnings and progress go to stderr. Errors map to
exit codes in one place (:func:`audioarchive.cli._common.handle_errors`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from audioarchive._version import __version__
from audioarchive.cli._common import App, setup_logging
from audioarchive.cli.bag import bag_command
from audioarchive.cli.browse import list_command, search_command, show_command, tags_command
from audioarchive.cli.build import build_command, publish_command
from audioarchive.cli.import_ import import_command
from audioarchive.cli.ingest import ingest_command
from audioarchive.cli.init import init_command
from audioarchive.cli.serve import serve_command
from audioarchive.cli.stats import stats_command
from audioarchive.cli.studio import studio_command
from audioarchive.cli.times import times_command
from audioarchive.cli.transcribe import transcribe_command
from audioarchive.cli.validate import validate_command
from audioarchive.cli.verify import verify_command

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    envvar="AUDIOARCHIVE_WORKSPACE",
    show_default="the current directory",
    help="The workspace folder (with audioarchive.toml and metadata/).",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr; tracebacks on errors.")
@click.option(
    "-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr; no progress."
)
@click.version_option(__version__, "--version", prog_name="audioarchive")
@click.pass_context
def cli(ctx: click.Context, workspace: Path, verbose: int, quiet: bool) -> None:
    """Publish the recordings of public meetings: loudness-normalised, tagged episodes,
    lossless masters, a podcast feed and archive pages.

    \b
    Example:
        audioarchive build
        audioarchive serve
    """
    app = App(root=workspace.resolve(), verbose=verbose, quiet=quiet and not verbose)
    setup_logging(app)
    ctx.obj = app


for command in (
    init_command,
    import_command,
    ingest_command,
    build_command,
    publish_command,
    validate_command,
    list_command,
    show_command,
    search_command,
    tags_command,
    verify_command,
    serve_command,
    stats_command,
    bag_command,
    times_command,
    studio_command,
    transcribe_command,
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> None:
    """The console script's entry point."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="audioarchive")
    except BrokenPipeError:
        # the reader went away (e.g. `audioarchive list | head`): end quietly
        sys.stderr.close()
        sys.exit(0)
