"""Map times on the joined raw recording onto the published episode.

Session files give every time (trim, redactions, chapters, transcript cues) on
the raw recording, as the organiser hears it when listening back. The
published audio starts with the optional intro, then the kept range
``[start, end)`` of the recording, then the optional outro.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Timeline:
    start: float  # raw seconds where the kept range begins
    end: float  # raw seconds where it ends
    intro: float = 0.0  # seconds of intro before it
    outro: float = 0.0  # seconds of outro after it

    @property
    def kept(self) -> float:
        return max(0.0, self.end - self.start)

    @property
    def duration(self) -> float:
        """Length of the published episode in seconds."""
        return self.intro + self.kept + self.outro

    def to_public(self, raw: float) -> float | None:
        """The published time of a raw instant, or ``None`` when it was trimmed away."""
        if raw < self.start or raw > self.end:
            return None
        return self.intro + raw - self.start

    def clamp_to_public(self, raw: float) -> float:
        """Like :meth:`to_public`, but an instant outside the kept range sticks to its edge."""
        return self.intro + min(max(raw, self.start), self.end) - self.start

    def span_to_public(self, start: float, end: float) -> tuple[float, float] | None:
        """The published part of a raw range, or ``None`` when it lies outside the kept range."""
        if end <= self.start or start >= self.end:
            return None
        return self.clamp_to_public(start), self.clamp_to_public(end)

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timeline:
        return cls(
            start=float(data["start"]),
            end=float(data["end"]),
            intro=float(data.get("intro", 0.0)),
            outro=float(data.get("outro", 0.0)),
        )
