"""The exception hierarchy and the exit codes it maps to.

The table of exit codes: docs/explanation/architecture.md, "Exit codes".

Every error carries a one-line message naming the file, episode or key, and an
optional hint. The CLI turns them into exit codes in one place
(:func:`audioarchive.cli._common.run_library_call`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    EPISODE_FAILED = 1
    BAD_INPUT = 2
    ENVIRONMENT = 3


@dataclass(frozen=True)
class Problem:
    """One problem in an input file: where it is, and what was expected."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


class AudioArchiveError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code: ExitCode = ExitCode.EPISODE_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\nHint: {self.hint}"


# --- exit 2: bad usage or bad input, nothing processed -------------------------------------


class InputError(AudioArchiveError):
    """Bad input: the user must change a file or an argument."""

    exit_code = ExitCode.BAD_INPUT


class MetadataError(InputError):
    """One or more problems in the workspace's files, all reported together."""

    def __init__(self, problems: list[Problem], *, hint: str | None = None) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} found:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]), hint=hint)


class ConfigError(MetadataError):
    """Problems in ``audioarchive.toml`` or the environment variables that override it."""


class SessionError(MetadataError):
    """Problems in ``metadata/podcast.yaml`` or the session files."""


class AudioInputError(InputError):
    """A recording that cannot be used as it is (unreadable, silent, mismatched)."""


class WorkspaceLockedError(InputError):
    """Another audioarchive process holds the workspace lock."""


# --- exit 3: the environment failed before any work ----------------------------------------


class EnvironmentNotReadyError(AudioArchiveError):
    """The machine or a service is not ready: nothing was done."""

    exit_code = ExitCode.ENVIRONMENT


class ToolNotFoundError(EnvironmentNotReadyError):
    """A program we need (ffmpeg, ffprobe) is missing or lacks an encoder."""


class StorageUnavailableError(EnvironmentNotReadyError):
    """Storage cannot be reached, or refuses our credentials."""


# --- exit 1: an episode failed ---------------------------------------------------------------


class FFmpegError(AudioArchiveError):
    """ffmpeg or ffprobe ran and failed."""

    def __init__(self, cmd: list[str], returncode: int, stderr_tail: str) -> None:
        self.cmd = cmd
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        last = stderr_tail.strip().splitlines()[-1] if stderr_tail.strip() else "no message"
        program = cmd[0].rsplit("/", 1)[-1]
        if "No space left on device" in stderr_tail:
            super().__init__(
                f"{program}: the disk is full (No space left on device)",
                hint="free some space, then run the same command again: it resumes",
            )
            return
        super().__init__(f"{program} failed (exit {returncode}): {last}")


class TaggingError(AudioArchiveError):
    """mutagen could not read or write a file's tags."""


class FeedError(AudioArchiveError):
    """The feed could not be built."""


class SiteError(AudioArchiveError):
    """The pages could not be built."""


class StorageError(AudioArchiveError):
    """An object could not be written, read or removed."""

    def __init__(self, message: str, *, bucket: str = "", key: str = "", hint: str | None = None):
        self.bucket = bucket
        self.key = key
        super().__init__(message, hint=hint)
