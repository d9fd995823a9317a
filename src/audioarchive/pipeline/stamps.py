"""What a build with nothing changed may skip: fingerprints of each step's inputs.

A build records, in ``.audioarchive/build-stamps.json``:

- for each episode, the fingerprint of what its tags and files are made from: its session
  (the file's content through its size and time, and every file it names: recordings,
  transcript, artwork), the show, the settings, the program (every file of the installed
  package: code and templates) and its audio and tag keys;
- for the generated files (feed, pages, catalogue, archive sidecars), the fingerprint of
  the publication they are rendered from, and the size and time of every file of
  ``feed/`` and ``archive/`` once written;
- for each group of generated files (``groups``: an episode's page and the files beside
  it, an episode's sidecars, the index and search pages, the feed, each catalogue, the
  manifest), the fingerprint of what that group alone is made from and the size, time and
  SHA-256 of each of its files once written.

When an episode's fingerprint is the recorded one and its files are there, the build skips
recomputing its tags; when the publication's fingerprint and both trees are as recorded,
it skips rendering the feed, the pages and the sidecars. Otherwise it renders only the
groups whose fingerprint changed or one of whose files is not as written (edited or
removed by hand): one changed title renders that episode's files, its neighbours' pages
(they show its title) and the lists; a changed template, setting or show renders all.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from audioarchive.common.fingerprint import digest, program_stamp
from audioarchive.common.writing import write_atomic
from audioarchive.metadata.episode import Publication
from audioarchive.metadata.session import Workspace

__all__ = [
    "Rendered",
    "Stamps",
    "episode_inputs",
    "output_inputs",
    "publication_inputs",
    "shared_inputs",
]

STAMPS_FILE = "build-stamps.json"
STAMPS_VERSION = 1


def shared_inputs(workspace: Workspace) -> str:
    """What every episode and every generated file depends on: program, settings, show."""
    return digest(program_stamp(), workspace.settings, workspace.show)


def episode_inputs(shared: str, session: str, *keys: str) -> str:
    """An episode's fingerprint: ``session`` is its session's (:func:`digest`)."""
    return digest(shared, session, keys)


def publication_inputs(
    shared: str, publication: Publication, sessions: Mapping[str, str], records: Iterable[Path]
) -> str:
    """The publication's fingerprint: its sessions (``sessions``: the fingerprints already
    made, by id) and the record files of its episodes (rewritten whenever an episode's
    audio or tags change)."""
    return digest(
        shared,
        publication.site,
        [sessions.get(e.id) or digest(e.session) for e in publication.episodes],
        list(records),
        publication.upcoming,
        publication.artwork,
        publication.episode_artwork,
        publication.image_sizes,
        {i: t.key for i, t in publication.machine_transcripts.items()},
    )


def output_inputs(shared: str, session: str, record: Path, transcript_key: str | None) -> str:
    """What an episode's own generated files are made from, besides the rest of the
    publication they show (a page shows its neighbours' titles): its session (``session``:
    its fingerprint), its record file, its machine transcript (``transcript_key``)."""
    return digest(shared, session, record, transcript_key)


@dataclasses.dataclass(frozen=True)
class Rendered:
    """A group of generated files as last written: the fingerprint of its inputs, and each
    file (path relative to its folder) with its size, time and SHA-256 once written."""

    key: str
    files: dict[str, tuple[int, int, str]]

    def intact(self, folder: Path) -> bool:
        """Every file is there with the size and time it was written with."""
        for relpath, (size, mtime_ns, _sha) in self.files.items():
            try:
                info = os.stat(f"{folder}/{relpath}")  # noqa: PTH116 (thousands: no Path each)
            except OSError:
                return False
            if info.st_size != size or info.st_mtime_ns != mtime_ns:
                return False
        return True

    def _data(self) -> list[Any]:
        return [self.key, {p: list(f) for p, f in self.files.items()}]


def _rendered(data: object) -> Rendered | None:
    """A group read back from the stamps file; ``None`` when it is not one (rendered again)."""
    if not isinstance(data, list) or len(data) != 2:  # key, files
        return None
    key, files = data
    if not isinstance(key, str) or not isinstance(files, dict):
        return None
    out: dict[str, tuple[int, int, str]] = {}
    for relpath, entry in files.items():
        if not (
            isinstance(entry, list)
            and len(entry) == 3  # size, time, sha256
            and isinstance(entry[0], int)
            and isinstance(entry[1], int)
            and isinstance(entry[2], str)
        ):
            return None
        out[relpath] = (entry[0], entry[1], entry[2])
    return Rendered(key, out)


@dataclasses.dataclass
class Stamps:
    """The fingerprints of the last build (empty: render everything)."""

    path: Path
    episodes: dict[str, str] = dataclasses.field(default_factory=dict)
    outputs: dict[str, str] = dataclasses.field(default_factory=dict)
    groups: dict[str, Rendered] = dataclasses.field(default_factory=dict)
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
        episodes, outputs, groups = data.get("episodes"), data.get("outputs"), data.get("groups")
        read = {n: _rendered(g) for n, g in groups.items()} if isinstance(groups, dict) else {}
        stamps = cls(
            path,
            dict(episodes) if isinstance(episodes, dict) else {},
            dict(outputs) if isinstance(outputs, dict) else {},
            {name: group for name, group in read.items() if group is not None},
        )
        stamps._saved = stamps._text()
        return stamps

    def _text(self) -> str:
        data = {
            "version": STAMPS_VERSION,
            "episodes": self.episodes,
            "outputs": self.outputs,
            "groups": {name: group._data() for name, group in self.groups.items()},
        }
        # no indent: the C encoder (thousands of files; the pure-Python one takes 10 times longer)
        return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"

    def save(self) -> None:
        """Written only when it changed (a build with nothing to do writes nothing)."""
        text = self._text()
        if text != self._saved:
            write_atomic(self.path, text.encode())
            self._saved = text
