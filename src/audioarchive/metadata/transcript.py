"""Transcripts: WebVTT and SubRip in, cues on the published timeline out.

Cue times in a session's transcript file refer to the raw joined recording, like
every time in a session file. :func:`public_cues` maps them to the published
timeline, removes every cue that touches a redacted range, and replaces the
names of speakers who may not be named.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from audioarchive.common.formats import clock_time
from audioarchive.errors import Problem
from audioarchive.metadata.privacy import withheld_names, withhold, withhold_label
from audioarchive.metadata.session import Session
from audioarchive.metadata.timeline import Timeline

_TIMING = re.compile(
    r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})(?:\s+.*)?$"
)
_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]+)>(.*)$", re.S)
_TAGS = re.compile(r"</?[^>]+>")
_SPEAKER_PREFIX = re.compile(r"^([^:\n]{1,60}):\s+(.*)$", re.S)


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # plain text, without markup
    speaker: str | None = None


class TranscriptSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def parse_timestamp(text: str) -> float:
    parts = text.replace(",", ".").split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2]) if len(parts) >= 2 else 0
    hours = int(parts[-3]) if len(parts) >= 3 else 0
    return hours * 3600 + minutes * 60 + seconds


def parse_vtt(text: str) -> list[Cue]:
    """Cues of a WebVTT file; ``TranscriptSyntaxError`` naming the line when it is not one."""
    lines = text.removeprefix("\ufeff").splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise TranscriptSyntaxError(1, 'expected "WEBVTT" on the first line')
    return _parse_blocks(lines, start=1, vtt=True)


def parse_srt(text: str) -> list[Cue]:
    """Cues of a SubRip file; ``TranscriptSyntaxError`` naming the line when it is not one."""
    return _parse_blocks(text.removeprefix("\ufeff").splitlines(), start=0, vtt=False)


def _parse_blocks(lines: list[str], *, start: int, vtt: bool) -> list[Cue]:
    cues: list[Cue] = []
    index = start
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        block_start = index
        block: list[str] = []
        while index < len(lines) and lines[index].strip():
            block.append(lines[index])
            index += 1
        if vtt and block[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_at = next((i for i, line in enumerate(block) if "-->" in line), None)
        if timing_at is None or timing_at > 1:
            raise TranscriptSyntaxError(
                block_start + 1, 'expected a timing line "00:00:01.000 --> 00:00:04.000"'
            )
        match = _TIMING.match(block[timing_at])
        if match is None:
            raise TranscriptSyntaxError(
                block_start + timing_at + 1,
                'expected a timing line "00:00:01.000 --> 00:00:04.000"',
            )
        begin, end = parse_timestamp(match.group(1)), parse_timestamp(match.group(2))
        if end < begin:
            raise TranscriptSyntaxError(
                block_start + timing_at + 1, "the cue ends before it starts"
            )
        cues.append(_cue(begin, end, "\n".join(block[timing_at + 1 :])))
    return cues


def _cue(start: float, end: float, payload: str) -> Cue:
    speaker = None
    voice = _VOICE.match(payload.strip())
    if voice:
        speaker, payload = voice.group(1).strip(), voice.group(2)
    text = html.unescape(_TAGS.sub("", payload)).strip()
    if speaker is None:
        prefix = _SPEAKER_PREFIX.match(text)
        if prefix and len(prefix.group(1).split()) <= 4:
            speaker, text = prefix.group(1).strip(), prefix.group(2).strip()
    return Cue(start, end, text, speaker)


def read_transcript(path: Path) -> list[Cue]:
    """The cues of a .vtt or .srt file (UTF-8)."""
    text = path.read_bytes().decode("utf-8")
    return parse_srt(text) if path.suffix.lower() == ".srt" else parse_vtt(text)


def check_transcript(path: Path, label: str) -> list[Problem]:
    """Problems that make a transcript file unusable, naming the line."""
    try:
        read_transcript(path)
    except UnicodeDecodeError:
        return [Problem(label, "", "not UTF-8 text; expected a WebVTT or SubRip file in UTF-8")]
    except TranscriptSyntaxError as err:
        kind = "SubRip" if path.suffix.lower() == ".srt" else "WebVTT"
        return [Problem(label, f"line {err.line}", f"{err.message} ({kind} syntax)")]
    return []


def public_cues(
    cues: Iterable[Cue], session: Session, timeline: Timeline, *, public: Iterable[str] = ()
) -> list[Cue]:
    """Cues as the public may read them: redacted ranges removed, times on the published
    timeline, names of speakers who may not be named replaced by ``[…]``.

    ``public`` lists other names that may appear (the show's hosts), so that a
    word they share with a withheld name is not withheld.
    """
    hidden = withheld_names(session, public)
    out: list[Cue] = []
    for cue in cues:
        if any(cue.start < r.end and cue.end > r.start for r in session.redactions):
            continue
        span = timeline.span_to_public(cue.start, cue.end)
        if span is None:
            continue
        speaker = None if cue.speaker is None else withhold_label(cue.speaker, hidden)
        out.append(Cue(round(span[0], 3), round(span[1], 3), withhold(cue.text, hidden), speaker))
    return out


def _no_arrow(text: str) -> str:
    """Cue text may not hold "-->" (it would read as a timing line)."""
    return text.replace("-->", "->")


def render_vtt(cues: Sequence[Cue]) -> str:
    lines = ["WEBVTT", ""]
    for cue in cues:
        lines.append(f"{clock_time(cue.start)} --> {clock_time(cue.end)}")
        text = html.escape(_no_arrow(cue.text), quote=False)
        lines.append(f"<v {html.escape(cue.speaker, quote=False)}>{text}" if cue.speaker else text)
        lines.append("")
    return "\n".join(lines)


def render_srt(cues: Sequence[Cue]) -> str:
    lines: list[str] = []
    for number, cue in enumerate(cues, start=1):
        lines.append(str(number))
        lines.append(f"{clock_time(cue.start, ',')} --> {clock_time(cue.end, ',')}")
        text = _no_arrow(cue.text)
        lines.append(f"{cue.speaker}: {text}" if cue.speaker else text)
        lines.append("")
    return "\n".join(lines)
