"""A first, straightforward audio chain: ffmpeg filters, two passes (measure, then render)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audioarchive.config import AudioSettings
from audioarchive.errors import AudioInputError
from audioarchive.ffmpeg import (
    AudioInfo,
    Loudness,
    Tools,
    measure_loudness,
    parse_ebur128,
    run_ffmpeg,
)
from audioarchive.session import Redaction, Trim
from audioarchive.text import sha256_bytes
from audioarchive.timeline import Timeline
from audioarchive.writing import atomic_path

log = logging.getLogger(__name__)

#: Bump when the processing changes, so that existing episodes are re-rendered.
AUDIO_VERSION = "1"
#: Below this, a recording is treated as silence: never amplified into noise.
SILENCE_LUFS = -60.0
#: Headroom the MP3 encoder needs above the limiter's ceiling.
ENCODER_MARGIN_DB = 1.0
MAX_GAIN_DB = 30.0
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class AudioJob:
    session_id: str
    parts: tuple[AudioInfo, ...]
    trim: Trim
    redactions: tuple[Redaction, ...]
    profile: AudioSettings
    workdir: Path
    intro: Path | None = None
    outro: Path | None = None
    want_master: bool = True

    @property
    def source_duration(self) -> float:
        return sum(p.duration for p in self.parts)


@dataclass(frozen=True)
class LoudnessReport:
    input: Loudness
    output: Loudness
    gain_db_min: float
    gain_db_max: float
    trim_start: float
    trim_end: float
    trim_automatic: bool
    redactions: tuple[tuple[float, float], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input.as_dict(),
            "output": self.output.as_dict(),
            "gain_db": {"min": round(self.gain_db_min, 2), "max": round(self.gain_db_max, 2)},
            "trim": {
                "start": round(self.trim_start, 3),
                "end": round(self.trim_end, 3),
                "automatic": self.trim_automatic,
            },
            "redactions": [[round(a, 3), round(b, 3)] for a, b in self.redactions],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class AudioResult:
    public: dict[str, Path]  # format -> untagged encode
    master: Path | None  # untagged FLAC of the joined source, when asked for
    timeline: Timeline
    report: LoudnessReport


def master_job_key(job: AudioJob) -> str:
    """What the master depends on: the parts only (not trims, redactions or the profile)."""
    parts = "|".join(f"{p.path.name}:{p.duration}:{p.sample_rate}:{p.channels}" for p in job.parts)
    return sha256_bytes(parts.encode())[:16]


def process_audio(tools: Tools, job: AudioJob, progress: Progress | None = None) -> AudioResult:
    """Render the public encodes and the master of one episode into ``job.workdir``."""
    job.workdir.mkdir(parents=True, exist_ok=True)
    report_progress = progress or (lambda _stage, _fraction: None)
    timeline = Timeline(*_trim_range(job))
    master = job.workdir / "master.flac" if job.want_master else None
    if master is not None:
        encode_master(tools, job, master, lambda f: report_progress("master", f))
    chain = _public_chain(job, timeline)
    measured = _measure_chain(tools, job, chain, timeline, report_progress)
    if not math.isfinite(measured.integrated) or measured.integrated < SILENCE_LUFS:
        raise AudioInputError(
            f"{job.session_id}: the recording is silent (loudness {measured.integrated:.1f} LUFS); "
            "expected speech to publish"
        )
    gain = min(MAX_GAIN_DB, job.profile.target_lufs - measured.integrated)
    public: dict[str, Path] = {}
    for fmt in ("mp3", *job.profile.extra_formats):
        dest = job.workdir / f"public.{fmt}"
        _render(tools, job, chain, gain, timeline, fmt, dest, report_progress)
        public[fmt] = dest
    output = measure_loudness(
        tools,
        public["mp3"],
        duration=timeline.duration,
        progress=lambda f: report_progress("check", f),
    )
    report = LoudnessReport(
        input=measured,
        output=output,
        gain_db_min=gain,
        gain_db_max=gain,
        trim_start=timeline.start,
        trim_end=timeline.end,
        trim_automatic=job.trim.start is None and job.trim.end is None and job.trim.enabled,
        redactions=tuple((r.start, r.end) for r in job.redactions),
    )
    return AudioResult(public=public, master=master, timeline=timeline, report=report)


def _trim_range(job: AudioJob) -> tuple[float, float]:
    total = job.source_duration
    if not job.trim.enabled:
        return 0.0, total
    start = job.trim.start if job.trim.start is not None else 0.0
    end = min(job.trim.end, total) if job.trim.end is not None else total
    if start >= end:
        raise AudioInputError(
            f"{job.session_id}: trim start {start:.1f}s is past the end of the recording "
            f"({total:.1f}s)"
        )
    return start, end


def _inputs(job: AudioJob) -> list[str]:
    args: list[str] = []
    for part in job.parts:
        args += ["-i", str(part.path)]
    return args


def _join_graph(job: AudioJob) -> str:
    """A filtergraph joining every part into ``[joined]`` in the first part's format."""
    first = job.parts[0]
    layout = first.channel_layout or ("mono" if first.channels == 1 else "stereo")
    labels = []
    steps = []
    for index, part in enumerate(job.parts):
        convert = part.sample_rate != first.sample_rate or part.channels != first.channels
        step = (
            f"aresample={first.sample_rate},aformat=channel_layouts={layout}"
            if convert
            else "anull"
        )
        steps.append(f"[{index}:a:0]{step}[p{index}]")
        labels.append(f"[p{index}]")
    steps.append(f"{''.join(labels)}concat=n={len(job.parts)}:v=0:a=1[joined]")
    return ";".join(steps)


def encode_master(
    tools: Tools, job: AudioJob, dest: Path, progress: Callable[[float], None]
) -> None:
    """FLAC of the joined source, sample-identical (24-bit when any part has more than 16 bits)."""
    deep = any(
        p.bits > 16 or p.sample_fmt in ("flt", "fltp", "dbl", "dblp", "s32", "s32p")
        for p in job.parts
    )
    with atomic_path(dest) as tmp:
        run_ffmpeg(
            tools,
            [
                *_inputs(job),
                "-filter_complex",
                _join_graph(job),
                "-map",
                "[joined]",
                "-map_metadata",
                "-1",
                "-c:a",
                "flac",
                "-sample_fmt",
                "s32" if deep else "s16",
                *(["-bits_per_raw_sample", "24"] if deep else []),
                str(tmp),
            ],
            duration=job.source_duration,
            progress=progress,
        )


def _public_chain(job: AudioJob, timeline: Timeline) -> str:
    """Filters from ``[joined]`` to the programme before gain: trim, redact, downmix, resample."""
    profile = job.profile
    filters = [f"atrim=start={timeline.start:.6f}:end={timeline.end:.6f}", "asetpts=PTS-STARTPTS"]
    for redaction in job.redactions:
        span = timeline.span_to_public(redaction.start, redaction.end)
        if span is not None:
            filters.append(f"volume=0:enable='between(t,{span[0]:.3f},{span[1]:.3f})'")
    layout = "mono" if profile.channels == 1 else "stereo"
    filters.append(f"aresample={profile.sample_rate}")
    filters.append(f"aformat=sample_fmts=flt:channel_layouts={layout}")
    return ",".join(filters)


def _measure_chain(
    tools: Tools, job: AudioJob, chain: str, timeline: Timeline, progress: Progress
) -> Loudness:
    graph = (
        f"{_join_graph(job)};[joined]{chain},ebur128=peak=true:dualmono=true:framelog=verbose[out]"
    )
    stderr = run_ffmpeg(
        tools,
        ["-v", "info", *_inputs(job), "-filter_complex", graph, "-map", "[out]", "-f", "null", "-"],
        duration=timeline.kept,
        progress=lambda f: progress("measure", f),
    )
    return parse_ebur128(stderr)


def _render(
    tools: Tools,
    job: AudioJob,
    chain: str,
    gain: float,
    timeline: Timeline,
    fmt: str,
    dest: Path,
    progress: Progress,
) -> None:
    ceiling = 10 ** ((job.profile.true_peak - ENCODER_MARGIN_DB) / 20)
    graph = (
        f"{_join_graph(job)};[joined]{chain},volume={gain:.2f}dB,"
        f"alimiter=limit={ceiling:.4f}:level=disabled:attack=5:release=80[out]"
    )
    codec = (
        ["-c:a", "libmp3lame", "-b:a", job.profile.bitrate, "-abr", "0", "-write_xing", "1"]
        if fmt == "mp3"
        else ["-c:a", "libopus", "-b:a", job.profile.opus_bitrate, "-application", "voip"]
    )
    with atomic_path(dest) as tmp:
        run_ffmpeg(
            tools,
            [
                *_inputs(job),
                "-filter_complex",
                graph,
                "-map",
                "[out]",
                "-map_metadata",
                "-1",
                *codec,
                *(["-ar", "48000"] if fmt == "opus" else []),
                str(tmp),
            ],
            duration=timeline.kept,
            progress=lambda f: progress(f"encode {fmt}", f),
        )
