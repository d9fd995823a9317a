"""What the one-minute rule needs to know of each episode file: its size, ID3 tag and rate.

Read from the built episodes (``.audioarchive/state/<id>.json`` and the files in
``feed/``). A request is matched to an episode by its path ending in
``episodes/<id>/<id>-<digest>.<ext>``: files of earlier builds of the same episode
(another digest) count for that episode, with the current file's rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from audioarchive.metadata.episode import load_record
from audioarchive.metadata.session import Workspace

ID3_HEADER = 10


@dataclass(frozen=True)
class MediaFile:
    """One public audio file of an episode."""

    episode: str
    extension: str  # "mp3"
    size: int  # bytes
    id3_size: int  # bytes of the ID3v2 tag at the start (0 when none)
    duration: float  # seconds

    @cached_property
    def minute_bytes(self) -> int:
        """Audio bytes a listener must receive to count: one minute, or the whole file."""
        audio = max(0, self.size - self.id3_size)
        if self.duration <= 60:
            return audio
        return min(audio, int(audio * 60 / self.duration))


@dataclass(frozen=True)
class EpisodeInfo:
    id: str
    title: str
    date: str  # ISO date of the meeting ("" when unknown)
    files: tuple[MediaFile, ...]


class MediaIndex:
    """Paths in the logs → the episode file they name."""

    def __init__(self, episodes: tuple[EpisodeInfo, ...]) -> None:
        self.episodes = episodes
        self._files = {(f.episode, f.extension): f for e in episodes for f in e.files}
        self._cache: dict[str, MediaFile | None] = {}

    def match(self, path: str) -> MediaFile | None:
        found = self._cache.get(path, False)
        if found is not False:
            return found  # type: ignore[return-value]
        if len(self._cache) > 100_000:
            self._cache.clear()
        result = self._cache[path] = self._match(path)
        return result

    def _match(self, path: str) -> MediaFile | None:
        parts = path.rsplit("/", 3)
        if len(parts) < 3 or parts[-3] != "episodes":
            return None
        episode, name = parts[-2], parts[-1]
        stem, _, extension = name.rpartition(".")
        if not stem.startswith(f"{episode}-"):
            return None
        return self._files.get((episode, extension.lower()))


def id3_size(head: bytes) -> int:
    """The size of an ID3v2 tag from the first 10 bytes of a file (0 when there is none)."""
    if len(head) < ID3_HEADER or head[:3] != b"ID3" or any(b & 0x80 for b in head[6:10]):
        return 0
    body = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
    footer = ID3_HEADER if head[5] & 0x10 else 0
    return ID3_HEADER + body + footer


def load_media(workspace: Workspace) -> MediaIndex:
    """The built episodes' public audio files (episodes never built are left out)."""
    paths = workspace.paths
    episodes = []
    for session in workspace.episodes:
        record = load_record(paths.state, session.id)
        if record is None:
            continue
        files = []
        for output in record.media:
            path = paths.feed / output.path
            files.append(
                MediaFile(
                    episode=session.id,
                    extension=output.path.rsplit(".", 1)[-1].lower(),
                    size=output.size,
                    id3_size=_read_id3_size(path),
                    duration=record.timeline.duration,
                )
            )
        date = session.date.date().isoformat() if session.date else ""
        episodes.append(EpisodeInfo(session.id, session.title, date, tuple(files)))
    return MediaIndex(tuple(episodes))


def _read_id3_size(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return id3_size(handle.read(ID3_HEADER))
    except OSError:
        return 0
