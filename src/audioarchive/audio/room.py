"""The room, before and after: noise and hum figures, and warnings a person understands.

Computed from the analysis (before) and from the decoded MP3's loudness series,
which the render's checker logs while it measures the file (after): no extra pass.

- **noise floor**: the mean power of the room tone (the long quiet pauses the
  analysis found), in LUFS, and how far under the speech it lies;
- **hum**: the mains hum found, its level and the lines notched;
- **warnings** (notes in the report and the build's output): a long stretch taken
  for room tone although it stands well above it (a speaker the detector may have
  missed), a passage of speech that still ends up more than 3 LU from the rest, and
  noise or hum too close to the speech to be removed cleanly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from audioarchive.audio.analyse import STEP, WINDOW, Analysis, BoolArray, FloatArray, Speech, runs
from audioarchive.audio.denoise import DenoisePlan
from audioarchive.audio.level import integrated, room_tone

#: A stretch taken for room tone this long (s) and this far above the floor (LU) is named.
MISSED_SECONDS = 5.0
MISSED_ABOVE_FLOOR = 10.0
#: Passages of speech (turns joined across gaps under JOIN seconds) at least LONG seconds
#: long are compared with the whole speech; beyond SPREAD LU they are named.
JOIN = 0.8
LONG = 4.0
SPREAD = 3.0
#: Noise closer than this under the speech (LU), hum closer than this (dB): too strong.
NOISE_TOO_CLOSE = 10.0
HUM_TOO_CLOSE = 10.0


def _power_mean(frames: FloatArray) -> float:
    finite = frames[np.isfinite(frames)]
    if not finite.size:
        return -math.inf
    return float(10 * np.log10(np.mean(10 ** (finite / 10))))


def _mask(centres: FloatArray, ranges: Sequence[tuple[float, float]]) -> BoolArray:
    inside = np.zeros(len(centres), dtype=bool)
    for start, end in ranges:
        inside |= (centres >= start) & (centres <= end)
    return inside


def _r(value: float) -> float | None:
    return round(value, 1) if math.isfinite(value) else None


def speech_segments(
    speech: Speech, centres: FloatArray, kept: tuple[float, float]
) -> tuple[tuple[float, float], ...]:
    """Raw ranges of speech inside the kept range."""
    found = []
    for a, b in runs(speech.active):
        start = max(kept[0], float(centres[a]) - WINDOW / 2)
        end = min(kept[1], float(centres[b - 1]) + WINDOW / 2)
        if end > start:
            found.append((start, end))
    return tuple(found)


def describe_room(
    analysis: Analysis,
    speech: Speech,
    kept: tuple[float, float],
    denoise: DenoisePlan | None,
    output: FloatArray | None,
    offset: float,
) -> tuple[dict[str, Any], list[str]]:
    """Figures before and after, and warnings. ``offset``: raw time minus programme time."""
    centres = analysis.centres
    include = (centres >= kept[0]) & (centres <= kept[1])
    tone = denoise.room_tone if denoise is not None else None
    if tone is None:
        tone = room_tone(analysis.momentary, centres, speech, kept)
    segments = speech_segments(speech, centres, kept)
    before = _figures(analysis.momentary, centres, segments, tone)
    data: dict[str, Any] = {
        "detector": "webrtcvad and loudness",
        "hum": analysis.hum.as_dict() if analysis.hum is not None else None,
        "denoise": denoise.as_dict() if denoise is not None else None,
        "before": before,
    }
    notes = []
    if output is not None and output.size:
        out_centres = ((np.arange(len(output)) + 1) * STEP - WINDOW / 2 + offset).astype(np.float64)
        data["after"] = _figures(output, out_centres, segments, tone)
        notes += _uneven(output, out_centres, segments)
    notes += _missed(analysis.momentary, centres, speech, include)
    notes += _too_strong(before, analysis, denoise)
    return data, notes


def _figures(
    frames: FloatArray,
    centres: FloatArray,
    segments: Sequence[tuple[float, float]],
    tone: Sequence[tuple[float, float]],
) -> dict[str, float | None]:
    speech_level = integrated(frames[_mask(centres, segments)])
    floor = _power_mean(frames[_mask(centres, tone)]) if tone else -math.inf
    return {
        "speech_lufs": _r(speech_level),
        "room_tone_lufs": _r(floor),
        "room_tone_under_speech_lu": _r(speech_level - floor),
    }


def _missed(
    momentary: FloatArray, centres: FloatArray, speech: Speech, include: BoolArray
) -> list[str]:
    notes = []
    for a, b in runs(include & ~speech.active):
        if (b - a) * STEP < MISSED_SECONDS:
            continue
        level = momentary[a:b]
        level = level[np.isfinite(level)]
        if not level.size:
            continue
        above = float(np.median(level)) - speech.floor
        if above >= MISSED_ABOVE_FLOOR:
            notes.append(
                f"{_clock(centres[a])}-{_clock(centres[b - 1])} ({(b - a) * STEP:.0f} s) was "
                f"taken for room tone although it stands {above:.0f} LU above the room: a "
                "speaker the voice detector missed, or music or applause; listen to it"
            )
    return notes


def _uneven(
    output: FloatArray, centres: FloatArray, segments: Sequence[tuple[float, float]]
) -> list[str]:
    joined: list[list[float]] = []
    for start, end in segments:
        if joined and start - joined[-1][1] < JOIN:
            joined[-1][1] = end
        else:
            joined.append([start, end])
    reference = integrated(output[_mask(centres, segments)])
    if not math.isfinite(reference):
        return []
    worst, where = 0.0, (0.0, 0.0)
    for start, end in joined:
        if end - start < LONG:
            continue
        level = integrated(output[_mask(centres, [(start, end)])])
        if math.isfinite(level) and abs(level - reference) > abs(worst):
            worst, where = level - reference, (start, end)
    if abs(worst) <= SPREAD:
        return []
    side = "under" if worst < 0 else "over"
    note = (
        f"speech at {_clock(where[0])}-{_clock(where[1])} ends up {abs(worst):.1f} LU {side} "
        f"the rest of the speech (more than {SPREAD:.0f} LU): the levelling could not bring "
        "that speaker closer; listen to it"
    )
    return [note]


def _too_strong(
    before: dict[str, float | None], analysis: Analysis, denoise: DenoisePlan | None
) -> list[str]:
    notes = []
    gap = before["room_tone_under_speech_lu"]
    speech_level = before["speech_lufs"]
    if gap is not None and gap < NOISE_TOO_CLOSE:
        notes.append(
            f"the room noise is only {gap:.0f} LU under the speech: it cannot be removed "
            "cleanly without harming the voices, and some will remain audible "
            "(a microphone closer to the speakers is the cure)"
        )
    hum = analysis.hum
    if hum is not None and speech_level is not None:
        under = speech_level - hum.level_db
        if under < HUM_TOO_CLOSE:
            action = "notched" if denoise is not None else "left in (denoise = false)"
            notes.append(
                f"a {hum.frequency:.0f} Hz mains hum is only {under:.0f} dB under the "
                f"speech: {action}, but traces may remain (check the recorder's cables "
                "and earthing)"
            )
    return notes


def _clock(seconds: float) -> str:
    whole = max(0, round(float(seconds)))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
