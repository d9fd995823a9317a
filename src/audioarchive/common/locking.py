"""One writer per workspace: an advisory lock on ``.audioarchive/lock``."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from audioarchive.errors import WorkspaceLockedError

_held: dict[Path, int] = {}  # lock files this process holds, with their nesting depth
_guard = threading.Lock()


@contextlib.contextmanager
def workspace_lock(state_dir: Path, what: str = "build") -> Iterator[None]:
    """Hold the workspace lock; refuse at once (exit 2) when another process has it.

    The kernel releases the lock when its holder dies, so a killed run never
    leaves the workspace locked. Re-entrant within a process: ``publish`` holds it
    across the build (which takes it too) and the upload.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    path = (state_dir / "lock").resolve()
    with _guard:
        nested = path in _held
        if nested:
            _held[path] += 1
    if nested:
        try:
            yield
        finally:
            with _guard:
                _held[path] -= 1
        return
    with _locked(path, what):
        yield


@contextlib.contextmanager
def _locked(path: Path, what: str) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            raise WorkspaceLockedError(
                f"another audioarchive {holder or 'process'} is working in this workspace",
                hint="wait for it to finish, then run this command again",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{what} (pid {os.getpid()})\n".encode())  # as the refusal names it
        with _guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _guard:
                del _held[path]
    finally:
        os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
