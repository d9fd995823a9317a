"""The render pass: decode → gain curve, redactions, limiter → encode → check, all streaming.

Four processes run at once, joined by pipes, so the two cores share the work:

1. ffmpeg decodes and joins the parts, cuts the kept range, downmixes and
   resamples to the public format, and writes float samples to a pipe;
2. this process applies, block by block, the gain curve (interpolated sample by
   sample), the redactions (silence with short fades) and the true-peak limiter,
   with the level-matched jingles before and after;
3. ffmpeg encodes the MP3 (and the Opus file when asked), writing the MP3 both
   to its file and to a pipe;
4. ffmpeg decodes that MP3 from the pipe and measures its loudness and range
   (``ebur128``, dual-mono), handing the decoded samples back to a thread here
   that measures the true peak (4x oversampled): the figures of the delivered
   file, without another pass.

Memory stays flat: one block of a few seconds is in flight at any time.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

import numpy as np

from audioarchive.audio.analyse import FloatArray, MomentaryLog, analysis_chain
from audioarchive.audio.assemble import input_args, join_graph, open_args
from audioarchive.audio.denoise import DenoisePlan, SpectralGate
from audioarchive.audio.limit import (
    CHUNK,
    Samples,
    TruePeakLimiter,
    TruePeakMeter,
    chunk_linear,
)
from audioarchive.ffmpeg import PIPE, AudioInfo, FFmpegProcess, Loudness, Tools, parse_ebur128

log = logging.getLogger(__name__)

#: Frames per block read from the decoder (1.5 s at 44.1 kHz).
BLOCK = 65536
#: Blocks waiting for the encoder (about 12 s of audio, 3 MB for mono).
QUEUE_BLOCKS = 8
#: Fade into and out of each redaction's silence (s).
REDACTION_FADE = 0.02
#: Room tone decoded to learn the noise profile before rendering (s at most).
PROFILE_SECONDS = 4.0


@dataclass(frozen=True)
class RenderSpec:
    parts: tuple[AudioInfo, ...]
    start: float  # raw seconds where the kept range starts
    end: float
    rate: int  # of the public files
    channels: int
    gain_times: FloatArray  # raw seconds
    gain_db: FloatArray
    silenced: tuple[tuple[float, float], ...]  # raw ranges to silence
    ceiling_db: float  # of the limiter (true peak estimate)
    mp3: Path
    mp3_bitrate: str
    opus: Path | None = None
    opus_bitrate: str = "48k"
    intro: Samples | None = None
    outro: Samples | None = None
    #: a trial render of excerpts instead of the kept range: (part index, seconds into
    #: the part, raw start, length) each
    excerpts: tuple[tuple[int, float, float, float], ...] = ()
    denoise: DenoisePlan | None = None
    noise_profile: FloatArray | None = None  # the gate's profile at the start (see below)

    @property
    def layout(self) -> str:
        return "mono" if self.channels == 1 else "stereo"

    @property
    def duration(self) -> float:
        if self.excerpts:
            return sum(e[3] for e in self.excerpts)
        return self.end - self.start

    def raw_times(self, frames: FloatArray) -> FloatArray:
        """Raw recording times of programme frames (fractional positions allowed)."""
        if not self.excerpts:
            return self.start + frames / self.rate
        lengths = np.array([round(e[3] * self.rate) for e in self.excerpts])
        bounds = np.concatenate(([0], np.cumsum(lengths)))
        index = np.clip(np.searchsorted(bounds, frames, side="right") - 1, 0, len(lengths) - 1)
        starts = np.array([e[2] for e in self.excerpts])
        return starts[index] + (frames - bounds[index]) / self.rate


@dataclass
class RenderResult:
    mp3: Loudness
    limiter_max_db: float = 0.0
    limited_seconds: float = 0.0
    samples: int = 0
    momentary: FloatArray | None = None  # of the decoded MP3, every 100 ms (LUFS)


def render(
    tools: Tools, spec: RenderSpec, progress: Callable[[float], None] | None = None
) -> RenderResult:
    """Render the public file(s) of ``spec``; return the measured loudness of the MP3."""
    limiter = TruePeakLimiter(spec.rate, spec.channels, spec.ceiling_db)
    meter = TruePeakMeter(spec.channels)
    processes: list[FFmpegProcess] = []
    try:
        decoder = FFmpegProcess(
            tools, _decoder_args(spec), stdout=PIPE, duration=spec.duration, progress=progress
        )
        processes.append(decoder)
        encoder = FFmpegProcess(tools, _encoder_args(spec), stdin=PIPE, stdout=PIPE)
        processes.append(encoder)
        frames = MomentaryLog()
        checker = FFmpegProcess(
            tools, _checker_args(), stdin=encoder.stdout, stdout=PIPE, on_line=frames
        )
        processes.append(checker)
        encoder.stdout.close()  # the checker owns the read end now
        reader = threading.Thread(target=_meter_all, args=(checker.stdout, meter), daemon=True)
        reader.start()
        written = _stream(decoder, encoder, limiter, spec)
        decoder.finish()
        encoder.finish()
        reader.join()
        loudness = parse_ebur128(checker.finish())
    except BaseException:
        for proc in processes:
            proc.kill()
        raise
    return RenderResult(
        mp3=replace(loudness, true_peak=meter.dbtp),
        limiter_max_db=limiter.max_reduction_db,
        limited_seconds=limiter.limited_seconds,
        samples=written,
        momentary=frames.series(),
    )


def noise_profile(tools: Tools, spec: RenderSpec) -> FloatArray | None:
    """The room noise's profile, from up to PROFILE_SECONDS of the longest room tone.

    Learned before rendering, so that every render (the trial excerpts, the full
    render, a second pass) starts gating from the same profile.
    """
    plan = spec.denoise
    if plan is None or plan.strength_db <= 0 or not plan.room_tone:
        return None
    bounds = np.concatenate(([0.0], np.cumsum([p.duration for p in spec.parts])))
    excerpts = []
    left = PROFILE_SECONDS
    for start, end in sorted(plan.room_tone, key=lambda r: r[0] - r[1]):
        index = int(np.searchsorted(bounds, start, side="right") - 1)
        if index >= len(spec.parts) or left <= 0:
            continue
        length = min(end, bounds[index + 1]) - start
        length = min(length, left)
        if length >= 0.2:
            excerpts.append((index, float(start - bounds[index]), float(start), float(length)))
            left -= length
    if not excerpts:
        return None
    args = _decoder_args(replace(spec, excerpts=tuple(excerpts)))
    with FFmpegProcess(tools, args, stdout=PIPE) as proc:
        data = proc.stdout.read()
        proc.finish()
    frame_bytes = 4 * spec.channels
    samples = np.frombuffer(data[: len(data) // frame_bytes * frame_bytes], dtype="<f4")
    gate = SpectralGate(spec.rate, spec.channels, plan.strength_db, ())
    return gate.profile_of(samples.reshape(-1, spec.channels))


def _meter_all(source: IO[bytes], meter: TruePeakMeter) -> None:
    """Measure the decoded MP3's true peak as the checker hands it out."""
    frame_bytes = 4 * meter.channels
    while True:
        data = source.read(BLOCK * frame_bytes)
        if not data:
            break
        block = np.frombuffer(data[: len(data) // frame_bytes * frame_bytes], dtype="<f4")
        meter.push(block.reshape(-1, meter.channels))
    meter.flush()


def _checker_args() -> list[str]:
    """Decode the MP3 from a pipe: loudness by ebur128, samples out for the true peak."""
    return [
        "-v",
        "verbose",  # the frame log: the loudness every 100 ms, for the report
        "-f",
        "mp3",
        "-i",
        "pipe:0",
        "-filter_complex",
        "[0:a]asplit[a][b];[a]ebur128=dualmono=true:framelog=verbose[m]",
        "-map",
        "[m]",
        "-f",
        "null",
        "-",
        "-map",
        "[b]",
        "-c:a",
        "pcm_f32le",
        "-f",
        "f32le",
        "pipe:1",
    ]


def _stream(
    decoder: FFmpegProcess, encoder: FFmpegProcess, limiter: TruePeakLimiter, spec: RenderSpec
) -> int:
    """Read, process and send every block; a thread writes, so encoding overlaps processing."""
    frame_bytes = 4 * spec.channels
    outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUE_BLOCKS)
    writer = threading.Thread(target=_write_all, args=(outbox, encoder.stdin), daemon=True)
    writer.start()
    send = _Sender(outbox)
    level = _Leveller(spec, limiter, send)
    gate = _gate(spec)
    try:
        if spec.intro is not None:
            send(limiter.push(spec.intro))
        read = 0  # programme frames read from the decoder
        while True:
            data = decoder.stdout.read(BLOCK * frame_bytes)
            if not data:
                break
            block = np.frombuffer(data[: len(data) // frame_bytes * frame_bytes], dtype="<f4")
            block = block.reshape(-1, spec.channels)
            if gate is not None:
                times = spec.raw_times(read + np.arange(len(block), dtype=np.float64))
                read += len(block)
                block = gate.push(block, times)
            level(block)
        if gate is not None:
            level(gate.flush())
        if spec.outro is not None:
            send(limiter.push(spec.outro))
        send(limiter.flush())
    finally:
        outbox.put(None)
        writer.join()
    return send.written


def _gate(spec: RenderSpec) -> SpectralGate | None:
    """The room-noise gate of the render, when its plan reduces the noise at all."""
    plan = spec.denoise
    if plan is None or plan.strength_db <= 0:
        return None
    return SpectralGate(
        spec.rate, spec.channels, plan.strength_db, plan.room_tone, spec.noise_profile
    )


class _Sender:
    """Queue samples for the encoder's writer thread; count the frames sent."""

    def __init__(self, outbox: queue.Queue[bytes | None]) -> None:
        self.outbox = outbox
        self.written = 0

    def __call__(self, samples: Samples) -> None:
        if samples.size:
            self.outbox.put(samples.astype("<f4", copy=False).tobytes())
            self.written += len(samples)


class _Leveller:
    """Gain curve, redactions and limiter on the programme's blocks, in order."""

    def __init__(self, spec: RenderSpec, limiter: TruePeakLimiter, send: _Sender) -> None:
        self.spec = spec
        self.limiter = limiter
        self.send = send
        self.gains = 10 ** (spec.gain_db / 20)
        self.position = 0  # programme frames processed so far

    def __call__(self, block: Samples) -> None:
        if not len(block):
            return
        spec = self.spec
        chunks = -(-len(block) // CHUNK)
        offsets = np.arange(-1, chunks + 1, dtype=np.float64) * CHUNK + CHUNK / 2
        centres = spec.raw_times(self.position + offsets)
        gain = chunk_linear(np.interp(centres, spec.gain_times, self.gains))[: len(block)]
        if _redacted(centres, spec.silenced):
            times = spec.raw_times(self.position + np.arange(len(block), dtype=np.float64))
            gain *= _redaction_envelope(times, spec.silenced)
        self.send(self.limiter.push(block * gain[:, None]))
        self.position += len(block)


def _write_all(outbox: queue.Queue[bytes | None], sink: IO[bytes]) -> None:
    """Write queued blocks to the encoder until ``None``; after a broken pipe, just drain."""
    broken = False
    while True:
        data = outbox.get()
        if data is None:
            break
        if broken:
            continue
        try:
            sink.write(data)
        except (BrokenPipeError, ValueError):
            broken = True  # the encoder failed: its finish() reports why
    with contextlib.suppress(BrokenPipeError):
        sink.close()


def _redacted(times: FloatArray, silenced: Sequence[tuple[float, float]]) -> bool:
    lo, hi = times[0] - REDACTION_FADE, times[-1] + REDACTION_FADE
    return any(end >= lo and start <= hi for start, end in silenced)


def _redaction_envelope(times: FloatArray, silenced: Sequence[tuple[float, float]]) -> Samples:
    """1 outside the redactions, 0 inside, half-cosine fades just outside their edges."""
    envelope = np.ones(len(times), dtype=np.float32)
    if not silenced or not len(times):
        return envelope
    lo, hi = times[0], times[-1]
    for start, end in silenced:
        if end + REDACTION_FADE < lo or start - REDACTION_FADE > hi:
            continue
        before = np.clip((start - times) / REDACTION_FADE, 0.0, 1.0)
        after = np.clip((times - end) / REDACTION_FADE, 0.0, 1.0)
        distance = np.maximum(before, after)  # 0 inside, 1 beyond the fades
        envelope *= (0.5 - 0.5 * np.cos(np.pi * distance)).astype(np.float32)
    return envelope


def _decoder_args(spec: RenderSpec) -> list[str]:
    chain = analysis_chain(spec.layout)
    if spec.denoise is not None:
        chain += f",{spec.denoise.filters()}"
    tail = f"{chain},aresample={spec.rate},aformat=sample_fmts=flt[out]"
    if spec.excerpts:
        args: list[str] = []
        steps = []
        for index, (part, offset, _raw, length) in enumerate(spec.excerpts):
            args += ["-ss", f"{offset:.6f}", "-t", f"{length:.6f}", *open_args(spec.parts[part])]
            steps.append(f"[{index}:a:0]{chain},aresample={spec.rate}[e{index}]")
        labels = "".join(f"[e{i}]" for i in range(len(spec.excerpts)))
        graph = ";".join(
            [*steps, f"{labels}concat=n={len(spec.excerpts)}:v=0:a=1,aformat=sample_fmts=flt[out]"]
        )
        output = ["-map", "[out]", "-f", "f32le", "pipe:1"]
        return ["-v", "error", *args, "-filter_complex", graph, *output]
    source_rate = spec.parts[0].sample_rate
    first = round(spec.start * source_rate)
    last = round(spec.end * source_rate)
    graph = (
        f"{join_graph(spec.parts)};[joined]atrim=start_sample={first}:end_sample={last},"
        f"asetpts=PTS-STARTPTS,{tail}"
    )
    return [
        "-v",
        "error",
        *input_args(spec.parts),
        "-filter_complex",
        graph,
        "-map",
        "[out]",
        "-f",
        "f32le",
        "pipe:1",
    ]


def tee_escape(path: Path) -> str:
    """A file name as the tee muxer's slave list needs it."""
    text = str(path)
    for char in "\\|[]":
        text = text.replace(char, "\\" + char)
    return text


def _encoder_args(spec: RenderSpec) -> list[str]:
    args = [
        "-v",
        "error",
        "-f",
        "f32le",
        "-ar",
        str(spec.rate),
        "-ac",
        str(spec.channels),
        "-i",
        "pipe:0",
        "-map",
        "0:a",
        "-map_metadata",
        "-1",
        "-c:a",
        "libmp3lame",
        "-b:a",
        spec.mp3_bitrate,
        "-abr",
        "0",
        "-f",
        "tee",
        f"[f=mp3]{tee_escape(spec.mp3)}|[f=mp3]pipe:1",
    ]
    if spec.opus is not None:
        args += [
            "-map",
            "0:a",
            "-map_metadata",
            "-1",
            "-c:a",
            "libopus",
            "-b:a",
            spec.opus_bitrate,
            "-application",
            "voip",
            "-ar",
            "48000",
            "-f",
            "opus",
            str(spec.opus),
        ]
    return args
