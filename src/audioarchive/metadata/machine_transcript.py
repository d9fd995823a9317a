"""What a recogniser produces: words and segments with their times, and a whole
machine transcript as cached in ``.audioarchive/transcripts/<id>/<key>.json``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Word:
    start: float  # seconds on the published timeline
    end: float
    text: str


@dataclass(frozen=True)
class Segment:
    """One utterance: its words, in order, with their times."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "words": [[w.start, w.end, w.text] for w in self.words],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        return cls(
            float(data["start"]),
            float(data["end"]),
            str(data["text"]),
            tuple(Word(float(a), float(b), str(t)) for a, b, t in data.get("words", [])),
        )


@dataclass(frozen=True)
class MachineTranscript:
    """A recogniser's transcript of an episode's published audio (times on its timeline)."""

    session_id: str
    key: str  # the audio's key with the engine, model and language
    engine: str
    model: str
    language: str
    segments: tuple[Segment, ...]
    #: the dominant channel of each 100 ms of the raw recording (-1: none), when the
    #: session names its microphones (see :mod:`audioarchive.transcribe.channels`)
    channels: tuple[int, ...] | None = None

    @property
    def label(self) -> str:
        return f"{self.engine} ({self.model})"

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session_id,
            "key": self.key,
            "engine": self.engine,
            "model": self.model,
            "language": self.language,
            "segments": [s.to_json() for s in self.segments],
            "channels": list(self.channels) if self.channels is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MachineTranscript:
        return cls(
            str(data["session"]),
            str(data["key"]),
            str(data["engine"]),
            str(data["model"]),
            str(data["language"]),
            tuple(Segment.from_json(s) for s in data["segments"]),
            tuple(int(c) for c in data["channels"]) if data.get("channels") is not None else None,
        )
