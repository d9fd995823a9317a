"""Harsh-room meetings and the figures that judge what became of them.

A harsh-room meeting (:func:`harsh_spec`) is a synthetic meeting whose clean speech
is known: three French voices at very different levels, one of them only a few LU
above the room, over ventilation or pink noise, a 50 Hz mains hum with two
harmonics, applause and a slammed door. :func:`measure_room` measures a decoded
output (or the raw recording) against it: each speaker's loudness over their turns,
the noise floor in the pauses and the hum relative to the speech, intelligibility
(STOI, against the clean voices) and the EBU R128 figures. The tests and
``make bench`` share both.

STOI comes from ``pystoi``, which is in the ``test`` and ``bench`` extras only:
:func:`measure_room` imports it when asked for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from audioarchive.ffmpeg import (
    PIPE,
    FFmpegProcess,
    Loudness,
    Tools,
    parse_ebur128,
    parse_ebur128_frame,
)
from audioarchive.samples import GUEST_TEXTS, HOST_TEXTS, Cue, Meeting, MeetingSpec, Room, Turn

FloatArray = npt.NDArray[np.float64]

#: The speakers of a harsh-room meeting and their loudness in the raw recording (LUFS).
HOST_LUFS = -26.0
SECOND_LUFS = -32.0
QUIET_LUFS = -40.0
#: The room (noise, before the hum) in the raw recording (LUFS).
ROOM_LUFS = -43.0
#: Rate at which the measurements decode (Hz): enough for the hum, STOI works at 10 kHz.
MEASURE_RATE = 16000
#: Pauses count for the noise floor from this far inside their edges (s).
PAUSE_MARGIN = 0.3
#: Events make a pause unfit for measuring the floor within this distance (s).
EVENT_SPAN = (-0.5, 4.0)

_SECOND_TEXTS = (
    "Je voudrais ajouter un point sur le budget de la commune pour l'année prochaine.",
    "Les associations du quartier attendent une réponse claire sur les subventions.",
)


def harsh_turns(quiet_lufs: float = QUIET_LUFS) -> tuple[Turn, ...]:
    """Host, a second speaker 6 dB under, a guest far from the microphone (``quiet_lufs``)."""
    host, second = ("host", "fr", HOST_LUFS), ("second", "fr+f3", SECOND_LUFS)
    quiet = ("guest", "fr+m3", quiet_lufs)
    order = (
        (HOST_TEXTS[0], host),
        (GUEST_TEXTS[0], quiet),
        (_SECOND_TEXTS[0], second),
        (HOST_TEXTS[1], host),
        (GUEST_TEXTS[1], quiet),
        (_SECOND_TEXTS[1], second),
        (HOST_TEXTS[2], host),
    )
    then = {2: "door", 3: "applause"}  # a door after the second speaker, applause for the host
    return tuple(
        Turn(text, who, voice, pause=1.6 if i % 2 else 1.2, loudness=level, then=then.get(i))
        for i, (text, (who, voice, level)) in enumerate(order)
    )


def harsh_spec(
    minutes: float | None = None,
    *,
    quiet_lufs: float = QUIET_LUFS,
    room_lufs: float = ROOM_LUFS,
    noise: str = "ventilation",
    hum_hz: float = 50.0,
    events: bool = True,
    channels: int = 2,
) -> MeetingSpec:
    """A harsh-room meeting: one pass of :func:`harsh_turns`, or looped to ``minutes``."""
    room = Room(
        noise=noise,
        noise_lufs=room_lufs,
        hum_hz=hum_hz,
        hum_dbfs=room_lufs - 2.0,
    )
    turns = harsh_turns(quiet_lufs)
    if not events:
        turns = tuple(replace(t, then=None) for t in turns)
    return MeetingSpec(
        turns=turns,
        lead=4.0,
        tail=3.0,
        minutes=minutes,
        rate=48000,
        channels=channels,
        bits=24,
        room=room,
    )


@dataclass(frozen=True)
class RoomFigures:
    """What a listener hears of a harsh-room meeting, measured on one decoded file."""

    speakers: dict[str, float]  # LUFS over each speaker's turns
    speech_lufs: float  # over every turn
    floor_lufs: float  # power mean of the pauses (away from events)
    hum_db: float  # power at the hum's lines, dB relative to full scale (sine = 0 dB)
    loudness: Loudness
    stoi: float | None = None

    @property
    def spread(self) -> float:
        """Loudest minus quietest speaker (LU)."""
        levels = [v for v in self.speakers.values() if math.isfinite(v)]
        return max(levels) - min(levels) if levels else math.inf

    @property
    def floor_below_speech(self) -> float:
        return self.speech_lufs - self.floor_lufs

    @property
    def hum_below_speech(self) -> float:
        return self.speech_lufs - self.hum_db


def measure_room(
    tools: Tools,
    path: Path,
    meeting: Meeting,
    *,
    offset: float = 0.0,
    hum_hz: float = 50.0,
    stoi: bool = False,
) -> RoomFigures:
    """Figures of ``path`` (decoded), whose first sample is the raw recording's ``offset`` s.

    Cues and events are on the raw timeline; only what ``path`` still holds is measured.
    """
    frames, loudness = _momentary(tools, path)
    ends = ((np.arange(len(frames)) + 1) * 0.1 + offset).astype(np.float64)  # windows end
    starts: FloatArray = ends - 0.4
    length = len(frames) * 0.1
    cues = [c for c in meeting.cues if c.start >= offset and c.end <= offset + length]
    speakers: dict[str, float] = {}
    for who in sorted({c.speaker for c in cues}):
        inside = _inside(starts, ends, [(c.start, c.end) for c in cues if c.speaker == who])
        speakers[who] = _integrated(frames[inside])
    speech = _integrated(frames[_inside(starts, ends, [(c.start, c.end) for c in cues])])
    events = [at for _kind, at in meeting.events]
    pauses = _pauses(cues, events, offset, offset + length)
    quiet = frames[_inside(starts, ends, pauses)]
    floor = _power_mean(quiet)
    samples = _decode(tools, path, MEASURE_RATE)
    hum = _hum_db(samples, MEASURE_RATE, hum_hz)
    score = None
    if stoi and meeting.clean is not None:
        score = _stoi(tools, meeting.clean, path, offset)
    return RoomFigures(speakers, speech, floor, hum, loudness, score)


def _momentary(tools: Tools, path: Path) -> tuple[FloatArray, Loudness]:
    values: list[float] = []

    def collect(line: str) -> None:
        frame = parse_ebur128_frame(line)
        if frame is not None:
            values.append(frame.momentary)

    args = ["-v", "verbose", "-i", str(path), "-map", "0:a:0", "-af"]
    args += ["aformat=channel_layouts=mono,ebur128=framelog=verbose:dualmono=true:peak=true"]
    with FFmpegProcess(tools, [*args, "-f", "null", "-"], on_line=collect) as proc:
        stderr = proc.finish()
    frames = np.array(values, dtype=np.float64)
    frames[frames <= -120.0] = -np.inf
    return frames, parse_ebur128(stderr)


def _inside(
    starts: FloatArray, ends: FloatArray, ranges: Sequence[tuple[float, float]]
) -> npt.NDArray[np.bool_]:
    mask = np.zeros(len(starts), dtype=bool)
    for a, b in ranges:
        mask |= (starts >= a) & (ends <= b)
    return mask


def _pauses(
    cues: Sequence[Cue], events: Sequence[float], lo: float, hi: float
) -> list[tuple[float, float]]:
    """Room tone only: between turns, away from their edges and from the events."""
    found = []
    edges = [lo, *[t for c in cues for t in (c.start, c.end)], hi]
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        start, end = a + PAUSE_MARGIN, b - PAUSE_MARGIN
        for at in events:
            if at + EVENT_SPAN[0] < end and at + EVENT_SPAN[1] > start:
                if at + EVENT_SPAN[0] - start > end - at - EVENT_SPAN[1]:
                    end = at + EVENT_SPAN[0]
                else:
                    start = at + EVENT_SPAN[1]
        if end - start >= 0.6:
            found.append((start, end))
    return found


def _integrated(blocks: FloatArray) -> float:
    """Gated integrated loudness (BS.1770) of 400 ms blocks."""
    finite = blocks[np.isfinite(blocks) & (blocks > -70.0)]
    if finite.size == 0:
        return -math.inf
    energy = 10 ** (finite / 10)
    relative = 10 * math.log10(float(energy.mean())) - 10.0
    gated = energy[finite > relative]
    return 10 * math.log10(float(gated.mean())) if gated.size else -math.inf


def _power_mean(blocks: FloatArray) -> float:
    """Mean power of the blocks, ungated (LUFS); a pause may lie under any gate."""
    if blocks.size == 0:
        return math.nan
    energy = np.where(np.isfinite(blocks), 10 ** (blocks / 10), 0.0)
    mean = float(energy.mean())
    return 10 * math.log10(mean) if mean > 0 else -math.inf


def _decode(tools: Tools, path: Path, rate: int) -> FloatArray:
    """The whole file as mono samples at ``rate`` (a measurement: short files only)."""
    args = ["-v", "error", "-i", str(path), "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"]
    with FFmpegProcess(tools, args, stdout=PIPE) as proc:
        data = proc.stdout.read()
        proc.finish()
    return np.frombuffer(data, dtype="<f4").astype(np.float64)


def _hum_db(samples: FloatArray, rate: int, hum_hz: float) -> float:
    """Power of the hum's first three lines (±0.5 Hz), dB relative to a full-scale sine.

    Welch's method with 4 s Hann segments (0.25 Hz bins): speech, whose pitch moves, spreads
    over many bins; a steady hum stays in its own.
    """
    segment = 4 * rate
    if samples.size < segment:
        segment = 1 << int(math.log2(max(samples.size, 2)))
    window = np.hanning(segment)
    step = segment // 2
    count = max(1, (samples.size - segment) // step + 1)
    power = np.zeros(segment // 2 + 1)
    for i in range(count):
        chunk = samples[i * step : i * step + segment]
        if chunk.size < segment:
            chunk = np.pad(chunk, (0, segment - chunk.size))
        power += np.abs(np.fft.rfft(chunk * window)) ** 2
    power /= count
    # a full-scale sine's line holds N * sum(window²) / 4 over its bins (Parseval)
    reference = segment * float(np.sum(window**2)) / 4
    freqs = np.fft.rfftfreq(segment, 1 / rate)
    total = 0.0
    for k in (1, 2, 3):
        near = np.abs(freqs - hum_hz * k) <= 0.5
        total += float(power[near].sum())
    return 10 * math.log10(total / reference) if total > 0 else -math.inf


def _stoi(tools: Tools, clean: Path, path: Path, offset: float) -> float:
    from pystoi import stoi  # noqa: PLC0415 (test and bench extras only)

    ours = _decode(tools, path, 10000)
    reference = _decode(tools, clean, 10000)
    start = round(offset * 10000)
    reference = reference[start : start + ours.size]
    ours = ours[: reference.size]
    return float(stoi(reference, ours, 10000, extended=False))
