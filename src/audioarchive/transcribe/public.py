"""The public transcript of an episode, whoever wrote it, and its three file formats.

A transcript written (or corrected) by a person, the session's ``transcript:``
file, always wins. Otherwise the machine transcript is used, if there is one:
its words get their speaker from what we know (the session's ``microphones:``
when the recorder kept one microphone per channel, else the turns the organiser
labelled in ``turns:``; never a guessed name), every word inside a redacted
range is dropped, names that may not be published are withheld, and the words
are grouped into cues whose WebVTT line (``<v Speaker>`` included) holds at most
:data:`LINE_LIMIT` characters (Apple's guidance).

Formats: WebVTT (with ``<v>`` voice spans), SubRip, and the Podcasting 2.0 JSON
transcript (``{"version": "1.0.0", "segments": [...]}``).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from audioarchive.common.formats import clock_time
from audioarchive.metadata.episode import Episode, Publication
from audioarchive.metadata.machine_transcript import MachineTranscript, Word
from audioarchive.metadata.privacy import withheld_names, withhold, withhold_label
from audioarchive.metadata.session import Redaction, Session
from audioarchive.metadata.timeline import Timeline
from audioarchive.metadata.transcript import (
    Cue,
    public_cues,
    read_transcript,
    render_srt,
)
from audioarchive.transcribe.channels import speaker_of

LINE_LIMIT = 65
JSON_VERSION = "1.0.0"
#: Transcript formats in the feed: file suffix → media type.
#: SubRip last: apps that read one entry only (feedparser keeps the last) get the plainest.
FORMATS = {"vtt": "text/vtt", "json": "application/json", "srt": "application/x-subrip"}
_MAX_CUE = 7.0  # seconds: a cue is also cut when it would last longer


@dataclass(frozen=True)
class PublicTranscript:
    cues: tuple[Cue, ...]  # on the published timeline, ready to show
    machine: str | None = None  # the recogniser ("pocketsphinx (en-us)") when not a person's

    def render(self, fmt: str) -> bytes:
        if fmt == "vtt":
            return render_vtt(self.cues).encode("utf-8")
        if fmt == "srt":
            return render_srt(self.cues).encode("utf-8")
        return render_json(self.cues).encode("utf-8")


def public_transcript(publication: Publication, episode: Episode) -> PublicTranscript | None:
    """The transcript the public may read, or ``None``. A person's file is read here and may
    raise ``OSError``, ``UnicodeDecodeError`` or ``TranscriptSyntaxError``."""
    session = episode.session
    hosts = [h.name for h in publication.show.hosts]
    if session.transcript is not None:
        cues = public_cues(
            read_transcript(session.transcript), session, episode.record.timeline, public=hosts
        )
        return PublicTranscript(tuple(cues))
    machine = publication.machine_transcripts.get(episode.id)
    if machine is None:
        return None
    return PublicTranscript(machine_cues(machine, episode, hosts), machine.label)


def machine_cues(
    machine: MachineTranscript, episode: Episode, public_names: Iterable[str] = ()
) -> tuple[Cue, ...]:
    """A machine transcript as public cues: speakers from the turns, redacted words dropped,
    withheld names replaced, cues cut to fit a line."""
    session = episode.session
    hidden = withheld_names(session, public_names)
    timeline = episode.record.timeline
    turns = _public_turns(session, timeline)
    redactions = episode.redactions

    def speaker_at(word: Word) -> str | None:
        if session.microphones and machine.channels:
            raw = (
                timeline.start - timeline.intro + word.start,
                timeline.start - timeline.intro + word.end,
            )
            return speaker_of(machine.channels, session.microphones, *raw)
        return _speaker_at(turns, word.start)

    cues: list[Cue] = []
    for segment in machine.segments:
        words = segment.words or (Word(segment.start, segment.end, segment.text),)
        run: list[Word] = []
        speaker: str | None = None
        for word in words:
            if _redacted(word, redactions):
                cues.extend(_cut(run, speaker, hidden))
                run = []
                continue
            who = speaker_at(word)
            if run and who != speaker:
                cues.extend(_cut(run, speaker, hidden))
                run = []
            speaker = who
            run.append(word)
        cues.extend(_cut(run, speaker, hidden))
    return tuple(cues)


def _public_turns(session: Session, timeline: Timeline) -> list[tuple[float, str]]:
    return [(timeline.clamp_to_public(t.start), t.speaker) for t in session.turns]


def _speaker_at(turns: Sequence[tuple[float, str]], time: float) -> str | None:
    speaker = None
    for start, name in turns:
        if start <= time + 0.05:
            speaker = name
        else:
            break
    return speaker


def _redacted(word: Word, redactions: Sequence[Redaction]) -> bool:
    return any(word.start < r.end and word.end > r.start for r in redactions)


def _cut(words: Sequence[Word], speaker: str | None, hidden: Sequence[str]) -> list[Cue]:
    """``words`` (one speaker) as cues whose WebVTT line fits :data:`LINE_LIMIT`."""
    if not words:
        return []
    label = None if speaker is None else withhold_label(speaker, hidden)
    room = LINE_LIMIT - (len(f"<v {html.escape(label, quote=False)}>") if label else 0)
    cues: list[Cue] = []
    current: list[tuple[Word, str]] = []

    def flush() -> None:
        if current:
            text = " ".join(t for _w, t in current)
            cues.append(Cue(current[0][0].start, current[-1][0].end, text, label))
            current.clear()

    for word in words:
        for text in _pieces(withhold(word.text, hidden), room):
            line = " ".join([*(t for _w, t in current), text])
            too_long = len(html.escape(line, quote=False)) > room
            if current and (too_long or word.end - current[0][0].start > _MAX_CUE):
                flush()
            current.append((word, text))
    flush()
    return cues


def _pieces(text: str, room: int) -> list[str]:
    """``text`` cut into pieces that fit ``room`` once escaped (a word longer than a line)."""
    pieces: list[str] = []
    piece = ""
    for char in text:
        if piece and len(html.escape(piece + char, quote=False)) > max(room, 8):
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece] if piece else pieces


def render_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT with ``<v Speaker>`` spans; a person's long cue is wrapped into lines of at
    most :data:`LINE_LIMIT` characters (the voice span counts)."""
    lines = ["WEBVTT", ""]
    for cue in cues:
        lines.append(f"{clock_time(cue.start)} --> {clock_time(cue.end)}")
        prefix = f"<v {html.escape(cue.speaker, quote=False)}>" if cue.speaker else ""
        text = html.escape(cue.text.replace("-->", "->"), quote=False)
        lines.extend(_wrap(prefix, text))
        lines.append("")
    return "\n".join(lines)


def _wrap(prefix: str, text: str) -> list[str]:
    out: list[str] = []
    line = prefix
    for word in text.split():
        candidate = f"{line} {word}" if line and line != prefix else f"{line}{word}"
        if len(candidate) > LINE_LIMIT and line and line != prefix:
            out.append(line)
            line = word
        else:
            line = candidate
    if line:
        out.append(line)
    return out or [prefix]


def render_json(cues: Sequence[Cue]) -> str:
    """The Podcasting 2.0 JSON transcript (podcast-namespace docs: transcripts)."""
    segments = []
    for cue in cues:
        item: dict[str, object] = {}
        if cue.speaker:
            item["speaker"] = cue.speaker
        item["startTime"] = round(cue.start, 3)
        item["endTime"] = round(cue.end, 3)
        item["body"] = cue.text
        segments.append(item)
    data = {"version": JSON_VERSION, "segments": segments}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
