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
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from audioarchive.common.fingerprint import digest, program_stamp
from audioarchive.common.writing import write_atomic
from audioarchive.metadata.episode import Publication
from audioarchive.metadata.session import Workspace

__all__ = ["Stamps", "episode_inputs", "publication_inputs", "shared_inputs"]

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
