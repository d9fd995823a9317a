"""The gain curve: levelling speakers together, then normalising, from the analysis alone.

The curve has a value every 100 ms (at the centre of each momentary window) and
is applied sample by sample, interpolated, during the render.

- **Levelling.** The speech level at each moment is the median momentary
  loudness over about three seconds of *speech* (pauses do not count), so it
  follows a change of speaker within a word or two and ignores single loud
  syllables. Its deviation from the meeting's typical speech level, beyond a
  ±1 dB dead band, is corrected (at most ±15 dB). Through pauses the gain glides
  from one speaker's value to the next; it never rises because a pause is quiet.
- **Room tone.** In pauses longer than a second, the gain is capped so that the
  room tone stays at least :data:`NOISE_GAP` LU below the target: a boosted
  quiet speaker does not bring a boosted hiss between sentences.
- **Normalisation.** The predicted output loudness of every 400 ms block is its
  input loudness plus the gain there; the constant offset that puts the gated
  integrated loudness (ITU-R BS.1770) of those blocks on the target is solved
  exactly, without a trial render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from audioarchive.audio.analyse import STEP, BoolArray, FloatArray, Speech, runs

#: Corrections smaller than this are left alone: an even speaker keeps a constant gain (dB).
DEADBAND = 1.0
#: Most the levelling raises or lowers one speaker against the others (dB).
MAX_LEVELLING = 15.0
#: Most gain applied anywhere (dB): a near-silent recording is refused before this.
MAX_GAIN = 40.0
#: Room tone in long pauses stays this far below the target loudness (LU).
NOISE_GAP = 32.0
#: Speech frames in the median that gives the speech level (3.1 s of speech).
LEVEL_WINDOW = 31
#: Standard deviation of the Gaussian smoothing the curve (s).
SMOOTHING = 0.3
#: Pauses at least this long get the room-tone cap (s), away from their edges by EDGE (s).
LONG_PAUSE = 1.0
EDGE = 0.2
#: A pause within this many LU of the room tone's floor is room tone.
ROOM_TONE = 6.0


@dataclass(frozen=True)
class GainPlan:
    """Gain in dB at each frame centre (raw time), and what it should produce."""

    times: FloatArray
    gain_db: FloatArray
    offset: float  # the normalising part of the gain (dB)
    predicted_lufs: float
    predicted_lra: float
    speech_gain_min: float  # range of the gain over speech (dB)
    speech_gain_max: float
    capped: bool  # MAX_GAIN was reached: the output is quieter than the target


def integrated(blocks: FloatArray) -> float:
    """Gated integrated loudness (BS.1770) of 400 ms block loudnesses (75 % overlap)."""
    finite = blocks[np.isfinite(blocks) & (blocks > -70.0)]
    if finite.size == 0:
        return -np.inf
    energy = 10 ** (finite / 10)
    relative = 10 * np.log10(energy.mean()) - 10.0
    gated = energy[finite > relative]
    return float(10 * np.log10(gated.mean())) if gated.size else -np.inf


def loudness_range(blocks: FloatArray) -> float:
    """Loudness range (EBU Tech 3342) estimated from 400 ms blocks at 100 ms steps."""
    if blocks.size < 30:
        return 0.0
    energy = np.where(np.isfinite(blocks), 10 ** (blocks / 10), 0.0)
    kernel = np.ones(30) / 30  # 3 s short-term windows built from 0.1 s steps
    short = np.convolve(energy, kernel, mode="valid")
    with np.errstate(divide="ignore"):
        short_db = 10 * np.log10(short)
    kept = short_db[short_db > -70.0]
    if kept.size == 0:
        return 0.0
    relative = 10 * np.log10((10 ** (kept / 10)).mean()) - 20.0
    kept = kept[kept > relative]
    if kept.size < 2:
        return 0.0
    return float(np.percentile(kept, 95) - np.percentile(kept, 10))


def plan_gain(
    momentary: FloatArray,
    times: FloatArray,
    speech: Speech,
    kept: tuple[float, float],
    silenced: Sequence[tuple[float, float]],
    *,
    target: float,
    levelling: bool,
    max_range: float,
) -> GainPlan:
    """The gain curve for the kept range, with ``silenced`` (raw ranges) left out."""
    include = (times >= kept[0]) & (times <= kept[1])
    for start, end in silenced:
        include &= ~((times >= start) & (times <= end))
    active = speech.active & include
    correction = np.zeros_like(momentary)
    if levelling and active.sum() >= 3:
        correction = _levelling(momentary, active, DEADBAND, LEVEL_WINDOW)
        blocks = np.where(include, momentary + correction, -np.inf)
        if loudness_range(blocks) > max_range:
            correction = _levelling(momentary, active, 0.0, LEVEL_WINDOW // 2)
    correction = _smooth(correction, round(SMOOTHING / STEP))
    blocks = np.where(include, momentary + correction, -np.inf)
    offset = _normalising_offset(blocks, target)
    gain = correction + offset
    capped = bool(gain.max(initial=-np.inf) > MAX_GAIN)
    gain = np.minimum(gain, MAX_GAIN)
    gain = _cap_room_tone(gain, momentary, active, include, target, speech.floor)
    output = np.where(include, momentary + gain, -np.inf)
    speech_gain = gain[active] if active.any() else gain[include]
    if speech_gain.size == 0:
        speech_gain = np.array([offset])
    return GainPlan(
        times=times,
        gain_db=gain,
        offset=float(offset),
        predicted_lufs=integrated(output),
        predicted_lra=loudness_range(output),
        speech_gain_min=float(speech_gain.min()),
        speech_gain_max=float(speech_gain.max()),
        capped=capped,
    )


def _levelling(
    momentary: FloatArray, active: BoolArray, deadband: float, window: int
) -> FloatArray:
    """Per-frame correction (dB) bringing each speaker's level to the typical one."""
    index = np.flatnonzero(active)
    levels = _running_median(momentary[index], window)
    reference = float(np.median(levels))
    deviation = levels - reference
    correction = -np.sign(deviation) * np.maximum(0.0, np.abs(deviation) - deadband)
    correction = np.clip(correction, -MAX_LEVELLING, MAX_LEVELLING)
    frames = np.arange(len(momentary))
    curve: FloatArray = np.interp(frames, index, correction)
    return curve


def _running_median(values: FloatArray, window: int) -> FloatArray:
    width = max(1, min(window, values.size))
    if width % 2 == 0:
        width -= 1
    half = width // 2
    # mirrored at the ends: the fading last syllable does not stand for the whole turn
    padded = np.pad(values, half, mode="reflect" if values.size > half else "edge")
    views = np.lib.stride_tricks.sliding_window_view(padded, width)
    return np.median(views, axis=1)


def _smooth(curve: FloatArray, sigma: int) -> FloatArray:
    if sigma <= 0 or curve.size == 0:
        return curve
    x = np.arange(-3 * sigma, 3 * sigma + 1)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(curve, 3 * sigma, mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def _normalising_offset(blocks: FloatArray, target: float) -> float:
    offset = 0.0
    for _ in range(4):
        measured = integrated(blocks + offset)
        if not np.isfinite(measured):
            return 0.0
        step = target - measured
        offset += step
        if abs(step) < 0.01:
            break
    return offset


def room_tone(
    momentary: FloatArray,
    times: FloatArray,
    speech: Speech,
    kept: tuple[float, float],
) -> tuple[tuple[float, float], ...]:
    """Raw ranges of room tone: long pauses (away from speech) within ROOM_TONE of the floor."""
    include = (times >= kept[0]) & (times <= kept[1])
    found = []
    for inner in _quiet_pauses(momentary, speech.active, include, speech.floor):
        found.append((float(times[inner.start]), float(times[inner.stop - 1])))
    return tuple(found)


def _quiet_pauses(
    momentary: FloatArray, active: BoolArray, include: BoolArray, floor: float
) -> list[slice]:
    """Inner parts of the pauses of at least LONG_PAUSE whose level is the room tone's."""
    found = []
    pause = include & ~active
    edge = round(EDGE / STEP)
    for start, end in runs(pause):
        if (end - start) * STEP < LONG_PAUSE:
            continue
        # away from the speech on either side; up to the edges of the kept range
        lo = start + edge if start > 0 and active[start - 1] else start
        hi = end - edge if end < len(active) and active[end] else end
        level = momentary[lo:hi]
        level = level[np.isfinite(level)]
        if hi <= lo or level.size == 0 or float(np.median(level)) > floor + ROOM_TONE:
            continue
        found.append(slice(lo, hi))
    return found


def _cap_room_tone(
    gain: FloatArray,
    momentary: FloatArray,
    active: BoolArray,
    include: BoolArray,
    target: float,
    floor: float,
) -> FloatArray:
    """Lower the gain inside long pauses where it would lift the room tone too high.

    Only quiet pauses count (within :data:`ROOM_TONE` LU of the floor): applause or
    music between speakers is not room tone and keeps the speakers' gain.
    """
    capped = gain.copy()
    for inner in _quiet_pauses(momentary, active, include, floor):
        level = momentary[inner]
        ceiling = target - NOISE_GAP - float(np.median(level[np.isfinite(level)]))
        capped[inner] = np.minimum(capped[inner], ceiling)
    if np.array_equal(capped, gain):
        return gain
    return _smooth(capped, round(0.15 / STEP))
