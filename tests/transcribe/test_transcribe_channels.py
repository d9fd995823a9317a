"""Speakers from microphones: a recorder that kept one microphone per channel tells who
spoke when (read from real audio with ffmpeg), and machine cues take their names."""

from __future__ import annotations

from pathlib import Path

from audioarchive.ffmpeg import Tools, probe
from audioarchive.metadata.episode import Episode, EpisodeRecord
from audioarchive.metadata.machine_transcript import MachineTranscript, Segment, Word
from audioarchive.metadata.session import Person, Session, SpeakerTurn
from audioarchive.metadata.timeline import Timeline
from audioarchive.transcribe.channels import FRAME, dominant_channels, speaker_of
from audioarchive.transcribe.public import machine_cues
from tests.helpers import ffmpeg


def _two_mics(path: Path, start: float, seconds: float) -> Path:
    """Left mic speaks 0-2 s, right mic 3-5 s, both 6-7 s (times from ``start``), each
    heard 20 dB lower on the other one, over room tone."""

    def gate(*spans: tuple[float, float]) -> str:
        return "+".join(f"between(t+{start},{a},{b})" for a, b in spans)

    graph = (
        f"sine=f=300:d={seconds}:sample_rate=48000,volume='({gate((0, 2), (6, 7))})*0.9+"
        f"({gate((3, 5))})*0.09':eval=frame[l];"
        f"sine=f=500:d={seconds}:sample_rate=48000,volume='({gate((3, 5), (6, 7))})*0.9+"
        f"({gate((0, 2))})*0.09':eval=frame[r];"
        "[l][r]join=inputs=2:channel_layout=stereo[s];"
        f"anoisesrc=color=pink:amplitude=0.001:d={seconds}:sample_rate=48000,"
        "aformat=channel_layouts=stereo[n];[s][n]amix=inputs=2:normalize=0"
    )
    ffmpeg("-filter_complex", graph, "-c:a", "pcm_s16le", str(path))
    return path


def test_dominant_channels_of_a_two_part_recording(tools: Tools, tmp_path: Path) -> None:
    parts = [
        probe(tools, _two_mics(tmp_path / "ZOOM0001.WAV", 0.0, 4.0)),
        probe(tools, _two_mics(tmp_path / "ZOOM0002.WAV", 4.0, 4.0)),
    ]
    dominant = dominant_channels(tools, parts)
    assert len(dominant) == round(8.0 / FRAME)

    def frames(a: float, b: float) -> set[int]:
        return set(dominant[round(a / FRAME) : round(b / FRAME)])

    assert frames(0.2, 1.8) == {0}
    assert frames(3.2, 4.8) == {1}  # across the join
    assert frames(6.2, 6.8) == {-1}  # both at once: nobody is named
    assert frames(2.2, 2.8) == {-1}  # room tone
    mics = ("Alice Martin", "Bob Leroy")
    assert speaker_of(dominant, mics, 0.5, 1.5) == "Alice Martin"
    assert speaker_of(dominant, mics, 3.9, 4.4) == "Bob Leroy"
    assert speaker_of(dominant, mics, 6.1, 6.9) is None


def test_microphones_name_the_machine_cues() -> None:
    dominant = (0,) * 30 + (-1,) * 10 + (1,) * 30  # raw: Alice 0-3 s, Bob 4-7 s
    session = Session(
        id="s",
        title="S",
        source=Path("s.yaml"),
        speakers=(Person("Alice Martin"), Person("Bob Leroy")),
        microphones=("Alice Martin", "Bob Leroy"),
        turns=(SpeakerTurn(0.0, "Bob Leroy"),),  # microphones win over turns
    )
    timeline = Timeline(start=1.0, end=7.0, intro=2.0)  # published = raw - 1 + 2
    episode = Episode(session, EpisodeRecord("s", "a", "t", timeline, (), None, ()))
    words = (Word(2.5, 3.0, "hello"), Word(3.1, 3.6, "there"), Word(6.0, 6.5, "yes"))
    machine = MachineTranscript(
        "s", "k", "pocketsphinx", "en-us", "en", (Segment(2.5, 6.5, "", words),), dominant
    )
    cues = machine_cues(machine, episode)
    assert [(c.speaker, c.text) for c in cues] == [
        ("Alice Martin", "hello there"),
        ("Bob Leroy", "yes"),
    ]
