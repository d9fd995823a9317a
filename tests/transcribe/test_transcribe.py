"""Machine transcripts, end to end, with a real recogniser: PyPI pocketsphinx (its English
model ships in the package) on English speech made with espeak-ng.

One English session is built once for the module (a few sentences): the contract on the
recogniser's words and times, the transcript files, the feed, the redaction, search, the
cache and the resumption are all read from it. The same contract runs against
faster-whisper when ``AUDIOARCHIVE_TEST_WHISPER_MODEL`` names a model folder.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest

from audioarchive.config import Settings, ToolSettings, TranscriptSettings, load_settings
from audioarchive.ffmpeg import Tools
from audioarchive.metadata.machine_transcript import MachineTranscript, Segment, Word
from audioarchive.metadata.transcript import parse_srt, parse_vtt
from audioarchive.samples import MeetingSpec, Turn, synthesize_meeting
from audioarchive.transcribe.engines import EngineChoice
from audioarchive.transcribe.stage import transcribe_episode
from tests.helpers import SHOW, Ws, new_workspace

pytest.importorskip("pocketsphinx", reason="pip install -e '.[test]' installs pocketsphinx")

SID = "2024-03-14-council"
HOST, GUEST = "Alice Martin", "Bob Leroy"
SENTENCE = "The council will meet again next week."  # pocketsphinx hears "council", "week"
TURNS = (
    Turn(SENTENCE, "host", "en-us", -3.0, 1.2),
    Turn("Housing is the main problem in this city.", "guest", "en-us", -3.0, 1.2),
    Turn(SENTENCE, "host", "en-us", -3.0, 1.0),
)
TOML = '[site]\nbase_url = "http://localhost:8000"\n\n[transcripts]\nengine = "pocketsphinx"\n'


@dataclass(frozen=True)
class English:
    ws: Ws
    starts: tuple[float, ...]  # raw (= published: no trim, no intro) start of each turn
    ends: tuple[float, ...]


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory, tools: Tools) -> English:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/system-deps.sh optional:espeak-ng)")
    root = tmp_path_factory.mktemp("transcribe") / "ws"
    ws = new_workspace(root, {**SHOW, "language": "en"}, TOML)
    spec = MeetingSpec(turns=TURNS, lead=1.0, tail=1.0, rate=44100, channels=1, bits=16)
    meeting = synthesize_meeting(tools, root / "recordings" / SID / "meeting.wav", spec)
    starts = tuple(c.start for c in meeting.cues)
    ends = tuple(c.end for c in meeting.cues)
    ws.write_session(
        SID,
        title="The budget meeting",
        date="2024-03-14T19:00:00+01:00",
        speakers=[{"name": HOST, "role": "host"}, {"name": GUEST, "publish_name": False}],
        turns=[
            {"start": 0, "speaker": HOST},
            {"start": starts[1] - 0.3, "speaker": GUEST},
            {"start": ends[1] + 0.3, "speaker": HOST},
        ],
        redactions=[{"start": starts[1] - 0.3, "end": ends[1] + 0.3, "reason": "off the record"}],
        trim=False,
    )
    result = ws.run("build")
    assert result.exit_code == 0, result.output
    return English(ws, starts, ends)


def _machine(english: English) -> MachineTranscript:
    folder = english.ws.root / ".audioarchive" / "transcripts" / SID
    (path,) = [p for p in folder.iterdir() if p.suffix == ".json"]
    return MachineTranscript.from_json(json.loads(path.read_text(encoding="utf-8")))


def _words(transcript: MachineTranscript) -> list[Word]:
    return [w for s in transcript.segments for w in s.words]


def _contract(words: list[Word], english: English) -> None:
    """What a recogniser must get right on the host's two turns (the same sentence):
    each begins with "the" within a second of where it was spoken; "council" (about
    0.3 s in) and "week" (its last word) are heard within a second of their place, in
    that order, at least once (pocketsphinx on espeak-ng misses words, not times)."""
    times = [w.start for w in words]
    assert times == sorted(times)
    councils, weeks = [], []
    for turn in (0, 2):
        start, end = english.starts[turn], english.ends[turn]
        said = [w for w in words if start - 1.0 <= w.start <= end + 1.0]
        text = [w.text.lower().strip(".,") for w in said]
        assert text, (turn, words)
        assert text[0] == "the", (turn, said)
        assert abs(said[0].start - start) < 1.0, (turn, said[0])
        councils += [w for w, t in zip(said, text, strict=True) if t == "council"]
        weeks += [w for w, t in zip(said, text, strict=True) if t == "week"]
        for council in (w for w, t in zip(said, text, strict=True) if t == "council"):
            assert abs(council.start - (start + 0.3)) < 1.0, (council, start)
            assert all(council.start < w.start for w in said if w.text == "week")
        for week in (w for w, t in zip(said, text, strict=True) if t == "week"):
            assert abs(week.end - end) < 1.0, (week, end)
    assert councils, words
    assert weeks, words


def test_pocketsphinx_contract(english: English) -> None:
    transcript = _machine(english)
    assert (transcript.engine, transcript.model, transcript.language) == (
        "pocketsphinx",
        "en-us",
        "en",
    )
    _contract(_words(transcript), english)


@pytest.mark.skipif(
    not os.environ.get("AUDIOARCHIVE_TEST_WHISPER_MODEL"),
    reason="AUDIOARCHIVE_TEST_WHISPER_MODEL does not name a faster-whisper model folder",
)
def test_faster_whisper_contract(english: English, tools: Tools, tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper", reason="pip install -e '.[whisper]'")
    folder = Path(os.environ["AUDIOARCHIVE_TEST_WHISPER_MODEL"])
    choice = EngineChoice("faster-whisper", folder.name, "en", folder)
    audio = next((english.ws.root / "feed" / "episodes" / SID).glob("*.mp3"))
    transcript = transcribe_episode(
        tools, tmp_path, SID, audio, duration=10.0, audio_key="whisper", choice=choice
    )
    _contract(_words(transcript), english)


def _feed_file(english: English, name: str) -> str:
    return (english.ws.root / "feed" / "episodes" / SID / name).read_text(encoding="utf-8")


def test_webvtt_voice_spans_and_short_lines(english: English) -> None:
    text = _feed_file(english, "transcript.vtt")
    lines = text.splitlines()
    assert lines[0] == "WEBVTT"
    assert all(len(line) <= 65 for line in lines), [x for x in lines if len(x) > 65]
    cues = parse_vtt(text)
    assert cues
    assert {c.speaker for c in cues} == {HOST}  # the guest's turn is redacted
    assert any(line.startswith(f"<v {HOST}>") for line in lines)
    assert any("council" in c.text for c in cues)
    srt = parse_srt(_feed_file(english, "transcript.srt"))
    assert [(c.start, c.text) for c in srt] == [(c.start, c.text) for c in cues]


def test_redacted_passage_is_absent(english: English) -> None:
    start, end = english.starts[1] - 0.3, english.ends[1] + 0.3
    for name in ("transcript.vtt", "transcript.srt", "transcript.json"):
        assert "housing" not in _feed_file(english, name).lower()
    for cue in parse_vtt(_feed_file(english, "transcript.vtt")):
        assert cue.end <= start or cue.start >= end, cue


def test_json_transcript_and_feed_entries(english: English) -> None:
    data = json.loads(_feed_file(english, "transcript.json"))
    assert data["version"] == "1.0.0"
    segments = data["segments"]
    assert segments
    assert all(s["speaker"] == HOST for s in segments)
    assert all(s["startTime"] < s["endTime"] for s in segments)
    assert any("council" in s["body"] for s in segments)
    parsed = feedparser.parse((english.ws.root / "feed" / "feed.xml").read_bytes())
    assert not parsed.bozo
    (entry,) = parsed.entries
    base = f"http://localhost:8000/episodes/{SID}/transcript"
    # feedparser keeps the attributes of the last podcast:transcript; read them all as XML too
    assert entry.podcast_transcript == {
        "url": f"{base}.srt",
        "type": "application/x-subrip",
        "language": "en",
        "rel": "captions",
    }
    feed = (english.ws.root / "feed" / "feed.xml").read_text(encoding="utf-8")
    for suffix, kind in (("vtt", "text/vtt"), ("json", "application/json")):
        assert f'url="{base}.{suffix}" type="{kind}"' in feed


def test_page_says_machine_transcript(english: English) -> None:
    page = _feed_file(english, "index.html")
    assert "Transcribed automatically by pocketsphinx (en-us)" in page
    assert 'href="transcript.json"' in page
    assert "data-seek=" in page
    assert "Housing" not in page
    assert GUEST not in page


def test_pages_search_index_holds_the_public_transcript(english: English) -> None:
    feed = english.ws.root / "feed"
    (index,) = (feed / "assets").glob("said-*.js")
    text = index.read_text(encoding="utf-8")
    assert text.startswith("window.audioarchiveSaid = {")
    assert "council" in text
    assert "housing" not in text.lower()  # redacted
    assert GUEST not in text
    page = (feed / "search" / "index.html").read_text(encoding="utf-8")
    assert f'src="../{index.relative_to(feed).as_posix()}"' in page
    assert f'href="../episodes/{SID}/index.html#transcript"' in page  # readable without JavaScript


def test_search_finds_a_spoken_word_with_its_time(english: English) -> None:
    result = english.ws.run("search", "COUNCIL", "--json")
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.stdout)
    spoken = [h for h in found["hits"] if h["field"] == "transcript"]
    assert spoken
    assert {h["session"] for h in spoken} == {SID}
    said = (english.starts[0], english.starts[2])  # where the host said "council"
    assert all(min(abs(h["time"] - t) for t in said) < 2.0 for h in spoken), spoken
    assert all("council" in h["text"].lower() for h in spoken)
    assert (english.ws.root / ".audioarchive" / "search.sqlite").is_file()
    text = english.ws.run("search", "council")
    assert f"{SID}\t2024-03-14\tThe budget meeting" in text.stdout
    assert "transcript 0:00:0" in text.stdout


def test_nothing_is_transcribed_twice(english: English, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(english.ws.root, root, symlinks=True)
    ws = Ws(root)
    cached = next((root / ".audioarchive" / "transcripts" / SID).glob("*.json"))
    before = cached.stat().st_mtime_ns
    result = ws.run("build", "--json")
    assert result.exit_code == 0, result.output
    assert cached.stat().st_mtime_ns == before
    assert not list(cached.parent.glob("*.partial.jsonl"))


def test_a_killed_transcription_resumes(english: English, tmp_path: Path) -> None:
    """A run killed after its first segment leaves it in the partial file: the next run
    keeps it (here marked, to tell) and transcribes only what follows."""
    root = tmp_path / "ws"
    shutil.copytree(english.ws.root, root, symlinks=True)
    folder = root / ".audioarchive" / "transcripts" / SID
    cached = next(folder.glob("*.json"))
    whole = MachineTranscript.from_json(json.loads(cached.read_text(encoding="utf-8")))
    first = whole.segments[0]
    marked = Segment(first.start, first.end, "marked", (Word(first.start, first.end, "marked"),))
    partial = folder / f"{whole.key}.partial.jsonl"
    partial.write_text(json.dumps(marked.to_json()) + '\n{"start": 3.1, "te', encoding="utf-8")
    cached.unlink()
    result = Ws(root).run("build")
    assert result.exit_code == 0, result.output
    resumed = MachineTranscript.from_json(json.loads(cached.read_text(encoding="utf-8")))
    assert resumed.segments[0] == marked
    assert [s.start for s in resumed.segments[1:]] == [s.start for s in whole.segments[1:]]
    assert not partial.exists()


def test_a_person_transcript_wins(english: English, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(english.ws.root, root, symlinks=True)
    ws = Ws(root)
    vtt = f"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v {HOST}>Written by hand.\n"
    (root / "recordings" / SID / "transcript.vtt").write_text(vtt, encoding="utf-8")
    session = ws.sessions / f"{SID}.yaml"
    session.write_text(
        session.read_text(encoding="utf-8") + "transcript: transcript.vtt\n", encoding="utf-8"
    )
    assert ws.run("build").exit_code == 0
    page = (root / "feed" / "episodes" / SID / "index.html").read_text(encoding="utf-8")
    assert "Written by hand." in page
    assert "Transcribed automatically" not in page
    assert [c.text for c in parse_vtt(_read(root, "transcript.vtt"))] == ["Written by hand."]


def _read(root: Path, name: str) -> str:
    return (root / "feed" / "episodes" / SID / name).read_text(encoding="utf-8")


# --- settings and the missing model --------------------------------------------------------


def test_missing_whisper_model_exit_3(workspace: Ws) -> None:
    (workspace.root / "audioarchive.toml").write_text(
        '[transcripts]\nengine = "faster-whisper"\nmodel = "large-v3"\n', encoding="utf-8"
    )
    workspace.recording("2024-01-01-a", seconds=2)
    workspace.write_session("2024-01-01-a", date="2024-01-01T19:00:00+01:00")
    folder = (workspace.root / ".audioarchive" / "models" / "large-v3").resolve()
    for args in (("build",), ("transcribe", "--check")):
        result = workspace.run(*args)
        assert result.exit_code == 3, result.output
        assert "large-v3" in result.output
        assert str(folder) in result.output
        assert "Traceback" not in result.output
    assert not (workspace.root / "feed" / "episodes").exists()  # nothing was done


def test_check_reports_a_ready_engine(workspace: Ws) -> None:
    (workspace.root / "audioarchive.toml").write_text(
        '[transcripts]\nengine = "pocketsphinx"\nlanguage = "en"\n', encoding="utf-8"
    )
    result = workspace.run("transcribe", "--check", "--json")
    assert result.exit_code == 0, result.output
    (check,) = json.loads(result.stdout)
    assert (check["engine"], check["model"], check["ready"]) == ("pocketsphinx", "en-us", True)


def test_pocketsphinx_refuses_a_french_show(workspace: Ws) -> None:
    (workspace.root / "audioarchive.toml").write_text(
        '[transcripts]\nengine = "pocketsphinx"\n', encoding="utf-8"
    )
    result = workspace.run("transcribe", "--check")
    assert result.exit_code == 3
    assert 'English model only; the language is "fr"' in result.output


def test_transcript_settings(tmp_path: Path) -> None:
    (tmp_path / "audioarchive.toml").write_text(
        '[transcripts]\nengine = "faster-whisper"\nmodel = "small"\n', encoding="utf-8"
    )
    settings: Settings = load_settings(tmp_path, {"AUDIOARCHIVE_TRANSCRIPTS_LANGUAGE": "fr"})
    assert settings.transcripts == TranscriptSettings("faster-whisper", "small", "fr")
    assert settings.tools == ToolSettings()
    (tmp_path / "audioarchive.toml").write_text('[transcripts]\nengine = "whisper"\n')
    with pytest.raises(Exception, match='engine: found "whisper"'):
        load_settings(tmp_path, {})


def test_turns_and_microphones_name_only_the_sessions_speakers(workspace: Ws) -> None:
    workspace.recording("2024-01-01-a", seconds=2)
    workspace.write_session(
        "2024-01-01-a",
        date="2024-01-01T19:00:00+01:00",
        speakers=[{"name": HOST}],
        turns=[{"start": 0, "speaker": "Alice Martn"}],
        microphones=[HOST, "Someone Else"],
        transcription={"engine": "whisper"},
    )
    result = workspace.run("validate")
    assert result.exit_code == 2, result.output
    assert (
        'turns[0].speaker: found "Alice Martn"; expected the name of one of this session\'s '
        'speakers; did you mean "Alice Martin"?' in result.output
    )
    assert 'microphones[1]: found "Someone Else"' in result.output
    assert 'transcription.engine: found "whisper"' in result.output
