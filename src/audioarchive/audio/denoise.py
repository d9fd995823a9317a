"""Hum, rumble and room-noise reduction for the public files (never the master).

Three steps, all streaming:

1. **Rumble**: a 2-pole high-pass at :data:`HIGHPASS` Hz (ffmpeg ``highpass``), under
   the lowest voice, removes footsteps, traffic and ventilation rumble.
2. **Hum**: when the analysis found a mains hum (:class:`~.voice.Hum`: 50 or 60 Hz,
   its frequency measured to a few hundredths of a hertz, and which harmonics stand
   out), one narrow notch (ffmpeg ``bandreject``, 1.5 Hz wide) per line found. Nothing
   is notched in a recording without hum.
3. **Room noise**: :class:`SpectralGate`, a spectral gate in numpy on the decoded
   blocks. Its noise profile (the power in each of 513 frequency bins) is learned
   from the recording's own pauses, the room tone the analysis found, and follows the
   room as the meeting goes on. Each bin is lowered by at most the strength
   (``denoise_strength``, 12 dB by default) and only as far as the noise in it
   explains its power; the gains are smoothed over neighbouring bins and frames, so
   that no isolated bins flicker ("musical noise") and a voice keeps its body: a soft
   reduction, not a subtraction to zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from audioarchive.audio.analyse import FloatArray
from audioarchive.audio.limit import Samples
from audioarchive.audio.voice import Hum

#: The rumble filter's corner (Hz): under every voice's fundamental.
HIGHPASS = 80.0
#: Width of each hum notch (Hz).
NOTCH_WIDTH = 1.5
#: STFT of the gate: frame length (samples at the public rate) and hop (half of it).
FRAME = 1024
#: Noise is over-estimated by this factor (1.5 = +1.8 dB) so that its peaks are gated too.
OVERSUBTRACT = 1.5
#: Time constant of the noise profile, in seconds of room tone.
PROFILE_SECONDS = 4.0


@dataclass(frozen=True)
class DenoisePlan:
    """What the render does against hum, rumble and room noise."""

    hum: Hum | None
    strength_db: float  # the most the room noise is lowered (0: no broadband reduction)
    room_tone: tuple[tuple[float, float], ...]  # raw ranges of room tone: the noise profile

    @property
    def notches(self) -> tuple[float, ...]:
        """Centres of the hum notches (Hz)."""
        if self.hum is None:
            return ()
        return tuple(self.hum.frequency * k for k in self.hum.harmonics)

    def filters(self) -> str:
        """ffmpeg filters (after the downmix): the rumble high-pass and the hum notches."""
        steps = [f"highpass=f={HIGHPASS:g}"]
        steps += [f"bandreject=f={f:.3f}:width_type=h:width={NOTCH_WIDTH:g}" for f in self.notches]
        return ",".join(steps)

    def as_dict(self) -> dict[str, object]:
        return {
            "highpass_hz": HIGHPASS,
            "notches_hz": [round(f, 2) for f in self.notches],
            "strength_db": self.strength_db,
            "room_tone_s": round(sum(b - a for a, b in self.room_tone), 1),
        }


def predicted_momentary(momentary: FloatArray, floor: float, strength_db: float) -> FloatArray:
    """Momentary loudness once the room noise (at ``floor`` LUFS) is reduced by the gate.

    The noise's power is taken away from each frame, down to at most ``strength_db`` less:
    a quiet speaker measured with the room's noise in it is quieter without it, and the
    levelling must raise them by that much more.
    """
    if strength_db <= 0 or not math.isfinite(floor):
        return momentary
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        power = 10 ** (momentary / 10)
        noise = OVERSUBTRACT * 10 ** (floor / 10)
        least = power * 10 ** (-strength_db / 10)
        clean = np.maximum(power - noise, least)
        out: FloatArray = np.where(np.isfinite(momentary), 10 * np.log10(clean), momentary)
    return out


class SpectralGate:
    """Feed (frames x channels) float blocks with their raw times; read the gated samples.

    The output is delayed, not shifted: :meth:`push` returns what is complete,
    :meth:`flush` the rest; together exactly as many samples as were pushed.
    """

    def __init__(
        self,
        rate: int,
        channels: int,
        strength_db: float,
        room_tone: Sequence[tuple[float, float]],
        profile: FloatArray | None = None,
    ) -> None:
        self.rate = rate
        self.channels = channels
        self.hop = FRAME // 2
        window = np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME) / FRAME))
        self._window64 = window  # the forward transform's: numpy's float32 rfft is slower
        self.window = window.astype(np.float32)  # the inverse's (complex64: faster)
        self.least = 10 ** (-strength_db / 20)
        starts = sorted(room_tone)
        self._tone_starts = np.array([a for a, _ in starts], dtype=np.float64)
        self._tone_ends = np.array([b for _, b in starts], dtype=np.float64)
        self._buf = np.zeros((self.hop, channels), dtype=np.float32)  # frame 0 starts -hop
        self._times = np.full(self.hop, -np.inf)  # raw time of each buffered sample
        self._pending = np.zeros((self.hop, channels), dtype=np.float32)
        self._received = 0
        self._emitted = -self.hop  # programme position of self._buf[0]
        self._noise: FloatArray | None = profile  # learned beforehand (the same every render)
        self._learned = 0.0  # seconds of room tone in the profile
        self._last_gain: FloatArray | None = None
        self.frames = 0
        self.noise_frames = 0

    def profile_of(self, samples: Samples) -> FloatArray | None:
        """The noise profile of ``samples`` (room tone): mean power per bin."""
        if len(samples) < FRAME:
            return None
        frames = np.lib.stride_tricks.sliding_window_view(samples, FRAME, axis=0)[:: self.hop]
        spectra = np.fft.rfft(frames * self.window, axis=-1)
        power: FloatArray = (spectra.real**2 + spectra.imag**2).mean(axis=(0, 1))
        return power

    def push(self, block: Samples, times: FloatArray) -> Samples:
        """``times``: raw time of each sample of ``block`` (for the room-tone ranges)."""
        if block.size:
            self._buf = np.concatenate((self._buf, block.astype(np.float32, copy=False)))
            self._times = np.concatenate((self._times, times.astype(np.float64, copy=False)))
            self._received += len(block)
        return self._process(final=False)

    def flush(self) -> Samples:
        pad = np.zeros((FRAME, self.channels), dtype=np.float32)
        self._buf = np.concatenate((self._buf, pad))
        self._times = np.concatenate((self._times, np.full(FRAME, np.inf)))
        return self._process(final=True)

    def _process(self, *, final: bool) -> Samples:
        hop = self.hop
        count = (len(self._buf) - FRAME) // hop + 1 if len(self._buf) >= FRAME else 0
        if count <= 0:
            return np.zeros((0, self.channels), dtype=np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(self._buf, FRAME, axis=0)[::hop][
            :count
        ]  # (count, channels, FRAME)
        # forward in float64 (twice as fast as numpy's float32 rfft), the rest in complex64
        spectra = np.fft.rfft(frames * self._window64, axis=-1).astype(np.complex64)
        power = _power(spectra)  # (count, bins), float32
        centres = self._times[np.arange(count) * hop + FRAME // 2]
        self._learn(power, centres)
        gain = self._gain(power)
        spectra *= gain[:, None, :]
        shaped = np.fft.irfft(spectra, n=FRAME, axis=-1)
        shaped *= self.window
        out = np.zeros(((count + 1) * hop, self.channels), dtype=np.float32)
        for j in range(2):  # overlap-add: each frame's halves land on consecutive hops
            halves = shaped[:, :, j * hop : (j + 1) * hop].transpose(0, 2, 1)
            out[j * hop : j * hop + count * hop] += halves.reshape(count * hop, self.channels)
        out[:hop] += self._pending
        self._pending = out[count * hop :].copy()
        done = out[: count * hop]
        self._buf = self._buf[count * hop :]
        self._times = self._times[count * hop :]
        start = self._emitted
        self._emitted += count * hop
        if start < 0:
            done = done[-start:]
        if final:
            done = done[: max(0, self._received - max(start, 0))]
        self.frames += count
        return done

    def _learn(self, power: FloatArray, centres: FloatArray) -> None:
        if not self._tone_starts.size:
            return
        index = np.searchsorted(self._tone_starts, centres, side="right") - 1
        inside = (index >= 0) & (centres <= self._tone_ends[np.clip(index, 0, None)])
        found = int(inside.sum())
        if not found:
            return
        self.noise_frames += found
        sample = power[inside].mean(axis=0)
        seconds = found * self.hop / self.rate
        if self._noise is None:
            self._noise = sample
        else:
            weight = 1 - math.exp(-seconds / PROFILE_SECONDS)
            self._noise = (1 - weight) * self._noise + weight * sample
        self._learned += seconds

    def _gain(self, power: FloatArray) -> FloatArray:
        count, bins = power.shape
        if self._noise is None:
            return np.ones((count, bins), dtype=np.float32)
        # the power around each bin (three bins), in float32: half the work of float64
        power32 = power.astype(np.float32, copy=False)
        quarter = power32 * np.float32(0.25)
        smooth = power32 * np.float32(0.5)
        smooth[:, 1:] += quarter[:, :-1]
        smooth[:, :-1] += quarter[:, 1:]
        smooth[:, 0] += quarter[:, 0]
        smooth[:, -1] += quarter[:, -1]
        noise = (OVERSUBTRACT * self._noise).astype(np.float32)
        np.maximum(smooth, np.float32(1e-20), out=smooth)
        gain = np.divide(noise, smooth, out=smooth)
        np.subtract(np.float32(1), gain, out=gain)
        np.clip(gain, np.float32(self.least**2), np.float32(1.0), out=gain)
        np.sqrt(gain, out=gain)
        # three frames (the last one of the previous block first)
        previous = self._last_gain if self._last_gain is not None else gain[:1]
        padded = np.concatenate((previous, gain, gain[-1:]))
        timed = 0.5 * padded[1:-1]
        timed += 0.25 * padded[:-2]
        timed += 0.25 * padded[2:]
        self._last_gain = gain[-1:]
        # a bin may not stand more than 1.5 times above its five neighbours' mean: no flicker
        # (the mean over bins i-2 .. i+2, the edge bins repeated; 1.5 / 5 = 0.3)
        padded = np.pad(timed, ((0, 0), (2, 2)), mode="edge")
        wide = padded[:, :-4] + padded[:, 1:-3]
        wide += padded[:, 2:-2]
        wide += padded[:, 3:-1]
        wide += padded[:, 4:]
        wide *= np.float32(0.3)
        np.minimum(timed, wide, out=timed)
        np.maximum(timed, np.float32(self.least), out=timed)
        return timed


def _power(spectra: npt.NDArray[np.complexfloating[Any, Any]]) -> FloatArray:
    """Power per frame and bin of (frames x channels x bins) spectra, mean over channels.

    In the spectra's precision (float32 for the gate's complex64 spectra).
    """
    real, imag = spectra.real, spectra.imag
    power: FloatArray = real * real
    power += imag * imag
    if power.shape[1] == 1:
        return power[:, 0]
    mean: FloatArray = power.mean(axis=1, dtype=power.dtype)
    return mean
