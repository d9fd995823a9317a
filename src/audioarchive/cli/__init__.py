"""The command line: parse arguments, call one library function, print the result.

Results go to stdout; logs, warnings and progress go to stderr. Errors map to
exit codes in one place (:func:`audioarchive.cli._common.handle_errors`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import click

from audioarchive._version import __version__
from audioarchive.cli._common import App, setup_logging

#: every command: its name, and the module and function that define it (imported on use, so
#: that ``list`` never loads the audio, tag or storage stages)
COMMANDS = {
    "init": "init:init_command",
    "import": "import_:import_command",
    "ingest": "ingest:ingest_command",
    "build": "build:build_command",
    "publish": "build:publish_command",
    "validate": "validate:validate_command",
    "list": "browse:list_command",
    "show": "browse:show_command",
    "search": "browse:search_command",
    "tags": "browse:tags_command",
    "verify": "verify:verify_command",
    "serve": "serve:serve_command",
    "stats": "stats:stats_command",
    "bag": "bag:bag_command",
    "times": "times:times_command",
    "studio": "studio:studio_command",
    "transcribe": "transcribe:transcribe_command",
}


class _LazyCommands(MutableMapping[str, click.Command]):
    """The group's commands, each imported from its module the first time it is looked up."""

    def __init__(self, where: Mapping[str, str]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, attr = self._where[name].split(":")
            command = getattr(importlib.import_module(f"audioarchive.cli.{module}"), attr)
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._where.pop(name, None)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._where.pop(name, None)
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._where, *self._loaded]))

    def __len__(self) -> int:
        return len(set(self._where) | set(self._loaded))


class LazyGroup(click.Group):
    """A group whose commands are imported only when run or listed (``--help``)."""

    def __init__(self, *args: Any, lazy: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands(lazy)


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings=CONTEXT_SETTINGS)
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


def main(argv: Sequence[str] | None = None) -> None:
    """The console script's entry point."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="audioarchive")
    except BrokenPipeError:
        # the reader went away (e.g. `audioarchive list | head`): end quietly
        sys.stderr.close()
        sys.exit(0)
