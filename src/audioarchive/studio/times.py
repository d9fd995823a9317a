"""Times on a session's recording: speech, pauses, likely speaker changes, raw ↔ published.

Every time in a session file refers to the joined raw recording (the recorder's parts end
to end); the published episode starts with the optional intro, then the kept range of the
recording. Redactions silence a range without shortening it, so they move no time. The
speech comes from the analysis pass (:mod:`audioarchive.audio.analyse`), whose result is
cached in the workspace's private state, keyed by the parts' sizes and modification times.

A *likely speaker change* is where speech resumes after a pause at a clearly different
level (:data:`CHANGE_LU` or more): the analysis measures loudness only, so two speakers at
the same level are not told apart, and one speaker who moves away from the microphone is.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audioarchive.audio.analyse import STEP, WINDOW, analyse, detect_speech, runs
from audioarchive.audio.assemble import input_args, join_graph
from audioarchive.audio.level import plan_gain
from audioarchive.audio.process import ENCODER_MARGIN_DB, resolve_trim
from audioarchive.audio.render import RenderSpec, render
from audioarchive.audio.report import TrimReport
from audioarchive.common.text import sha256_bytes
from audioarchive.common.validation import format_time
from audioarchive.common.writing import atomic_path, write_atomic
from audioarchive.errors import AudioInputError, InputError
from audioarchive.ffmpeg import AudioInfo, Tools, find_tools, probe, run_ffmpeg
from audioarchive.metadata.session import Session, Workspace
from audioarchive.metadata.timeline import Timeline

#: A gap between two stretches of speech at least this long is a pause (s).
PAUSE_MIN = 0.5
#: Speech resuming after a pause at least this many LU louder or quieter: another speaker.
CHANGE_LU = 4.0
#: Bump when the cached analysis changes shape.
CACHE_VERSION = "1"

FloatArray = Any  # numpy arrays of float64


@dataclass(frozen=True)
class Span:
    start: float  # raw seconds
    end: float
    level: float | None = None  # median momentary loudness (LUFS) of speech

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": round(self.start, 2), "end": round(self.end, 2)}
        if self.level is not None:
            out["level"] = round(self.level, 1)
        return out


@dataclass(frozen=True)
class Part:
    name: str
    start: float  # raw seconds where the part begins in the joined recording
    end: float


@dataclass(frozen=True)
class PartTime:
    part: Part
    offset: float  # seconds into that part


@dataclass(frozen=True)
class SessionTimes:
    """What the analysis found in one session's recording, with the published timeline."""

    session: Session
    parts: tuple[Part, ...]
    trim: TrimReport
    timeline: Timeline
    speech: tuple[Span, ...]
    pauses: tuple[Span, ...]
    changes: tuple[float, ...]  # raw times where another speaker likely begins
    momentary: FloatArray  # LUFS every STEP, -inf for silence
    sources: tuple[AudioInfo, ...] = ()

    @property
    def duration(self) -> float:
        return self.parts[-1].end if self.parts else 0.0

    def to_published(self, raw: float) -> float | None:
        """The published time of a raw instant, ``None`` when the trim removed it."""
        return self.timeline.to_public(raw)

    def to_raw(self, published: float) -> float | None:
        """The raw instant heard at ``published``, ``None`` in the intro or the outro."""
        line = self.timeline
        if published < line.intro or published > line.intro + line.kept:
            return None
        return line.start + published - line.intro

    def part_at(self, raw: float) -> PartTime:
        """The recorder's part that holds a raw instant, and how far into it."""
        for part in self.parts:
            if raw < part.end:
                return PartTime(part, max(0.0, raw - part.start))
        last = self.parts[-1]
        return PartTime(last, raw - last.start)

    def redaction_at(self, raw: float) -> int | None:
        for index, redaction in enumerate(self.session.redactions):
            if redaction.start <= raw < redaction.end:
                return index
        return None

    def levels(self, per_second: int = 10) -> list[float | None]:
        """Momentary loudness (LUFS, ``None`` for silence), ``per_second`` values a second."""
        step = max(1, round(1 / (STEP * per_second)))
        values = self.momentary[: len(self.momentary) // step * step].reshape(-1, step).max(axis=1)
        return [round(float(v), 1) if math.isfinite(v) else None for v in values]

    def as_dict(self) -> dict[str, Any]:
        return {
            "session": self.session.id,
            "duration": round(self.duration, 3),
            "published_duration": round(self.timeline.duration, 3),
            "parts": [
                {"name": p.name, "start": round(p.start, 3), "end": round(p.end, 3)}
                for p in self.parts
            ],
            "trim": {
                "start": round(self.trim.start, 3),
                "end": round(self.trim.end, 3),
                "automatic": list(self.trim.automatic),
            },
            "intro": round(self.timeline.intro, 3),
            "speech": [s.as_dict() for s in self.speech],
            "pauses": [s.as_dict() for s in self.pauses],
            "speaker_changes": [round(t, 2) for t in self.changes],
            "redactions": [
                {"start": r.start, "end": r.end, "reason": r.reason}
                for r in self.session.redactions
            ],
            "chapters": [{"start": c.start, "title": c.title} for c in self.session.chapters],
        }


def measure_times(
    workspace: Workspace,
    tools: Tools,
    session: Session,
    progress: Callable[[float], None] | None = None,
) -> SessionTimes:
    """Analyse ``session``'s recording (or reuse the cached analysis) and read its times."""
    if not session.recording:
        raise InputError(
            f"{session.id}: no recording in recordings/{session.id}/; expected the recorder's "
            f"files (audioarchive ingest {session.id} FILE...)"
        )
    infos = [_probe(tools, workspace, path) for path in session.recording]
    parts, clock = [], 0.0
    for info in infos:
        parts.append(Part(info.path.name, clock, clock + info.duration))
        clock += info.duration
    momentary = _momentary(workspace, tools, session, infos, progress)
    speech = detect_speech(momentary)
    trim = resolve_trim(session.id, session.trim, speech, clock)
    intro = _jingle_length(tools, workspace.show.intro)
    outro = _jingle_length(tools, workspace.show.outro)
    timeline = Timeline(trim.start, trim.end, intro, outro)
    spans = speech_spans(momentary, speech.active, clock)
    return SessionTimes(
        session=session,
        parts=tuple(parts),
        trim=trim,
        timeline=timeline,
        speech=spans,
        pauses=pauses_between(spans),
        changes=speaker_changes(spans),
        momentary=momentary,
        sources=tuple(infos),
    )


def speech_spans(momentary: FloatArray, active: FloatArray, duration: float) -> tuple[Span, ...]:
    """Raw ranges of speech; frame k's window covers ``[(k+1)·STEP - WINDOW, (k+1)·STEP]``."""
    spans = []
    for first, last in runs(active):
        values = momentary[first:last]
        finite = values[np.isfinite(values)]
        level = float(np.median(finite)) if finite.size else None
        start = max(0.0, (first + 1) * STEP - WINDOW)
        spans.append(Span(round(start, 2), round(min(duration, last * STEP), 2), level))
    return tuple(spans)


def pauses_between(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    return tuple(
        Span(before.end, after.start)
        for before, after in itertools.pairwise(spans)
        if after.start - before.end >= PAUSE_MIN
    )


def speaker_changes(spans: tuple[Span, ...]) -> tuple[float, ...]:
    """Where speech resumes at a clearly different level than the stretch before it."""
    found = []
    for before, after in itertools.pairwise(spans):
        if before.level is None or after.level is None:
            continue
        if abs(after.level - before.level) >= CHANGE_LU:
            found.append(after.start)
    return tuple(found)


def _probe(tools: Tools, workspace: Workspace, path: Path) -> AudioInfo:
    try:
        return probe(tools, path)
    except AudioInputError as err:
        raise AudioInputError(f"{workspace.paths.rel(path)}: {err.message}") from err


def _jingle_length(tools: Tools, path: Path | None) -> float:
    return probe(tools, path).duration if path is not None else 0.0


def _momentary(
    workspace: Workspace,
    tools: Tools,
    session: Session,
    infos: list[AudioInfo],
    progress: Callable[[float], None] | None,
) -> FloatArray:
    layout = "mono" if workspace.settings.audio.channels == 1 else "stereo"
    stats = [(i.path.name, i.path.stat().st_size, i.path.stat().st_mtime_ns) for i in infos]
    key = sha256_bytes(json.dumps([CACHE_VERSION, layout, stats]).encode())[:24]
    cache = workspace.paths.state / "studio" / f"analysis-{session.id}.json"
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            values = [-math.inf if v is None else float(v) for v in stored["momentary"]]
            return np.array(values, dtype=np.float64)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    analysis = analyse(tools, infos, layout, progress)
    momentary = analysis.momentary
    data = {
        "key": key,
        "momentary": [round(float(v), 2) if math.isfinite(v) else None for v in momentary],
    }
    if workspace.paths.state.parent.is_dir():
        write_atomic(cache, json.dumps(data).encode("utf-8"))
    return momentary


# --- conversions, as the terminal shows them --------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """One time given on one timeline, placed on the other."""

    raw: float | None
    published: float | None
    part: PartTime | None
    redaction: int | None  # index of the redaction that silences it
    note: str  # why one side is missing, in plain words

    def as_dict(self) -> dict[str, Any]:
        return {
            "raw": None if self.raw is None else round(self.raw, 3),
            "published": None if self.published is None else round(self.published, 3),
            "part": None if self.part is None else self.part.part.name,
            "part_offset": None if self.part is None else round(self.part.offset, 3),
            "redaction": self.redaction,
            "note": self.note,
        }


def convert_raw(times: SessionTimes, raw: float) -> Conversion:
    """Where a raw instant is heard in the episode."""
    if raw > times.duration:
        raise InputError(
            f"{times.session.id}: {format_time(raw, millis=True)} is past the end of the "
            f"recording ({format_time(times.duration, millis=True)})"
        )
    published = times.to_published(raw)
    note = ""
    if published is None:
        side = "start" if raw < times.trim.start else "end"
        edge = times.trim.start if side == "start" else times.trim.end
        note = f"cut by the trim (the episode keeps from {format_time(edge, millis=True)})"
        if side == "end":
            note = f"cut by the trim (the episode keeps until {format_time(edge, millis=True)})"
    redaction = times.redaction_at(raw)
    if redaction is not None and published is not None:
        note = f"silenced by redaction {redaction + 1}"
    return Conversion(raw, published, times.part_at(raw), redaction, note)


def convert_published(times: SessionTimes, published: float) -> Conversion:
    """Which raw instant a listener hears at ``published``."""
    line = times.timeline
    if published > line.duration:
        raise InputError(
            f"{times.session.id}: {format_time(published, millis=True)} is past the end of the "
            f"episode ({format_time(line.duration, millis=True)})"
        )
    raw = times.to_raw(published)
    if raw is None:
        where = "intro" if published < line.intro else "outro"
        return Conversion(None, published, None, None, f"in the {where}, not the recording")
    conversion = convert_raw(times, raw)
    return Conversion(raw, published, conversion.part, conversion.redaction, conversion.note)


def session_times(
    workspace: Workspace, session_id: str, progress: Callable[[float], None] | None = None
) -> SessionTimes:
    """:func:`measure_times` for the session named ``session_id``, with the workspace's tools."""
    tools = find_tools(workspace.settings.tools)
    return measure_times(workspace, tools, workspace.session(session_id), progress)


@dataclass(frozen=True)
class Event:
    """One line of the terminal's list: a raw time, what happens there, its published time."""

    raw: float
    published: float | None
    what: str


def events(times: SessionTimes) -> list[Event]:
    """Parts, trims, speech, pauses, speaker changes, chapters and redactions, in time order."""
    items: list[tuple[float, int, str]] = []
    automatic = set(times.trim.automatic)
    for number, part in enumerate(times.parts, 1):
        items.append((part.start, 0, f"part {number} begins: {part.name}"))
    found = " (found automatically)"
    items.append((times.trim.start, 1, "trim start" + (found if "start" in automatic else "")))
    items.append((times.trim.end, 9, "trim end" + (found if "end" in automatic else "")))
    for span in times.speech:
        level = f", {span.level:.0f} LUFS" if span.level is not None else ""
        items.append((span.start, 3, f"speech until {format_time(span.end, millis=True)}{level}"))
    for span in times.pauses:
        items.append((span.start, 4, f"pause of {span.end - span.start:.1f} s"))
    for start in times.changes:
        items.append((start, 2, "likely speaker change"))
    for chapter in times.session.chapters:
        items.append((chapter.start, 5, f'chapter "{chapter.title}"'))
    for number, redaction in enumerate(times.session.redactions, 1):
        reason = f" ({redaction.reason})" if redaction.reason else ""
        until = format_time(redaction.end, millis=True)
        items.append((redaction.start, 6, f"redaction {number} until {until}{reason}"))
    items.sort(key=lambda item: (item[0], item[1]))
    return [Event(raw, times.to_published(raw), what) for raw, _, what in items]


def preview_audio(workspace: Workspace, tools: Tools, times: SessionTimes) -> Path:
    """A light MP3 of the joined raw recording, for listening in the browser (cached)."""
    stats = [(i.path.name, i.path.stat().st_size, i.path.stat().st_mtime_ns) for i in times.sources]
    key = sha256_bytes(json.dumps([CACHE_VERSION, stats]).encode())[:16]
    folder = workspace.paths.state / "studio"
    dest = folder / f"preview-{times.session.id}-{key}.mp3"
    if dest.is_file():
        return dest
    for old in folder.glob(f"preview-{times.session.id}-*.mp3"):
        old.unlink(missing_ok=True)
    graph = f"{join_graph(times.sources)};[joined]aformat=channel_layouts=mono[out]"
    with atomic_path(dest) as tmp:
        run_ffmpeg(
            tools,
            [
                *input_args(times.sources),
                "-filter_complex",
                graph,
                "-map",
                "[out]",
                "-c:a",
                "libmp3lame",
                "-b:a",
                "64k",
                str(tmp),
            ],
        )
    return dest


#: Length of a processed excerpt to listen to (s).
EXCERPT = 20.0


def render_excerpt(
    workspace: Workspace, tools: Tools, times: SessionTimes, at: float
) -> tuple[Path, float]:
    """``EXCERPT`` seconds around the raw time ``at``, processed as the episode will be: the
    gain curve, redactions and limiter of the build (without its trial-render correction,
    which moves the level by a fraction of a LU), as an MP3 in the private state; and the raw
    time where it begins (an excerpt stays inside one recorder part)."""
    profile = workspace.settings.audio
    start, end = times.trim.start, times.trim.end
    speech = detect_speech(times.momentary)
    centres = np.clip((np.arange(len(times.momentary)) + 1) * STEP - WINDOW / 2, 0.0, None)
    silenced = tuple(
        (r.start, r.end) for r in times.session.redactions if r.end > start and r.start < end
    )
    plan = plan_gain(
        times.momentary,
        centres,
        speech,
        (start, end),
        silenced,
        target=profile.target_lufs,
        levelling=profile.levelling,
        max_range=profile.loudness_range,
    )
    part = times.part_at(min(max(at, start), end))
    index = times.parts.index(part.part)
    length = min(EXCERPT, part.part.end - part.part.start)
    offset = min(max(0.0, part.offset - EXCERPT / 2), part.part.end - part.part.start - length)
    raw = part.part.start + offset
    folder = workspace.paths.state / "studio"
    dest = folder / f"excerpt-{times.session.id}.mp3"
    with atomic_path(dest) as tmp:
        render(
            tools,
            RenderSpec(
                parts=times.sources,
                start=start,
                end=end,
                rate=profile.sample_rate,
                channels=profile.channels,
                gain_times=plan.times,
                gain_db=plan.gain_db,
                silenced=silenced,
                ceiling_db=profile.true_peak - ENCODER_MARGIN_DB,
                mp3=tmp,
                mp3_bitrate=profile.bitrate,
                excerpts=((index, offset, raw, length),),
            ),
        )
    return dest, raw
