"""A look-ahead limiter on the true peak, streaming in blocks (numpy).

Detection works on the 4 x oversampled signal (a windowed-sinc interpolator
estimates the three points between samples), but only in the 32-sample chunks
whose sample peak comes within 4 dB of the ceiling: elsewhere no inter-sample
peak can reach it, and the work is skipped.

The gain reduction is computed per chunk: the reduction each chunk needs is
held for :data:`HOLD` seconds (a moving maximum over ``[-hold, +lookahead]``),
then averaged over ``±lookahead``. Because the average window lies inside the
maximum's, every chunk gets at least the reduction it needs: the ceiling holds
exactly on the estimate, while the gain moves in smooth ramps of about twice
the look-ahead (no clicks, no distortion from instant gain changes). The gain
is interpolated linearly between chunk centres, sample by sample.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]

CHUNK = 32
TAPS = 16
#: Chunks whose sample peak is this far below the ceiling are not oversampled (dB).
DETECTION_MARGIN = 4.0
LOOKAHEAD = 0.008
HOLD = 0.05


def chunk_linear(values: npt.NDArray[np.float64], chunk: int = CHUNK) -> Samples:
    """Per-sample values, linear between chunk centres.

    ``values`` holds one value per chunk centre for chunks -1 .. m (m + 2 values); the
    result covers the m chunks in between, ``m * chunk`` samples. Cheaper than
    ``np.interp`` sample by sample, which searches for every sample.
    """
    half = chunk // 2
    k = ((np.arange(chunk) + 0.5) / chunk).astype(np.float32)
    v = values.astype(np.float32)  # float32 throughout: the output's precision
    prev, cur, nxt = v[:-2, None], v[1:-1, None], v[2:, None]
    out = np.empty((len(values) - 2, chunk), dtype=np.float32)
    np.multiply(cur - prev, k[None, :half] + np.float32(0.5), out=out[:, :half])
    out[:, :half] += prev
    np.multiply(nxt - cur, k[None, half:] - np.float32(0.5), out=out[:, half:])
    out[:, half:] += cur
    return out.ravel()


def _phase_filters(taps: int) -> npt.NDArray[np.float32]:
    """Interpolators for the points 1/4, 2/4 and 3/4 of the way to the next sample."""
    half = taps // 2
    k = np.arange(-half + 1, half + 1, dtype=np.float64)
    columns = []
    for fraction in (0.25, 0.5, 0.75):
        x = k - fraction
        window = 0.5 + 0.5 * np.cos(np.pi * x / (half + 0.5))
        h = np.sinc(x) * window
        columns.append(h / h.sum())
    return np.stack(columns, axis=1).astype(np.float32)


class TruePeakLimiter:
    """Feed blocks with :meth:`push`, then :meth:`flush`; the output is delayed, not shifted."""

    def __init__(
        self,
        rate: int,
        channels: int,
        ceiling_db: float,
        *,
        lookahead: float = LOOKAHEAD,
        hold: float = HOLD,
    ) -> None:
        self.channels = channels
        self.ceiling_db = ceiling_db
        self.a = max(1, math.ceil(lookahead * rate / CHUNK))
        self.h = max(self.a + 1, math.ceil(hold * rate / CHUNK))
        self._filters = _phase_filters(TAPS)
        self._detect_floor = 10 ** ((ceiling_db - DETECTION_MARGIN) / 20)
        history = self.h + self.a + 2
        # peak per chunk (linear), for chunks [self._peak_base, self._detected)
        self._peaks = np.zeros(history, dtype=np.float64)
        self._peak_base = -history
        self._detected = 0
        self._next = 0  # first chunk not yet emitted
        # samples from chunk self._buf_chunk on (one chunk of history before self._next)
        self._buf = np.zeros((CHUNK, channels), dtype=np.float32)
        self._buf_chunk = -1
        self._received = 0
        self.max_reduction_db = 0.0
        self.limited_chunks = 0
        self.rate = rate

    @property
    def limited_seconds(self) -> float:
        return self.limited_chunks * CHUNK / self.rate

    def push(self, block: Samples) -> Samples:
        """Add samples (frames x channels); return the limited samples now ready."""
        if block.size:
            self._buf = np.concatenate((self._buf, block.astype(np.float32, copy=False)))
            self._received += len(block)
        available = (self._received - TAPS // 2) // CHUNK
        self._detect(available)
        return self._emit(self._detected - 2 * self.a - 2)

    def flush(self) -> Samples:
        """Everything that is left, limited."""
        whole = math.ceil(self._received / CHUNK) + 2 * self.a + 3
        have = (self._buf_chunk * CHUNK) + len(self._buf)
        pad = whole * CHUNK + TAPS - have
        self._buf = np.concatenate((self._buf, np.zeros((pad, self.channels), np.float32)))
        self._detect(whole)
        out = self._emit(whole - 2 * self.a - 2)
        end = self._received - (self._next * CHUNK - len(out))
        return out[: max(0, end)]

    def _detect(self, upto: int) -> None:
        if upto <= self._detected:
            return
        first = self._detected
        offset = (first - self._buf_chunk) * CHUNK
        count = upto - first
        chunk = self._buf[offset : offset + count * CHUNK]
        peaks = np.abs(chunk).reshape(count, CHUNK * self.channels).max(axis=1).astype(np.float64)
        candidates = np.flatnonzero(peaks > self._detect_floor)
        if candidates.size:
            peaks[candidates] = np.maximum(
                peaks[candidates], self._inter_sample(offset, candidates)
            )
        self._peaks = np.concatenate((self._peaks, peaks))
        self._detected = upto

    def _inter_sample(
        self, offset: int, candidates: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.float64]:
        half = TAPS // 2
        windows = np.lib.stride_tricks.sliding_window_view(self._buf, TAPS, axis=0)
        starts = offset + candidates[:, None] * CHUNK + np.arange(CHUNK)[None, :] - half + 1
        picked = windows[starts.ravel()]  # (n*CHUNK, channels, TAPS)
        values = np.abs(picked @ self._filters)  # (n*CHUNK, channels, 3)
        peaks: npt.NDArray[np.float64] = values.reshape(candidates.size, -1).max(axis=1)
        return peaks.astype(np.float64)

    def _emit(self, upto: int) -> Samples:
        first = self._next
        if upto <= first:
            return np.zeros((0, self.channels), np.float32)
        a, h = self.a, self.h
        lo = first - 1 - a - h
        needed = self._peaks[lo - self._peak_base : upto + 2 * a + 1 - self._peak_base]
        with np.errstate(divide="ignore"):
            reduction = np.maximum(0.0, 20 * np.log10(needed) - self.ceiling_db)
        held = np.lib.stride_tricks.sliding_window_view(reduction, h + a + 1).max(axis=1)
        smooth = np.convolve(held, np.full(2 * a + 1, 1.0 / (2 * a + 1)), mode="valid")
        # smooth[j] is chunk first - 1 + j, for chunks first-1 .. upto
        start = (first - self._buf_chunk) * CHUNK
        out = self._buf[start : start + (upto - first) * CHUNK]
        # (a copy either way: the buffer is trimmed below)
        out = out * chunk_linear(10 ** (-smooth / 20))[:, None] if smooth.max() > 0 else out.copy()
        inner = smooth[1:-1]
        if inner.size:
            self.max_reduction_db = max(self.max_reduction_db, float(inner.max()))
            self.limited_chunks += int((inner > 0.05).sum())
        self._next = upto
        keep_from = upto - 1
        self._buf = self._buf[(keep_from - self._buf_chunk) * CHUNK :]
        self._buf_chunk = keep_from
        drop = (upto - 1 - a - h) - self._peak_base
        if drop > 0:
            self._peaks = self._peaks[drop:]
            self._peak_base += drop
        limited: Samples = out.astype(np.float32, copy=False)
        return limited


class TruePeakMeter:
    """The highest true peak (4 x oversampled) of a stream of blocks, in dBTP.

    Only chunks whose sample peak comes within :data:`DETECTION_MARGIN` of the
    highest peak so far are oversampled: no inter-sample peak can rise that far
    above the samples around it in programme material.
    """

    def __init__(self, channels: int) -> None:
        self.channels = channels
        self._tail = np.zeros((TAPS - 1, channels), dtype=np.float32)
        self._filters = _phase_filters(TAPS)
        self._peak = 0.0

    @property
    def dbtp(self) -> float:
        return 20 * math.log10(self._peak) if self._peak > 0 else -math.inf

    def push(self, block: Samples) -> None:
        if not block.size:
            return
        buf = np.concatenate((self._tail, block.astype(np.float32, copy=False)))
        self._tail = buf[-(TAPS - 1) :]
        positions = len(buf) - TAPS + 1  # interpolation points between buf[i] and buf[i+1]
        if positions <= 0:
            return
        half = TAPS // 2
        samples = np.abs(buf[half - 1 : half - 1 + positions + 1]).max(axis=1)
        self._peak = max(self._peak, float(samples.max()))
        count = positions // CHUNK
        if count == 0:
            return
        per_chunk = samples[: count * CHUNK].reshape(count, CHUNK).max(axis=1)
        floor = self._peak * 10 ** (-DETECTION_MARGIN / 20)
        candidates = np.flatnonzero(per_chunk > floor)
        rest = positions - count * CHUNK
        starts = (candidates[:, None] * CHUNK + np.arange(CHUNK)[None, :]).ravel()
        if rest:
            starts = np.concatenate((starts, np.arange(count * CHUNK, positions)))
        if starts.size:
            windows = np.lib.stride_tricks.sliding_window_view(buf, TAPS, axis=0)[starts]
            self._peak = max(self._peak, float(np.abs(windows @ self._filters).max()))

    def flush(self) -> None:
        self.push(np.zeros((TAPS // 2, self.channels), dtype=np.float32))
