"""The transcription stage: an episode's published audio → a cached machine transcript.

Run on the processed audio (the published timeline: trims, intro and outro
already in place, redactions silenced), so every time it gives is a published
time. The result is cached by the audio's key with the engine, model and
language (``.audioarchive/transcripts/<id>/<key>.json``): the same audio is never
transcribed twice. While it runs, each finished segment is appended to
``<key>.partial.jsonl``; a killed run resumes after the last one saved. The
audio is streamed from ffmpeg, so memory does not grow with the recording.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

from audioarchive.common.writing import write_atomic
from audioarchive.ffmpeg import Tools, decode_speech
from audioarchive.metadata.machine_transcript import MachineTranscript, Segment
from audioarchive.transcribe.engines import EngineChoice, open_engine

log = logging.getLogger(__name__)

#: Bump when a change of this stage must redo every transcript.
TRANSCRIBE_VERSION = 1
Progress = Callable[[float], None]


def transcript_key(choice: EngineChoice, audio_key: str) -> str:
    blob = json.dumps(
        [TRANSCRIBE_VERSION, audio_key, choice.engine, choice.model, choice.language]
    ).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


def transcripts_dir(state: Path, session_id: str) -> Path:
    return state / "transcripts" / session_id


def load_machine_transcript(state: Path, session_id: str, key: str) -> MachineTranscript | None:
    """The cached transcript for ``key``, or ``None`` when there is none (or it is unreadable)."""
    path = transcripts_dir(state, session_id) / f"{key}.json"
    try:
        return MachineTranscript.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_machine_transcript(state: Path, transcript: MachineTranscript) -> None:
    text = json.dumps(transcript.to_json(), ensure_ascii=False, indent=1) + "\n"
    path = transcripts_dir(state, transcript.session_id) / f"{transcript.key}.json"
    write_atomic(path, text.encode("utf-8"))


def transcribe_episode(
    tools: Tools,
    state: Path,
    session_id: str,
    audio: Path,
    *,
    duration: float,
    audio_key: str,
    choice: EngineChoice,
    progress: Progress | None = None,
) -> MachineTranscript:
    """The machine transcript of ``audio`` (cached; resumed when a run was interrupted)."""
    key = transcript_key(choice, audio_key)
    cached = load_machine_transcript(state, session_id, key)
    if cached is not None:
        return cached
    folder = transcripts_dir(state, session_id)
    partial = folder / f"{key}.partial.jsonl"
    done = _resume(partial)
    offset = done[-1].end if done else 0.0
    if done:
        log.info("%s: resuming the transcription at %.1f s", session_id, offset)
    notify = progress or (lambda _f: None)
    notify(min(1.0, offset / duration) if duration else 0.0)
    engine = open_engine(choice)
    with (
        partial.open("a", encoding="utf-8") as out,
        decode_speech(tools, audio, offset=offset) as decoder,
    ):
        for segment in engine.transcribe(decoder.stdout, offset):
            out.write(json.dumps(segment.to_json(), ensure_ascii=False) + "\n")
            out.flush()
            done.append(segment)
            if duration:
                notify(min(1.0, segment.end / duration))
        decoder.finish()
    transcript = MachineTranscript(
        session_id, key, choice.engine, choice.model, choice.language, tuple(done)
    )
    save_machine_transcript(state, transcript)
    for old in folder.iterdir():
        if not old.name.startswith(key):
            old.unlink(missing_ok=True)  # transcripts of audio that is no longer published
    partial.unlink(missing_ok=True)
    notify(1.0)
    return transcript


def _resume(partial: Path) -> list[Segment]:
    """The segments a killed run saved; the file is rewritten without a torn last line."""
    partial.parent.mkdir(parents=True, exist_ok=True)
    if not partial.is_file():
        return []
    segments: list[Segment] = []
    for line in partial.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            segments.append(Segment.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            break  # the line being written when the run was killed
    lines = "".join(json.dumps(s.to_json(), ensure_ascii=False) + "\n" for s in segments)
    write_atomic(partial, lines.encode("utf-8"))
    return segments
