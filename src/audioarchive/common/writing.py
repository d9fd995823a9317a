"""Crash-safe file writing: a temporary file in the destination folder, then ``os.replace``."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".tmp-"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: What a new file gets (mkstemp's 0600 would hide feed/ from a web server's user).
FILE_MODE = 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success move it into place, else remove it.

    The temporary name keeps ``dest``'s suffix, so tools that pick a format by
    extension (ffmpeg, mutagen) still work on it.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(dest.stat().st_mode & 0o777 if dest.exists() else FILE_MODE)
        _fsync(tmp)
        tmp.replace(dest)
        _fsync_dir(dest.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(dest: Path, data: bytes) -> bool:
    """Write ``data`` to ``dest`` unless it already holds exactly that; return whether it wrote."""
    try:
        if dest.stat().st_size == len(data) and dest.read_bytes() == data:
            return False
    except OSError:
        pass
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return True


def remove_temporaries(folder: Path) -> int:
    """Remove temporary files a killed run left behind under ``folder``; return how many."""
    count = 0
    if folder.is_dir():
        for path in folder.rglob(f"{TEMP_PREFIX}*"):
            if path.is_file():
                path.unlink(missing_ok=True)
                count += 1
    return count


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
