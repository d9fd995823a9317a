"""The analysis pass: loudness every 100 ms of the joined recording, where speech is.

One cheap ffmpeg pass decodes the joined parts, downmixes them the way the
public file will be (mono or stereo) and runs ``ebur128`` with its frame log:
momentary loudness (400 ms windows) every 100 ms, plus the summary (integrated
loudness, range, sample peak). Everything else (speech, trims, the gain curve,
the predicted output loudness) is computed from that series in numpy, which
holds 36 000 numbers per hour of recording.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from audioarchive.audio.assemble import input_args, join_graph
from audioarchive.audio.voice import RATE as VOICE_RATE
from audioarchive.audio.voice import VAD_PER_STEP, Hum, IntArray, Listener
from audioarchive.ffmpeg import (
    PIPE,
    AudioInfo,
    FFmpegProcess,
    Loudness,
    Tools,
    parse_ebur128,
    parse_ebur128_frame,
    parse_sample_peak,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Frame step of the momentary loudness series, in seconds.
STEP = 0.1
#: Length of the momentary window, in seconds.
WINDOW = 0.4
#: Below this, a frame is silence whatever the recording (LUFS).
ABSOLUTE_SILENCE = -70.0
#: Speech must stand at least this far above the room tone (LU).
SPEECH_ABOVE_FLOOR = 8.0
#: Speech this close to its loudest moments counts, even without room tone to compare (LU).
SPEECH_EVEN = 6.0
#: Nothing quieter than this far below the loudest speech counts as speech (LU).
SPEECH_BELOW_PEAK = 38.0
#: A noise-gated recording: at least this share of digital silence, and no quieter sound
#: than this far below the loudest speech (LU): its pauses are silence, not room tone.
GATED_SILENCE = 0.05
GATED_RANGE = 28.0
#: Shortest stretch of activity that counts as speech, and longest gap inside speech (s).
MIN_SPEECH = 0.6
MAX_GAP = 0.4
#: Auto trim: speech must last this long to mark the start or end of the meeting (s).
SUSTAINED = 2.0
#: Room tone kept before the first and after the last word (s).
TRIM_MARGIN_START = 1.0
TRIM_MARGIN_END = 1.5
#: Bytes of 16 kHz voice samples read at a time by the analysis (4 s).
LISTEN_BLOCK = 128000
#: A 400 ms window where the voice detector heard at least this share of its 20 ms frames
#: is speech, however close to the room tone, as long as it stands this far above the floor (LU).
VOICED_SHARE = 0.4
VOICED_ABOVE_FLOOR = 1.0


@dataclass(frozen=True)
class Analysis:
    """Momentary loudness of the raw joined recording, one value per :data:`STEP`."""

    momentary: FloatArray  # LUFS (dual-mono for mono), -inf for silence
    duration: float  # seconds of the joined recording
    loudness: Loudness  # the whole recording, as ebur128 summarises it
    sample_peak: float  # dBFS
    voiced: IntArray | None = None  # voice detector's frames (0-5) per step; None: not run
    hum: Hum | None = None

    @property
    def centres(self) -> FloatArray:
        """Raw time at the centre of each frame's 400 ms window."""
        ends = (np.arange(len(self.momentary)) + 1) * STEP
        return np.clip(ends - WINDOW / 2, 0.0, None)


class MomentaryLog:
    """The momentary loudness every 100 ms, read line by line from ebur128's frame log."""

    def __init__(self) -> None:
        self._values: list[float] = []

    def __call__(self, line: str) -> None:
        frame = parse_ebur128_frame(line)
        if frame is not None:
            self._values.append(frame.momentary)

    def series(self) -> FloatArray:
        """LUFS per step; -inf for silence (ebur128 logs -120 and under)."""
        values = np.array(self._values, dtype=np.float64)
        values[values <= -120.0] = -np.inf
        return values


def analysis_chain(layout: str) -> str:
    """Filters from the joined source to what is measured: the public channel layout."""
    return f"aformat=sample_fmts=flt:channel_layouts={layout}"


def analyse(
    tools: Tools,
    parts: Sequence[AudioInfo],
    layout: str,
    progress: Callable[[float], None] | None = None,
) -> Analysis:
    """Run the analysis pass over the joined ``parts``."""
    frames = MomentaryLog()
    duration = sum(p.duration for p in parts)
    graph = (
        f"{join_graph(parts)};[joined]{analysis_chain(layout)},asplit[a][b];"
        "[a]ebur128=framelog=verbose:dualmono=true:peak=sample[out];"
        f"[b]aformat=channel_layouts=mono,aresample={VOICE_RATE},aformat=sample_fmts=s16[voice]"
    )
    listener = Listener(duration)
    with FFmpegProcess(
        tools,
        [
            "-v",
            "verbose",
            *input_args(parts),
            "-filter_complex",
            graph,
            "-map",
            "[out]",
            "-f",
            "null",
            "-",
            "-map",
            "[voice]",
            "-f",
            "s16le",
            "pipe:1",
        ],
        stdout=PIPE,
        duration=duration,
        progress=progress,
        on_line=frames,
    ) as proc:
        while data := proc.stdout.read(LISTEN_BLOCK):
            listener.push(data)
        stderr = proc.finish()
    momentary = frames.series()
    peak = parse_sample_peak(stderr)
    return Analysis(
        momentary=momentary,
        duration=duration,
        loudness=parse_ebur128(stderr),
        sample_peak=peak if peak is not None else float("nan"),
        voiced=listener.voiced(len(momentary)),
        hum=listener.hum(),
    )


# --- speech ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Speech:
    """Which frames hold speech, and the levels that decided it."""

    active: BoolArray
    floor: float  # LUFS of the room tone (10th percentile of the frames)
    peak: float  # LUFS of the loudest speech (99th percentile)
    threshold: float  # frames above it (and long enough) are speech
    heard: BoolArray | None = None  # windows where the voice detector heard a voice

    @property
    def seconds(self) -> float:
        return float(self.active.sum()) * STEP

    @property
    def voice_seconds(self) -> float:
        """How long the voice detector heard voices above the room tone (inf: not run)."""
        return float(self.heard.sum()) * STEP if self.heard is not None else np.inf


def detect_speech(momentary: FloatArray, voiced: IntArray | None = None) -> Speech:
    """Frames that stand well above the room tone, or where voices are heard, long enough.

    Loudness alone cannot tell a guest far from the microphone from a noisy room: a
    window where the voice detector hears a voice (``voiced``) is speech whatever its
    level, as long as it stands out of the room tone at all.
    """
    finite = momentary[np.isfinite(momentary) & (momentary > ABSOLUTE_SILENCE - 30)]
    if finite.size == 0:
        empty = np.zeros(momentary.shape, dtype=bool)
        return Speech(empty, -np.inf, -np.inf, np.inf, empty)
    floor = float(np.percentile(finite, 10))
    peak = float(np.percentile(finite, 99))
    if peak - floor < GATED_RANGE and finite.size <= (1 - GATED_SILENCE) * momentary.size:
        # the pauses were gated to digital silence: every sound left is someone speaking,
        # a quiet guest included; the floor is the silence, not the quietest speaker
        floor = ABSOLUTE_SILENCE - 30
    # a recording without quiet moments (no room tone to measure) counts as speech
    above_floor = min(floor + SPEECH_ABOVE_FLOOR, peak - SPEECH_EVEN)
    threshold = max(above_floor, peak - SPEECH_BELOW_PEAK, ABSOLUTE_SILENCE)
    raw = np.isfinite(momentary) & (momentary > threshold)
    heard = None
    if voiced is not None and voiced.size == momentary.size:
        above = max(floor + VOICED_ABOVE_FLOOR, ABSOLUTE_SILENCE)
        heard = voice_windows(voiced) & np.isfinite(momentary) & (momentary > above)
        raw |= heard
    active = _drop_short(_fill_gaps(raw, round(MAX_GAP / STEP)), round(MIN_SPEECH / STEP))
    return Speech(active, floor, peak, threshold, heard)


def voice_windows(voiced: IntArray) -> BoolArray:
    """Momentary windows (400 ms, the last four steps) where voices fill VOICED_SHARE."""
    steps = round(WINDOW / STEP)
    total = np.convolve(voiced, np.ones(steps, dtype=np.int64))[: voiced.size]
    heard: BoolArray = total >= VOICED_SHARE * steps * VAD_PER_STEP
    return heard


def runs(mask: BoolArray) -> list[tuple[int, int]]:
    """``[start, end)`` index pairs of the runs of True in ``mask``."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _fill_gaps(mask: BoolArray, longest: int) -> BoolArray:
    out = mask.copy()
    for start, end in runs(~mask):
        if start > 0 and end < len(mask) and end - start <= longest:
            out[start:end] = True
    return out


def _drop_short(mask: BoolArray, shortest: int) -> BoolArray:
    out = mask.copy()
    for start, end in runs(mask):
        if end - start < shortest:
            out[start:end] = False
    return out


def speech_bounds(speech: Speech) -> tuple[float, float] | None:
    """Raw times of the first and last words of sustained speech (None: no speech)."""
    sustained = _drop_short(_fill_gaps(speech.active, round(1.5 / STEP)), round(SUSTAINED / STEP))
    found = runs(sustained) or runs(speech.active)
    if not found:
        return None
    first, last = found[0][0], found[-1][1]
    # frame k covers [k*STEP + STEP - WINDOW, k*STEP + STEP]: the speech lies inside it
    start = max(0.0, (first + 1) * STEP - WINDOW)
    end = last * STEP
    return start, end


def auto_trim(speech: Speech, duration: float) -> tuple[float, float]:
    """Where to cut: the first and last words, with a margin of room tone."""
    bounds = speech_bounds(speech)
    if bounds is None:
        return 0.0, duration
    start = max(0.0, bounds[0] - TRIM_MARGIN_START)
    end = min(duration, bounds[1] + TRIM_MARGIN_END)
    return start, end
