"""Machine segments → public cues: speakers from the turns, redacted words dropped,
withheld names, lines of at most 65 characters; the three file formats."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from audioarchive.metadata.episode import Episode, EpisodeRecord
from audioarchive.metadata.machine_transcript import MachineTranscript, Segment, Word
from audioarchive.metadata.privacy import ANONYMOUS
from audioarchive.metadata.session import Person, Redaction, Session, SpeakerTurn
from audioarchive.metadata.timeline import Timeline
from audioarchive.metadata.transcript import Cue, parse_vtt
from audioarchive.transcribe.public import LINE_LIMIT, machine_cues, render_json, render_vtt


def _episode(timeline: Timeline, **fields: object) -> Episode:
    session = Session(id="s", title="S", source=Path("s.yaml"), **fields)  # type: ignore[arg-type]
    record = EpisodeRecord("s", "a", "t", timeline, (), None, ())
    return Episode(session, record)


def _words(text: str, start: float, step: float = 0.4) -> tuple[Word, ...]:
    return tuple(
        Word(round(start + i * step, 3), round(start + (i + 1) * step - 0.05, 3), w)
        for i, w in enumerate(text.split())
    )


def _machine(*segments: tuple[float, str]) -> MachineTranscript:
    out = []
    for start, text in segments:
        words = _words(text, start)
        out.append(Segment(words[0].start, words[-1].end, text, words))
    return MachineTranscript("s", "k", "pocketsphinx", "en-us", "en", tuple(out))


def test_turns_name_the_speakers_and_redactions_drop_words() -> None:
    # raw recording: 10 s trimmed at the start, a 5 s intro: published = raw - 10 + 5
    timeline = Timeline(start=10.0, end=100.0, intro=5.0)
    episode = _episode(
        timeline,
        speakers=(Person("Alice Martin", "host"), Person("Habib", publish_name=False)),
        turns=(SpeakerTurn(0.0, "Alice Martin"), SpeakerTurn(20.0, "Habib")),
        redactions=(Redaction(12.0, 13.0, "asked"),),  # published 7.0 - 8.0
    )
    machine = _machine((6.0, "one two three four five six seven"), (15.2, "merci Habib pour tout"))
    cues = machine_cues(machine, episode)
    # a word every 0.4 s from 6.0: "three" (6.8-7.15) to "five" (7.6-7.95) touch 7.0-8.0
    kept = [c.text for c in cues]
    assert kept == ["one two", "six seven", f"merci {ANONYMOUS} pour tout"]
    assert [c.speaker for c in cues] == ["Alice Martin", "Alice Martin", ANONYMOUS]
    for cue in cues:
        assert cue.end <= 7.0 or cue.start >= 8.0


def test_no_turns_no_speaker() -> None:
    cues = machine_cues(_machine((1.0, "hello there")), _episode(Timeline(0.0, 10.0)))
    assert cues == (Cue(1.0, 1.75, "hello there", None),)


@given(
    st.lists(st.text(alphabet="abcdefghij<&", min_size=1, max_size=14), min_size=1, max_size=60),
    st.sampled_from(["Alice Martin", "Marie-Christine de La Tour-Maubourg", "A"]),
)
def test_every_vtt_line_fits(words: list[str], speaker: str) -> None:
    episode = _episode(
        Timeline(0.0, 1000.0),
        speakers=(Person(speaker),),
        turns=(SpeakerTurn(0.0, speaker),),
    )
    cues = machine_cues(_machine((0.0, " ".join(words))), episode)
    said = "".join(c.text for c in cues).replace(" ", "")
    assert said == "".join(words)  # nothing lost, order kept (a word too long is cut)
    text = render_vtt(cues)
    assert all(len(line) <= LINE_LIMIT for line in text.splitlines()), text
    assert [c.text for c in parse_vtt(text)] == [c.text for c in cues]


def test_a_person_long_cue_is_wrapped() -> None:
    long = " ".join(["mot"] * 60)
    text = render_vtt([Cue(0.0, 9.0, long, "Clara Deville")])
    lines = text.splitlines()[3:-1]
    assert len(lines) > 2
    assert lines[0].startswith("<v Clara Deville>mot")
    assert all(len(line) <= LINE_LIMIT for line in lines)
    assert parse_vtt(text)[0].text.split() == long.split()


def test_json_transcript() -> None:
    data = json.loads(render_json([Cue(1.0, 2.5, "Bonjour", "Clara"), Cue(3.0, 4.0, "Oui")]))
    assert data == {
        "version": "1.0.0",
        "segments": [
            {"speaker": "Clara", "startTime": 1.0, "endTime": 2.5, "body": "Bonjour"},
            {"startTime": 3.0, "endTime": 4.0, "body": "Oui"},
        ],
    }
