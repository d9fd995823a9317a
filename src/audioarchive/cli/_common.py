"""What every command shares: the app context, error mapping, logging and progress drawing."""

from __future__ import annotations

import functools
import json
import logging
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from audioarchive.errors import AudioArchiveError, ExitCode

if TYPE_CHECKING:
    from audioarchive.config import Settings
    from audioarchive.metadata.session import Workspace
    from audioarchive.pipeline import ProgressEvent

# Imports of the stages are made where they are used: a command loads only what it needs
# (``audioarchive list`` never loads the audio, tag or storage stages; tests/test_imports.py).

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("audioarchive")


@dataclass
class App:
    """Global options, built once by the group and passed to every command."""

    root: Path
    verbose: int = 0
    quiet: bool = False
    _progress: Progress | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        from audioarchive.config import load_settings  # noqa: PLC0415 (see the imports)

        return load_settings(self.root)

    def workspace(self) -> Workspace:
        from audioarchive.metadata.session import load_workspace  # noqa: PLC0415

        return load_workspace(self.root, self.settings())

    def collection(self, *, reload: bool = False, save: bool = True) -> Workspace:
        """The workspace, from a cache when no file it is read from changed (``reload``:
        read every file); ``save``: cache what was read (never on a dry run)."""
        from audioarchive.inspect.browse import load_collection  # noqa: PLC0415

        return load_collection(self.root, self.settings(), reload=reload, save=save)

    @property
    def progress(self) -> Progress:
        if self._progress is None:
            self._progress = Progress(enabled=not self.quiet and _is_tty(sys.stderr))
        return self._progress


pass_app = click.make_pass_decorator(App)


class CommandError(click.ClickException):
    """An :class:`AudioArchiveError` on its way to the terminal, with its exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it on the class


def handle_errors(func: F) -> F:
    """Map library errors to exit codes; tracebacks only with ``-v``.

    The table: docs/explanation/architecture.md, "Exit codes".
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        app = ctx.find_object(App)
        verbose = bool(app and app.verbose)
        try:
            return func(*args, **kwargs)
        except AudioArchiveError as err:
            if app is not None:
                app.progress.clear()
            if verbose:
                traceback.print_exc(file=sys.stderr)
            raise CommandError(str(err), int(err.exit_code)) from None
        except (
            click.ClickException,
            click.exceptions.Exit,
            click.Abort,
            KeyboardInterrupt,
            BrokenPipeError,
        ):
            # a command that printed its own summary ends with its exit code (Exit), never
            # with the words "internal error"
            raise
        except OSError as err:
            if verbose:
                traceback.print_exc(file=sys.stderr)
            where = f"{err.filename}: " if err.filename else ""
            raise CommandError(
                f"{where}{err.strerror or err}", int(ExitCode.EPISODE_FAILED)
            ) from None
        except Exception as err:
            if verbose:
                traceback.print_exc(file=sys.stderr)
            raise CommandError(
                f"internal error: {type(err).__name__}: {err} (run with -v for details, and "
                "please report it)",
                int(ExitCode.EPISODE_FAILED),
            ) from None

    return cast(F, wrapper)


def note(message: str) -> None:
    """An informational line on stderr, silenced by ``--quiet``."""
    app = click.get_current_context(silent=True)
    found = app.find_object(App) if app is not None else None
    if found is None or not found.quiet:
        click.echo(message, err=True)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(func)


def dry_run_option(func: F) -> F:
    return click.option(
        "--dry-run", "-n", is_flag=True, help="Print what would be done, and do nothing."
    )(func)


def force_option(func: F) -> F:
    return click.option(
        "--force", "-f", is_flag=True, help="Redo the work even when it is up to date."
    )(func)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# --- logging and progress ---------------------------------------------------------------------


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """One line on stderr: stage, episode, bar, percentage, ETA. Hidden when not a TTY."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.key: tuple[str, str] | None = None
        self.started = 0.0
        self.drawn = False
        self.last = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        key = (event.stage, event.episode)
        now = time.monotonic()
        if key != self.key:
            self.key, self.started = key, now
        if event.fraction < 1.0 and now - self.last < 0.1:
            return
        self.last = now
        self._draw(event, now)

    def _draw(self, event: ProgressEvent, now: float) -> None:
        width = max(10, min(30, shutil.get_terminal_size((80, 20)).columns - 60))
        done = int(width * event.fraction)
        elapsed = now - self.started
        eta = ""
        if 0.02 < event.fraction < 1.0 and elapsed > 1.0:
            remaining = elapsed * (1 - event.fraction) / event.fraction
            eta = f" ETA {int(remaining // 60)}:{int(remaining % 60):02d}"
        label = f"{event.episode[:28]} {event.stage}"[:44]
        bar = "#" * done + "-" * (width - done)
        sys.stderr.write(f"\r\x1b[K{label:<44} [{bar}] {event.fraction:4.0%}{eta}")
        sys.stderr.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.drawn = False


class _ProgressAwareHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Log lines that do not tear the progress bar: clear it, then write."""

    def __init__(self, app: App) -> None:
        super().__init__(sys.stderr)
        self.app = app

    def emit(self, record: logging.LogRecord) -> None:
        if self.app._progress is not None:
            self.app._progress.clear()
        super().emit(record)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {message}"
        return message


def setup_logging(app: App) -> None:
    level = logging.WARNING if app.quiet else logging.DEBUG if app.verbose else logging.INFO
    handler = _ProgressAwareHandler(app)
    handler.setFormatter(_Formatter("%(message)s"))
    root = logging.getLogger("audioarchive")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    if app.verbose > 1:
        logging.getLogger().setLevel(logging.DEBUG)
    # third-party libraries stay quiet unless asked three times (-vvv): then botocore's wire
    # log is shown, through a filter that blanks key ids, signatures and session tokens
    for name in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(name).setLevel(logging.DEBUG if app.verbose > 2 else logging.WARNING)
    top = logging.getLogger()
    top.handlers[:] = [h for h in top.handlers if not isinstance(h, _WireHandler)]
    if app.verbose > 2:
        from audioarchive.storage.redact import RedactingFilter  # noqa: PLC0415

        wire = _WireHandler(app)
        wire.setFormatter(_Formatter("%(name)s: %(message)s"))
        wire.addFilter(RedactingFilter())
        top.addHandler(wire)


class _WireHandler(_ProgressAwareHandler):
    """Third-party debug logs (-vvv), secrets blanked."""
