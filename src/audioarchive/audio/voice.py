"""What the analysis pass hears besides loudness: voices (webrtcvad), mains hum, the spectrum.

The analysis pass hands this module the joined recording as 16 kHz mono 16-bit
samples, block by block, while ebur128 measures the loudness in the same ffmpeg
process. :class:`Listener` keeps, for bounded memory:

- per 100 ms step of the loudness series, how many of its five 20 ms frames the
  WebRTC voice activity detector (a Gaussian mixture model on six sub-bands,
  compiled into the ``webrtcvad`` extension: no model to download) heard as voice;
- the power spectrum averaged over the whole recording (4 s Hann segments,
  0.25 Hz bins up to 1 kHz), where a mains hum stands out as narrow lines at
  50 or 60 Hz and their multiples, while speech, whose pitch moves, spreads out.

It holds no audio beyond one 4 s segment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import webrtcvad

#: Sample rate of the samples the listener is fed (Hz).
RATE = 16000
#: One voice decision per this many samples (20 ms), five per 100 ms step.
VAD_FRAME = 320
VAD_PER_STEP = 5
#: webrtcvad's aggressiveness, 0 (hears most) to 3 (hears least). On the harsh-room meeting,
#: mode 1 hears 75% of the 20 ms frames of a guest 3.6 LU above the room (mode 3: 21%)
#: and 8% of the pauses (doors, applause, breaths), as mode 3 does.
AGGRESSIVENESS = 1
#: Hum analysis: segments of this many samples (4 s: 0.25 Hz bins), half overlapping.
SEGMENT = 4 * RATE
#: At most this many segments are averaged (20 minutes): in a longer recording, segments
#: spread evenly over it. Mains hum is steady; more would only cost time.
HUM_SEGMENTS = 600
#: Highest frequency kept of the average spectrum (Hz).
SPECTRUM_TOP = 1000.0
#: Mains frequencies and the harmonics looked at.
MAINS = (50.0, 60.0)
MAX_HARMONIC = 10
#: A line must stand this far above the spectrum around it to count as hum (dB).
HUM_PROMINENCE = 10.0
HARMONIC_PROMINENCE = 6.0

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Hum:
    """A mains hum found in the recording."""

    frequency: float  # the fundamental, as measured (Hz)
    harmonics: tuple[int, ...]  # multiples found above the spectrum around them (1 = fundamental)
    prominence_db: float  # of the strongest line, above the spectrum around it
    level_db: float  # power of its lines, dB relative to a full-scale sine

    def as_dict(self) -> dict[str, object]:
        return {
            "frequency_hz": round(self.frequency, 2),
            "harmonics": list(self.harmonics),
            "prominence_db": round(self.prominence_db, 1),
            "level_db": round(self.level_db, 1),
        }


class Listener:
    """Feed 16 kHz mono s16 bytes with :meth:`push`; read :meth:`voiced` and :meth:`hum`."""

    def __init__(self, duration: float = 0.0) -> None:
        """``duration``: the recording's (s), to spread the hum segments over a long one."""
        self._vad = webrtcvad.Vad(AGGRESSIVENESS)
        self._pending = b""
        self._votes: list[int] = []
        self._step_votes = 0
        self._step_frames = 0
        self._tail = np.zeros(0, dtype=np.float64)
        self._window = np.hanning(SEGMENT)
        self._bins = int(SPECTRUM_TOP * SEGMENT / RATE) + 1
        self._power = np.zeros(self._bins, dtype=np.float64)
        self._segments = 0  # averaged
        self._next = 0  # index of the next segment of the recording
        expected = duration * RATE / (SEGMENT // 2)
        self._keep = max(1, math.ceil(expected / HUM_SEGMENTS))  # every this many segments

    def push(self, data: bytes) -> None:
        data = self._pending + data
        whole = len(data) // (2 * VAD_FRAME) * (2 * VAD_FRAME)
        self._pending = data[whole:]
        vad = self._vad.is_speech
        frame_bytes = 2 * VAD_FRAME
        for start in range(0, whole, frame_bytes):
            self._step_votes += vad(data[start : start + frame_bytes], RATE)
            self._step_frames += 1
            if self._step_frames == VAD_PER_STEP:
                self._votes.append(self._step_votes)
                self._step_votes = self._step_frames = 0
        samples = np.frombuffer(data[:whole], dtype="<i2").astype(np.float64)
        samples *= 1 / 32768
        self._spectrum(samples)

    def _spectrum(self, samples: FloatArray) -> None:
        buf = np.concatenate((self._tail, samples))
        step = SEGMENT // 2
        count = (buf.size - SEGMENT) // step + 1 if buf.size >= SEGMENT else 0
        first = -self._next % self._keep  # the first kept segment of this batch
        if count > first:
            # every whole segment at once (float64: numpy's float32 rfft is slower)
            segments = np.lib.stride_tricks.sliding_window_view(buf, SEGMENT)[::step][:count]
            segments = segments[first :: self._keep]
            spectra = np.fft.rfft(segments * self._window, axis=-1)[:, : self._bins]
            real, imag = spectra.real, spectra.imag
            power = real * real
            power += imag * imag
            self._power += power.sum(axis=0)
            self._segments += len(segments)
        self._next += count
        self._tail = buf[count * step :]

    def voiced(self, steps: int) -> IntArray:
        """Voiced 20 ms frames (0 to 5) in each 100 ms step, padded or cut to ``steps``."""
        votes = np.array(self._votes, dtype=np.int64)
        if votes.size >= steps:
            return votes[:steps]
        return np.concatenate((votes, np.zeros(steps - votes.size, dtype=np.int64)))

    def hum(self) -> Hum | None:
        """The mains hum, when its lines stand out of the average spectrum."""
        if self._segments == 0:
            return None
        power = self._power / self._segments
        freqs = np.arange(self._bins) * RATE / SEGMENT
        # a full-scale sine's line holds N * sum(window²) / 4 over its bins (Parseval)
        reference = SEGMENT * float(np.sum(self._window**2)) / 4
        best: Hum | None = None
        for mains in MAINS:
            found, strongest, total, fundamental = [], -math.inf, 0.0, mains
            for k in range(1, MAX_HARMONIC + 1):
                centre = mains * k
                if centre > SPECTRUM_TOP - 20:
                    break
                line = np.abs(freqs - centre) <= 0.6
                around = (np.abs(freqs - centre) >= 3) & (np.abs(freqs - centre) <= 12)
                peak = float(power[line].max())
                if peak <= reference * 1e-12:  # under -120 dB: digital silence
                    continue
                prominence = 10 * math.log10(peak / max(float(np.median(power[around])), 1e-30))
                if prominence >= HARMONIC_PROMINENCE:
                    found.append(k)
                    total += float(power[np.abs(freqs - centre) <= 0.75].sum())
                    strongest = max(strongest, prominence)
                    if k == 1:
                        fundamental = _refine(freqs, power, line)
                    elif len(found) == 1:
                        fundamental = _refine(freqs, power, line) / k
            if strongest < HUM_PROMINENCE or not any(k <= 3 for k in found):
                continue
            hum = Hum(fundamental, tuple(found), strongest, 10 * math.log10(total / reference))
            if best is None or hum.prominence_db > best.prominence_db:
                best = hum
        return best


def _refine(freqs: FloatArray, power: FloatArray, near: npt.NDArray[np.bool_]) -> float:
    """The line's frequency between bins (parabola through the log power around the peak)."""
    index = int(np.flatnonzero(near)[np.argmax(power[near])])
    if index <= 0 or index >= power.size - 1:
        return float(freqs[index])
    a, b, c = (math.log(max(float(power[i]), 1e-30)) for i in (index - 1, index, index + 1))
    shift = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c != 0 else 0.0
    return float(freqs[index] + shift * (freqs[1] - freqs[0]))
