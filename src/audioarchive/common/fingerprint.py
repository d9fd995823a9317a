"""Fingerprints of inputs: the same in every run for the same inputs, new when any changed.

Used to skip work whose inputs did not change (:mod:`audioarchive.pipeline.stamps`, the
collection cache of ``list`` and ``search``). A file counts by its path, size and
modification time, as the checksum caches of the build and the publish do.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import os
import stat
from collections.abc import Mapping
from functools import cache
from pathlib import Path, PurePath
from typing import Any

from audioarchive._version import __version__


def digest(*parts: object) -> str:
    blob = json.dumps([canonical(p) for p in parts], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def canonical(value: object) -> Any:
    """``value`` as JSON data that is the same in every run for the same inputs: sets in
    order, dataclasses as their fields, and each existing file as its path, size and time
    (so that a file's new content changes the fingerprint)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple or kind is list:
        return [canonical(v) for v in value]  # type: ignore[attr-defined]
    if kind in _PATHS:
        return file_stamp(str(value))
    names = _FIELDS.get(kind)
    if names is not None:  # a dataclass met before (the fields of 500 sessions: quickly)
        return [kind.__name__, {n: canonical(getattr(value, n)) for n in names}]
    return _canonical_other(value)


_PLAIN = frozenset({str, int, float, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}  # the field names of each dataclass met
_PATHS: set[type] = set()  # the path classes met


def _canonical_other(value: object) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, PurePath):
        _PATHS.add(type(value))
        return file_stamp(str(value))
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = tuple(f.name for f in dataclasses.fields(value))
        _FIELDS[type(value)] = names
        return [type(value).__name__, {n: canonical(getattr(value, n)) for n in names}]
    if isinstance(value, Mapping):
        return sorted(([str(k), canonical(v)] for k, v in value.items()), key=repr)
    if isinstance(value, set | frozenset):
        return sorted((canonical(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return repr(value)
    return [type(value).__name__, repr(value)]


def file_stamp(path: str) -> Any:
    try:
        info = os.stat(path)  # noqa: PTH116 (thousands of files: no Path object for each)
    except OSError:
        return path
    if not stat.S_ISREG(info.st_mode):
        return path  # a folder's time changes with every file written in it
    return [path, info.st_size, info.st_mtime_ns]


@cache
def program_stamp() -> str:
    """The program's version and every file of the package (code, templates): a new
    release, or an edited template in a development install, renders everything again."""
    package = Path(__file__).resolve().parents[1]
    entries = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                entries.append(file_stamp(f"{folder}/{name}"))
    return digest(__version__, entries)


def tree_stamp(*folders: Path) -> str:
    """Every file under ``folders`` with its size and time."""
    entries: list[Any] = []
    for top in folders:
        for folder, dirs, files in os.walk(top):
            dirs.sort()
            entries.extend(file_stamp(f"{folder}/{name}") for name in sorted(files))
    return digest(entries)
