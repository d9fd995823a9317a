"""The loudness report of one episode: what came in, what went out, what was done to it.

Stored in the episode record, written beside the master as
``archive/<id>/<id>.loudness.json`` and printed by ``audioarchive show``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from audioarchive.ffmpeg import Loudness


def _r(value: float, digits: int = 2) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


@dataclass(frozen=True)
class TrimReport:
    start: float  # raw seconds kept from
    end: float  # raw seconds kept until
    duration: float  # of the joined raw recording
    automatic: tuple[str, ...]  # which sides were found automatically: "start", "end"
    speech: tuple[float, float] | None  # first and last words found by the analysis

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "automatic": bool(self.automatic),
            "automatic_sides": list(self.automatic),
            "cut_at_start_s": round(self.start, 3),
            "cut_at_end_s": round(max(0.0, self.duration - self.end), 3),
            "speech": [round(t, 3) for t in self.speech] if self.speech else None,
        }


@dataclass(frozen=True)
class LoudnessReport:
    input: Loudness  # the joined raw recording, downmixed as published
    output: Loudness  # the decoded MP3
    gain_db_min: float  # gain applied over speech
    gain_db_max: float
    trim: TrimReport
    input_sample_peak: float = math.nan
    outputs: dict[str, Loudness] = field(default_factory=dict)  # per format, decoded
    target_lufs: float = -16.0
    target_true_peak: float = -1.0
    limiter_ceiling: float = -2.0
    limiter_max_reduction: float = 0.0
    limited_seconds: float = 0.0
    redactions: tuple[tuple[float, float], ...] = ()
    intro: float = 0.0
    outro: float = 0.0
    master: dict[str, Any] = field(default_factory=dict)
    renders: int = 1
    notes: tuple[str, ...] = ()
    speech: tuple[tuple[float, float], ...] = ()  # raw ranges heard as speech, in the kept range
    room: dict[str, Any] = field(default_factory=dict)  # hum and noise, before and after

    @property
    def trim_start(self) -> float:
        return self.trim.start

    @property
    def trim_end(self) -> float:
        return self.trim.end

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": {
                "integrated_lufs": _r(self.input.integrated),
                "loudness_range_lu": _r(self.input.lra),
                "sample_peak_dbfs": _r(self.input_sample_peak),
            },
            "output": self.output.as_dict(),
            "outputs": {fmt: loud.as_dict() for fmt, loud in sorted(self.outputs.items())},
            "target": {
                "integrated_lufs": self.target_lufs,
                "true_peak_dbtp": self.target_true_peak,
            },
            "gain_db": {"min": _r(self.gain_db_min), "max": _r(self.gain_db_max)},
            "limiter": {
                "ceiling_dbtp": _r(self.limiter_ceiling),
                "max_reduction_db": _r(self.limiter_max_reduction),
                "limited_s": _r(self.limited_seconds, 1),
            },
            "trim": self.trim.as_dict(),
            "redactions": [[round(a, 3), round(b, 3)] for a, b in self.redactions],
            "jingles": {"intro_s": round(self.intro, 3), "outro_s": round(self.outro, 3)},
            "master": self.master,
            "renders": self.renders,
            "speech": {
                "seconds": round(sum(b - a for a, b in self.speech), 1),
                "segments": [[round(a, 1), round(b, 1)] for a, b in self.speech],
            },
            "room": self.room,
            "notes": list(self.notes),
        }
