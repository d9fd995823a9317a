"""One episode's audio: master, analysis, gain plan, render, check.

The passes overlap so that the two cores share the work:

- **master**: ffmpeg joins the parts into the FLAC master (when it is not already
  up to date); it runs in the background from the start;
- **analyse**: meanwhile a cheap pass measures the joined recording's loudness
  every 100 ms (:mod:`.analyse`); speech, trims and the gain curve come from it
  (:mod:`.level`), with no audio held in memory;
- **calibrate**: a programme longer than :data:`TRIAL_ABOVE` has three excerpts rendered
  twice, at the planned gain and at the corrected one, so that the full render's gain
  allows for what the limiter, the gate and the encoder take away (:func:`_calibrate`);
- **encode**: the streaming render (:mod:`.render`) writes the public files and
  measures the decoded MP3 while it is being written. If it misses the target
  (loudness beyond ±0.3 LU or a true peak over the ceiling, which the limiter's
  1 dB margin makes rare), it is rendered once more with the measured error
  corrected; the report counts the renders.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from audioarchive.audio.analyse import STEP, Analysis, Speech, analyse, auto_trim, detect_speech
from audioarchive.audio.analyse import speech_bounds as find_speech
from audioarchive.audio.assemble import check_parts, master_args, master_format
from audioarchive.audio.denoise import DenoisePlan, predicted_momentary
from audioarchive.audio.jingles import load_jingle
from audioarchive.audio.level import GainPlan, integrated, plan_gain, room_tone
from audioarchive.audio.limit import Samples
from audioarchive.audio.passthrough import pass_through
from audioarchive.audio.render import RenderResult, RenderSpec, noise_profile, render
from audioarchive.audio.report import LoudnessReport, TrimReport
from audioarchive.audio.room import describe_room, speech_segments
from audioarchive.common.writing import atomic_path
from audioarchive.config import AudioSettings
from audioarchive.errors import AudioInputError
from audioarchive.ffmpeg import AudioInfo, FFmpegProcess, Loudness, Tools, measure_loudness
from audioarchive.metadata.session import Redaction, Trim
from audioarchive.metadata.timeline import Timeline

log = logging.getLogger(__name__)

#: Bump when the processing changes, so that existing episodes are re-rendered.
AUDIO_VERSION = "3"
#: A recording quieter than this (integrated, LUFS) is silence: refused, never amplified.
SILENCE_LUFS = -60.0
#: A quiet recording whose level never moves more than STEADY_RANGE LU is a steady hiss or hum
#: (an unplugged microphone), not speech: refused rather than raised to the target.
STEADY_LUFS = -45.0
STEADY_RANGE = 6.0
#: Less speech than this (seconds) and there is nothing to publish.
MIN_SPEECH = 1.0
#: The limiter's ceiling sits this far under the true-peak target: the encoder's overshoot.
ENCODER_MARGIN_DB = 1.0
#: A render further than this from the loudness target is done again, corrected (LU).
LOUDNESS_TOLERANCE = 0.3
MAX_RENDERS = 3
#: Programmes longer than this first get a trial render of a few excerpts (s), which
#: measures what the limiter and the encoder take away, so the full render lands on target.
TRIAL_ABOVE = 150.0
TRIAL_AT = (0.2, 0.5, 0.8)
TRIAL_LENGTH = 15.0
#: The true peak the trial may reach before the limiter's ceiling is lowered (dB under target).
TRIAL_PEAK_MARGIN = 0.3
#: A first trial this close to the prediction needs no second one (LU); a loss this large
#: is not a loss but a misreading, and is not corrected (LU).
TRIAL_CLOSE = 0.1
MAX_TRIAL_LOSS = 6.0
#: The least the output may rise per dB of gain between the two trials (the limiter's share).
MIN_TRIAL_SLOPE = 0.25
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
class AudioResult:
    public: dict[str, Path]  # format -> untagged encode
    master: Path | None  # untagged FLAC of the joined source, when asked for
    timeline: Timeline
    report: LoudnessReport


class _MasterProgress:
    """The master encodes in the background; its bar shows only once it is the last stage."""

    def __init__(self, report: Progress) -> None:
        self.report = report
        self.fraction = 0.0
        self.shown = False
        self.lock = threading.Lock()

    def __call__(self, fraction: float) -> None:
        with self.lock:
            self.fraction = fraction
            if self.shown:
                self.report("master", fraction)

    def show(self) -> None:
        with self.lock:
            self.shown = True
            self.report("master", self.fraction)


def _start_master(
    stack: contextlib.ExitStack[bool | None], tools: Tools, job: AudioJob, report: Progress
) -> tuple[FFmpegProcess | None, _MasterProgress | None, dict[str, object]]:
    """Start encoding the FLAC master beside the analysis (when the job wants one)."""
    fmt = master_format(job.parts)
    info = fmt.as_report()
    if not job.want_master:  # kept from an earlier build of the same parts: the same format
        return None, None, info
    tmp = stack.enter_context(atomic_path(job.workdir / "master.flac"))
    master_progress = _MasterProgress(report)
    proc = stack.enter_context(
        FFmpegProcess(
            tools,
            master_args(job.parts, fmt, str(tmp)),
            duration=job.source_duration,
            progress=master_progress,
        )
    )
    return proc, master_progress, info


def process_audio(tools: Tools, job: AudioJob, progress: Progress | None = None) -> AudioResult:
    """Render the public encodes and the master of one episode into ``job.workdir``."""
    job.workdir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda _stage, _fraction: None)
    notes = list(check_parts(job.session_id, job.parts))
    passed = pass_through(tools, job, report)
    if passed is not None:
        return passed
    with contextlib.ExitStack() as stack:
        master_proc, master_progress, master_info = _start_master(stack, tools, job, report)
        planned = _plan(tools, job, report)
        notes += planned.notes
        rendered = _render_public(tools, job, stack, planned, report)
        notes += rendered.notes
        if master_proc is not None and master_progress is not None:
            master_progress.show()
            master_proc.finish()
    room, warnings = _room(job, planned, rendered)
    notes += warnings
    master = job.workdir / "master.flac" if master_proc is not None else None
    return AudioResult(
        public=rendered.public,
        master=master,
        timeline=rendered.timeline,
        report=_report(job, planned, rendered, master_info, tuple(notes), room),
    )


@dataclass(frozen=True)
class _Planned:
    """What the analysis found and what the render is to do (before any render)."""

    analysis: Analysis
    speech: Speech
    trim: TrimReport
    silenced: tuple[tuple[float, float], ...]
    denoise: DenoisePlan | None
    predicted: Analysis  # the analysis as the render should hear it (noise reduced)
    gain: GainPlan
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Rendered:
    result: RenderResult
    outputs: dict[str, Loudness]
    spec: RenderSpec
    renders: int
    public: dict[str, Path]
    timeline: Timeline
    notes: tuple[str, ...]


def _plan(tools: Tools, job: AudioJob, report: Progress) -> _Planned:
    """Analyse the joined recording; find speech, the kept range, the noise and the gain."""
    profile = job.profile
    layout = "mono" if profile.channels == 1 else "stereo"
    analysis = analyse(tools, job.parts, layout, lambda f: report("analyse", f))
    speech = detect_speech(analysis.momentary, analysis.voiced)
    _refuse_silence(job, analysis, speech)
    trim = _trim(job, speech)
    silenced = tuple(
        (r.start, r.end) for r in job.redactions if r.end > trim.start and r.start < trim.end
    )
    denoise, predicted = _denoise(profile, analysis, speech, trim)
    gain = plan_gain(
        predicted.momentary,
        analysis.centres,
        speech,
        (trim.start, trim.end),
        silenced,
        target=profile.target_lufs,
        levelling=profile.levelling,
        max_range=profile.loudness_range,
    )
    _refuse_silent_range(job, analysis, gain, trim)
    notes: tuple[str, ...] = ()
    if gain.capped:
        notes = (
            "the recording is so quiet that the gain was capped: the output is under the target",
        )
    return _Planned(analysis, speech, trim, silenced, denoise, predicted, gain, notes)


def _render_public(
    tools: Tools,
    job: AudioJob,
    stack: contextlib.ExitStack[bool | None],
    planned: _Planned,
    report: Progress,
) -> _Rendered:
    """Render the public files on target (after a trial of excerpts for a long programme)."""
    profile = job.profile
    trim = planned.trim
    intro = _jingle(tools, job, job.intro)
    outro = _jingle(tools, job, job.outro)
    public = {fmt: job.workdir / f"public.{fmt}" for fmt in ("mp3", *profile.extra_formats)}
    tmps = {fmt: stack.enter_context(atomic_path(path)) for fmt, path in public.items()}
    spec = RenderSpec(
        parts=job.parts,
        start=trim.start,
        end=trim.end,
        rate=profile.sample_rate,
        channels=profile.channels,
        gain_times=planned.gain.times,
        gain_db=planned.gain.gain_db,
        silenced=planned.silenced,
        ceiling_db=profile.true_peak - ENCODER_MARGIN_DB,
        mp3=tmps["mp3"],
        mp3_bitrate=profile.bitrate,
        opus=tmps.get("opus"),
        opus_bitrate=profile.opus_bitrate,
        intro=intro,
        outro=outro,
        denoise=planned.denoise,
    )
    spec = replace(spec, noise_profile=noise_profile(tools, spec))
    if trim.end - trim.start > TRIAL_ABOVE:
        spec = _calibrate(tools, job, spec, planned.predicted, planned.silenced, report)
    result, outputs, spec, renders = _render_on_target(tools, job, spec, report)
    notes = []
    if renders > 1:
        notes.append(f"rendered {renders} times to land on the targets")
    missed = _misses(profile, outputs)
    if missed:
        log.warning("%s: %s", job.session_id, missed)
        notes.append(missed)
    timeline = Timeline(
        trim.start,
        trim.end,
        intro=len(intro) / profile.sample_rate if intro is not None else 0.0,
        outro=len(outro) / profile.sample_rate if outro is not None else 0.0,
    )
    return _Rendered(result, outputs, spec, renders, public, timeline, tuple(notes))


def _room(
    job: AudioJob, planned: _Planned, rendered: _Rendered
) -> tuple[dict[str, Any], list[str]]:
    """The room's figures before and after, and warnings where a person should listen."""
    trim = planned.trim
    room, warnings = describe_room(
        planned.analysis, planned.speech, (trim.start, trim.end), planned.denoise,
        rendered.result.momentary, trim.start - rendered.timeline.intro,
    )  # fmt: skip
    for warning in warnings:
        log.warning("%s: %s", job.session_id, warning)
    return room, warnings


def _report(
    job: AudioJob,
    planned: _Planned,
    rendered: _Rendered,
    master_info: dict[str, object],
    notes: tuple[str, ...],
    room: dict[str, Any],
) -> LoudnessReport:
    profile, trim, result = job.profile, planned.trim, rendered.result
    return LoudnessReport(
        input=planned.analysis.loudness,
        input_sample_peak=planned.analysis.sample_peak,
        output=rendered.outputs["mp3"],
        outputs=rendered.outputs,
        gain_db_min=planned.gain.speech_gain_min,
        gain_db_max=planned.gain.speech_gain_max,
        trim=trim,
        target_lufs=profile.target_lufs,
        target_true_peak=profile.true_peak,
        limiter_ceiling=rendered.spec.ceiling_db,
        limiter_max_reduction=result.limiter_max_db,
        limited_seconds=result.limited_seconds,
        redactions=planned.silenced,
        intro=rendered.timeline.intro,
        outro=rendered.timeline.outro,
        master=master_info,
        renders=rendered.renders,
        notes=notes,
        speech=speech_segments(planned.speech, planned.analysis.centres, (trim.start, trim.end)),
        room=room,
    )


def _denoise(
    profile: AudioSettings, analysis: Analysis, speech: Speech, trim: TrimReport
) -> tuple[DenoisePlan | None, Analysis]:
    """What the render does against hum and noise; the loudness series it should produce."""
    if not profile.denoise:
        return None, analysis
    tone = room_tone(analysis.momentary, analysis.centres, speech, (trim.start, trim.end))
    plan = DenoisePlan(analysis.hum, profile.denoise_strength if tone else 0.0, tone)
    inside = np.zeros(len(analysis.centres), dtype=bool)
    for start, end in tone:
        inside |= (analysis.centres >= start) & (analysis.centres <= end)
    level = _power_mean(analysis.momentary[inside])
    predicted = predicted_momentary(analysis.momentary, level, plan.strength_db)
    return plan, replace(analysis, momentary=predicted)


def _power_mean(frames: npt.NDArray[np.float64]) -> float:
    finite = frames[np.isfinite(frames)]
    if not finite.size:
        return -math.inf
    return float(10 * np.log10(np.mean(10 ** (finite / 10))))


def _jingle(tools: Tools, job: AudioJob, path: Path | None) -> Samples | None:
    if path is None:
        return None
    return load_jingle(
        tools,
        path,
        job.workdir,
        rate=job.profile.sample_rate,
        channels=job.profile.channels,
        target_lufs=job.profile.target_lufs,
    )


def _render_on_target(
    tools: Tools, job: AudioJob, spec: RenderSpec, report: Progress
) -> tuple[RenderResult, dict[str, Loudness], RenderSpec, int]:
    """Render, measure the decoded files, and correct once or twice if they miss."""
    profile = job.profile
    stage = "encode " + ", ".join(("mp3", *profile.extra_formats))
    for attempt in range(1, MAX_RENDERS + 1):
        result = render(tools, spec, lambda f: report(stage, f))
        outputs = {"mp3": result.mp3}
        if spec.opus is not None:
            outputs["opus"] = measure_loudness(
                tools,
                spec.opus,
                duration=result.samples / spec.rate,
                progress=lambda f: report("check opus", f),
            )
        over = max(o.true_peak for o in outputs.values()) - profile.true_peak
        miss = profile.target_lufs - result.mp3.integrated
        if not math.isfinite(miss) or (over <= 0 and abs(miss) <= LOUDNESS_TOLERANCE):
            return result, outputs, spec, attempt
        if attempt == MAX_RENDERS:
            break
        # a second render is the normal path (the first lands within a few tenths): said
        # only with -v; a file still off target after every render is a warning (_misses)
        log.debug(
            "%s: pass %d measured %.2f LUFS, %.2f dBTP; rendering again to land on %.1f LUFS",
            job.session_id,
            attempt,
            result.mp3.integrated,
            result.mp3.true_peak,
            profile.target_lufs,
        )
        spec = replace(
            spec,
            gain_db=spec.gain_db + miss,
            ceiling_db=spec.ceiling_db - max(0.0, over) - (0.2 if over > 0 else 0.0),
        )
    return result, outputs, spec, MAX_RENDERS


def _calibrate(
    tools: Tools,
    job: AudioJob,
    spec: RenderSpec,
    analysis: Analysis,
    silenced: tuple[tuple[float, float], ...],
    report: Progress,
) -> RenderSpec:
    """Render excerpts, compare with the prediction, and correct the full render's spec.

    What the limiter, the noise gate and the encoder take away grows with the gain: a
    correction measured at one gain falls short at the next. So a second trial renders
    the excerpts again, corrected, and the correction is scaled by how much the output
    really rose (the secant between the two trials).
    """
    excerpts = _excerpts(job.parts, spec.start, spec.end)
    if not excerpts:
        return spec
    trial = replace(
        spec, excerpts=excerpts, mp3=job.workdir / "trial.mp3", opus=None, intro=None, outro=None
    )
    predicted = _excerpt_loudness(analysis, excerpts, silenced, spec.gain_db)
    first = _trial(tools, trial, report)
    loss = predicted - first.integrated
    if not math.isfinite(loss) or abs(loss) >= MAX_TRIAL_LOSS:
        return spec
    ceiling = _trial_ceiling(job.profile, spec.ceiling_db, first)
    log.debug(
        "%s: trial render lost %.2f LU, true peak %.2f dBTP",
        job.session_id,
        loss,
        first.true_peak,
    )
    if abs(loss) <= TRIAL_CLOSE and ceiling == spec.ceiling_db:
        return replace(spec, gain_db=spec.gain_db + loss)
    trial = replace(trial, gain_db=trial.gain_db + loss, ceiling_db=ceiling)
    second = _trial(tools, trial, report)
    rose = second.integrated - first.integrated
    slope = min(max(rose / loss, MIN_TRIAL_SLOPE), 1.0) if loss and math.isfinite(rose) else 1.0
    remaining = predicted - second.integrated
    shift = loss + (remaining / slope if math.isfinite(remaining) else 0.0)
    if abs(shift) >= MAX_TRIAL_LOSS:
        shift = loss
    log.debug(
        "%s: second trial %.2f LU short (the output rose %.2f LU for %.2f dB): %+.2f dB",
        job.session_id,
        remaining,
        rose,
        loss,
        shift,
    )
    ceiling = _trial_ceiling(job.profile, ceiling, second)
    return replace(spec, gain_db=spec.gain_db + shift, ceiling_db=ceiling)


def _trial(tools: Tools, trial: RenderSpec, report: Progress) -> Loudness:
    """The loudness and true peak of a trial render of excerpts (its file removed)."""
    try:
        return render(tools, trial, lambda f: report("calibrate", f)).mp3
    finally:
        trial.mp3.unlink(missing_ok=True)


def _excerpt_loudness(
    analysis: Analysis,
    excerpts: tuple[tuple[int, float, float, float], ...],
    silenced: tuple[tuple[float, float], ...],
    gain_db: npt.NDArray[np.float64],
) -> float:
    """The integrated loudness the plan predicts for the excerpts, rendered with ``gain_db``."""
    centres = analysis.centres
    inside = np.zeros(len(centres), dtype=bool)
    for _part, _offset, raw, length in excerpts:
        inside |= (centres >= raw) & (centres <= raw + length)
    for start, end in silenced:
        inside &= ~((centres >= start) & (centres <= end))
    return integrated(np.where(inside, analysis.momentary + gain_db, -np.inf))


def _trial_ceiling(profile: AudioSettings, ceiling: float, trial: Loudness) -> float:
    """The limiter's ceiling, lowered by what the trial's true peak went over the margin."""
    allowed = profile.true_peak - TRIAL_PEAK_MARGIN
    if math.isfinite(trial.true_peak) and trial.true_peak > allowed:
        return ceiling - (trial.true_peak - allowed)
    return ceiling


def _excerpts(
    parts: tuple[AudioInfo, ...], start: float, end: float
) -> tuple[tuple[int, float, float, float], ...]:
    """(part, offset in the part, raw start, length) of a few excerpts inside single parts."""
    bounds = np.concatenate(([0.0], np.cumsum([p.duration for p in parts])))
    found = []
    for fraction in TRIAL_AT:
        raw = start + fraction * (end - start) - TRIAL_LENGTH / 2
        index = int(np.searchsorted(bounds, raw, side="right") - 1)
        index = min(max(index, 0), len(parts) - 1)
        if raw + TRIAL_LENGTH > bounds[index + 1]:
            raw = bounds[index + 1] - TRIAL_LENGTH
        if raw < max(bounds[index], start):
            continue
        found.append((index, float(raw - bounds[index]), float(raw), TRIAL_LENGTH))
    return tuple(found)


def _misses(profile: AudioSettings, outputs: dict[str, Loudness]) -> str:
    """What the delivered files miss of the targets, in words ("" when on target)."""
    problems = []
    for fmt, loud in sorted(outputs.items()):
        if abs(loud.integrated - profile.target_lufs) > 0.5:
            problems.append(f"{fmt} at {loud.integrated:.1f} LUFS")
        if loud.true_peak > profile.true_peak:
            problems.append(f"{fmt} true peak {loud.true_peak:.1f} dBTP")
    if not problems:
        return ""
    return "off target after every render: " + ", ".join(problems)


def _refuse_silence(job: AudioJob, analysis: Analysis, speech: Speech) -> None:
    loud = analysis.loudness.integrated
    names = ", ".join(p.path.name for p in job.parts)
    if not math.isfinite(loud) or loud < SILENCE_LUFS:
        peak = analysis.sample_peak
        level = f"peak {peak:.1f} dBFS" if math.isfinite(peak) else "digital silence"
        raise AudioInputError(
            f"{job.session_id}: the recording is silent ({names}: loudness {loud:.1f} LUFS, "
            f"{level}); expected speech to publish"
        )
    steady = speech.peak - speech.floor < STEADY_RANGE
    # louder, a steady sound may be a test tone; with mains hum and no voice heard, it is a room
    humming = analysis.hum is not None and speech.voice_seconds < MIN_SPEECH
    if steady and (loud < STEADY_LUFS or humming):
        raise AudioInputError(
            f"{job.session_id}: no speech found in {names}: only a steady background at "
            f"{loud:.1f} LUFS (hiss, hum or ventilation, or an unplugged microphone), and "
            f"no voice heard; expected a recording of people speaking"
        )
    if speech.seconds < MIN_SPEECH:
        raise AudioInputError(
            f"{job.session_id}: no speech found in {names}: nothing stands out of the "
            f"background ({speech.floor:.1f} LUFS) for {MIN_SPEECH:.0f} s; "
            "expected a recording of people speaking"
        )


def _refuse_silent_range(
    job: AudioJob, analysis: Analysis, plan: GainPlan, trim: TrimReport
) -> None:
    inside = (analysis.centres >= trim.start) & (analysis.centres <= trim.end)
    loud = integrated(analysis.momentary[inside]) if inside.any() else -math.inf
    if not math.isfinite(loud) or loud < SILENCE_LUFS or not math.isfinite(plan.predicted_lufs):
        raise AudioInputError(
            f"{job.session_id}: the kept range {trim.start:.1f}-{trim.end:.1f} s is silent "
            f"(loudness {loud:.1f} LUFS); check the session's trim"
        )


def _trim(job: AudioJob, speech: Speech) -> TrimReport:
    return resolve_trim(job.session_id, job.trim, speech, job.source_duration)


def resolve_trim(session_id: str, wanted: Trim, speech: Speech, total: float) -> TrimReport:
    """The kept range: the session's trim, its missing sides found from the speech."""
    bounds = find_speech(speech)
    if not wanted.enabled:
        return TrimReport(0.0, total, total, (), bounds)
    auto_start, auto_end = auto_trim(speech, total)
    automatic = []
    start = wanted.start
    if start is None:
        start = auto_start
        automatic.append("start")
    end = wanted.end
    if end is None:
        end = auto_end if auto_end > start + STEP else total
        automatic.append("end")
    end = min(end, total)
    if "start" in automatic and start >= end:
        start = 0.0
    if start >= end:
        raise AudioInputError(
            f"{session_id}: trim start {start:.1f} s is at or past its end {end:.1f} s "
            f"(recording: {total:.1f} s); expected start < end"
        )
    return TrimReport(start, end, total, tuple(automatic), bounds)
