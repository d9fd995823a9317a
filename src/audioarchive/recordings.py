"""Checks on the recorder's files that need ffprobe: readable audio, times within the recording."""

from __future__ import annotations

from collections.abc import Iterable

from audioarchive.errors import AudioInputError, Problem, SessionError
from audioarchive.ffmpeg import AudioInfo, Tools, probe
from audioarchive.session import Session, Workspace
from audioarchive.transcript import check_transcript
from audioarchive.validation import format_time

#: Shorter than this, a recording is refused: there is nothing to publish.
MIN_DURATION = 1.0


def probe_recordings(
    workspace: Workspace, tools: Tools, sessions: Iterable[Session]
) -> dict[str, tuple[AudioInfo, ...]]:
    """Probe every part of ``sessions``; raise ``SessionError`` listing every problem."""
    problems: list[Problem] = []
    found: dict[str, tuple[AudioInfo, ...]] = {}
    for session in sessions:
        infos: list[AudioInfo] = []
        for part in session.recording:
            label = workspace.paths.rel(part)
            try:
                infos.append(probe(tools, part))
            except AudioInputError as err:
                message = err.message.removeprefix(f"{part.name}: ")
                problems.append(Problem(label, "", message))
        if len(infos) != len(session.recording):
            continue
        problems.extend(check_times(workspace, session, infos))
        if session.transcript is not None:
            problems.extend(
                check_transcript(session.transcript, workspace.paths.rel(session.transcript))
            )
        found[session.id] = tuple(infos)
    if problems:
        raise SessionError(problems)
    return found


def check_times(workspace: Workspace, session: Session, infos: list[AudioInfo]) -> list[Problem]:
    """Trims, redactions and chapters must fall within the joined recording."""
    label = workspace.paths.rel(session.source)
    total = sum(i.duration for i in infos)
    length = format_time(total)
    problems: list[Problem] = []
    if total < MIN_DURATION:
        problems.append(
            Problem(
                label,
                "recording",
                f"lasts {total:.2f} s; expected at least {MIN_DURATION:.0f} s of audio",
            )
        )
    if session.trim.start is not None and session.trim.start >= total:
        problems.append(
            Problem(
                label,
                "trim.start",
                f"{format_time(session.trim.start)} is past the end of the recording ({length})",
            )
        )
    for index, redaction in enumerate(session.redactions):
        if redaction.start >= total:
            problems.append(
                Problem(
                    label,
                    f"redactions[{index}].start",
                    f"{format_time(redaction.start)} is past the end of the recording ({length})",
                )
            )
    for index, chapter in enumerate(session.chapters):
        if chapter.start >= total:
            problems.append(
                Problem(
                    label,
                    f"chapters[{index}].start",
                    f"{format_time(chapter.start)} is past the end of the recording ({length})",
                )
            )
    return problems
