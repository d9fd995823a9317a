"""What a build with nothing changed may skip: fingerprints of each step's inputs.

A build records, in ``.audioarchive/build-stamps.json``:

- for each episode, the fingerprint of what its tags and files are made from: its session
  (the file's content through its size and time, and every file it names: recordings,
  transcript, artwork), the show, the settings, the program (every file of the installed
  package: code and templates) and its audio and tag keys;
- for the generated files (feed, pages, catalogue, archive sidecars), the fingerprint of
  the publication they are rendered from, and the size and time of every file of
  ``feed/`` and ``archive/`` once written.

When an episode's fingerprint is the recorded one and its files are there, the build skips
recomputing its tags; when the publication's fingerprint and both trees are as recorded,
it skips rendering the feed, the pages and the sidecars. Anything else (a changed template,
setting, artwork, session file, a file of ``feed/`` edited or removed) renders as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path, PurePath
from typing import Any

from audioarchive._version import __version__
from audioarchive.common.writing import write_atomic
from audioarchive.metadata.episode import Publication
from audioarchive.metadata.session import Session, Workspace

STAMPS_FILE = "build-stamps.json"
STAMPS_VERSION = 1


def digest(*parts: object) -> str:
    blob = json.dumps([canonical(p) for p in parts], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def canonical(value: object) -> Any:
    """``value`` as JSON data that is the same in every run for the same inputs: sets in
    order, dataclasses as their fields, and each existing file as its path, size and time
    (so that a file's new content changes the fingerprint)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, PurePath):
        return _file_stamp(str(value))
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return [type(value).__name__, fields]
    if isinstance(value, Mapping):
        return sorted(([str(k), canonical(v)] for k, v in value.items()), key=repr)
    if isinstance(value, set | frozenset):
        return sorted((canonical(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return repr(value)
    return [type(value).__name__, repr(value)]


def _file_stamp(path: str) -> Any:
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
                entries.append(_file_stamp(f"{folder}/{name}"))
    return digest(__version__, entries)


def shared_inputs(workspace: Workspace) -> str:
    """What every episode and every generated file depends on: program, settings, show."""
    return digest(program_stamp(), workspace.settings, workspace.show)


def episode_inputs(shared: str, session: Session, *keys: str) -> str:
    return digest(shared, session, keys)


def publication_inputs(shared: str, publication: Publication, records: Iterable[Path]) -> str:
    """The publication's fingerprint: its sessions and the record files of its episodes
    (rewritten whenever an episode's audio or tags change)."""
    return digest(
        shared,
        publication.site,
        [e.session for e in publication.episodes],
        list(records),
        publication.upcoming,
        publication.artwork,
        publication.episode_artwork,
        publication.image_sizes,
        {i: t.key for i, t in publication.machine_transcripts.items()},
    )


def tree_stamp(*folders: Path) -> str:
    """Every file under ``folders`` with its size and time."""
    entries: list[Any] = []
    for top in folders:
        for folder, dirs, files in os.walk(top):
            dirs.sort()
            entries.extend(_file_stamp(f"{folder}/{name}") for name in sorted(files))
    return digest(entries)


@dataclasses.dataclass
class Stamps:
    """The fingerprints of the last build (empty: render everything)."""

    path: Path
    episodes: dict[str, str] = dataclasses.field(default_factory=dict)
    outputs: dict[str, str] = dataclasses.field(default_factory=dict)
    _saved: str = ""

    @classmethod
    def load(cls, state: Path) -> Stamps:
        path = state / STAMPS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        if not isinstance(data, dict) or data.get("version") != STAMPS_VERSION:
            return cls(path)
        episodes, outputs = data.get("episodes"), data.get("outputs")
        stamps = cls(
            path,
            dict(episodes) if isinstance(episodes, dict) else {},
            dict(outputs) if isinstance(outputs, dict) else {},
        )
        stamps._saved = stamps._text()
        return stamps

    def _text(self) -> str:
        data = {"version": STAMPS_VERSION, "episodes": self.episodes, "outputs": self.outputs}
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    def save(self) -> None:
        """Written only when it changed (a build with nothing to do writes nothing)."""
        text = self._text()
        if text != self._saved:
            write_atomic(self.path, text.encode())
            self._saved = text
