"""The transcription stage as the pipeline runs it, for the episodes of a workspace."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from audioarchive.ffmpeg import Tools, probe
from audioarchive.metadata.episode import Episode, EpisodeRecord, load_record
from audioarchive.metadata.machine_transcript import MachineTranscript
from audioarchive.metadata.session import Session, Workspace
from audioarchive.transcribe.channels import dominant_channels
from audioarchive.transcribe.engines import (
    EngineCheck,
    check_engine,
    choose_engine,
    require_engine,
)
from audioarchive.transcribe.index import INDEX_FILE, SpokenHit, search_index, update_index
from audioarchive.transcribe.stage import (
    Progress,
    load_machine_transcript,
    save_machine_transcript,
    transcribe_episode,
    transcript_key,
    transcripts_dir,
)


def wants_machine_transcript(workspace: Workspace, session: Session) -> bool:
    """Transcription is configured for ``session``, and no person's transcript wins over it."""
    choice = choose_engine(workspace.settings, workspace.show, session)
    return choice.enabled and session.transcript is None


def check_transcription(workspace: Workspace, sessions: Iterable[Session]) -> None:
    """Exit 3 (``ModelMissingError``) before any work when a needed recogniser or model is
    missing."""
    for session in sessions:
        if wants_machine_transcript(workspace, session):
            require_engine(choose_engine(workspace.settings, workspace.show, session))


def transcribe_built(
    workspace: Workspace,
    tools: Tools,
    session: Session,
    record: EpisodeRecord | None,
    progress: Progress | None = None,
) -> MachineTranscript | None:
    """Transcribe a built episode's published audio when configured (cached)."""
    if record is None or not wants_machine_transcript(workspace, session):
        return None
    choice = choose_engine(workspace.settings, workspace.show, session)
    paths = workspace.paths
    transcript = transcribe_episode(
        tools,
        paths.state,
        session.id,
        paths.feed / record.media[0].path,
        duration=record.timeline.duration,
        audio_key=record.audio_key,
        choice=choice,
        progress=progress,
    )
    if session.microphones and transcript.channels is None:
        # who spoke on which microphone: read once, kept with the transcript
        parts = [probe(tools, part) for part in session.recording]
        transcript = replace(transcript, channels=dominant_channels(tools, parts))
        save_machine_transcript(paths.state, transcript)
    return transcript


def machine_transcripts(
    workspace: Workspace, episodes: Iterable[Episode]
) -> dict[str, MachineTranscript]:
    """The cached machine transcript of each episode whose current audio has one."""
    out = {}
    for episode in episodes:
        if not wants_machine_transcript(workspace, episode.session):
            continue
        choice = choose_engine(workspace.settings, workspace.show, episode.session)
        key = transcript_key(choice, episode.record.audio_key)
        found = load_machine_transcript(workspace.paths.state, episode.id, key)
        if found is not None:
            out[episode.id] = found
    return out


def spoken_lines(workspace: Workspace, terms: Sequence[str]) -> dict[str, list[SpokenHit]]:
    """Machine-transcript segments holding any of ``terms``, by session (the index is brought
    up to date first: cheap when nothing changed)."""
    keys = {}
    for session in workspace.episodes:
        if not wants_machine_transcript(workspace, session):
            continue  # checked first: no record read for a collection without transcription
        record = load_record(workspace.paths.state, session.id)
        if record is None:
            continue
        choice = choose_engine(workspace.settings, workspace.show, session)
        key = transcript_key(choice, record.audio_key)
        if (transcripts_dir(workspace.paths.state, session.id) / f"{key}.json").is_file():
            keys[session.id] = key
    if not keys and not (workspace.paths.state / INDEX_FILE).is_file():
        return {}  # nothing transcribed: no index to make
    update_index(workspace.paths.state, keys)
    out: dict[str, list[SpokenHit]] = {}
    for hit in search_index(workspace.paths.state, terms):
        out.setdefault(hit.session, []).append(hit)
    return out


def check_workspace(workspace: Workspace) -> list[tuple[str, EngineCheck]]:
    """What ``transcribe --check`` reports: the configured engine, then each session whose
    ``transcription:`` differs, with whether its model is present."""
    out = [("[transcripts]", check_engine(choose_engine(workspace.settings, workspace.show)))]
    seen = {out[0][1].choice}
    for session in workspace.sessions:
        if session.transcription is None:
            continue
        choice = choose_engine(workspace.settings, workspace.show, session)
        if choice not in seen:
            seen.add(choice)
            out.append((session.id, check_engine(choice)))
    return out
