"""``audioarchive times``: speech, pauses, speaker changes; raw ↔ published, on a spoken meeting."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from audioarchive.config import ToolSettings
from audioarchive.ffmpeg import Tools, find_tools, probe
from audioarchive.samples import Meeting, MeetingSpec, default_turns, synthesize_meeting
from tests.helpers import Ws, new_workspace

SESSION = "2023-03-16-rencontre"


@pytest.fixture(scope="module")
def meeting_template(
    tmp_path_factory: pytest.TempPathFactory, tools: Tools
) -> tuple[Path, Meeting]:
    """A workspace with a spoken meeting in two recorder parts, host and a guest 12 dB lower."""
    root = tmp_path_factory.mktemp("times") / "ws"
    ws = new_workspace(root)
    turns = default_turns(quiet_db=12.0)[:3]  # host, guest 12 dB lower, host
    spec = MeetingSpec(turns=turns, lead=4.0, tail=3.0, parts=2, channels=1)
    meeting = synthesize_meeting(tools, ws.root / "recordings" / SESSION / "ZOOM.wav", spec)
    ws.write_session(
        SESSION,
        date="2023-03-16T19:00:00+01:00",
        trim={"start": "0:00:02"},
        chapters=[{"start": "0:00:02", "title": "Accueil"}, {"start": 12.5, "title": "Invitée"}],
        redactions=[{"start": 20, "end": 21.5, "reason": "a name"}],
    )
    return root, meeting


@pytest.fixture
def meeting(meeting_template: tuple[Path, Meeting]) -> tuple[Ws, Meeting]:
    """The shared workspace, read only (its analysis is cached after the first use)."""
    return Ws(meeting_template[0]), meeting_template[1]


def _json(ws: Ws, *args: str) -> dict[str, object]:
    result = ws.run("times", SESSION, "--json", *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_speech_pauses_and_speaker_changes_match_the_spoken_turns(
    meeting: tuple[Ws, Meeting],
) -> None:
    ws, spoken = meeting
    data = _json(ws)
    speech = data["speech"]
    assert isinstance(speech, list)
    # every spoken turn lies in detected speech, and speech begins with the first word
    for cue in spoken.cues:
        assert any(s["start"] - 0.3 <= cue.start and cue.end <= s["end"] + 0.3 for s in speech), (
            cue,
            speech,
        )
    assert abs(speech[0]["start"] - spoken.cues[0].start) < 0.4
    assert abs(speech[-1]["end"] - spoken.cues[-1].end) < 0.6
    # the pauses after the turns are found
    pauses = data["pauses"]
    assert isinstance(pauses, list)
    for before, after in zip(spoken.cues, spoken.cues[1:], strict=False):
        assert any(before.end - 0.4 <= p["start"] and p["end"] <= after.start + 0.4 for p in pauses)
    # host and guest alternate 12 dB apart: each change of speaker is found, and nothing else
    changes = data["speaker_changes"]
    assert isinstance(changes, list)
    turns = [c.start for c, b in zip(spoken.cues[1:], spoken.cues, strict=False)]
    assert len(changes) == len(turns), (changes, turns)
    for found, expected in zip(changes, turns, strict=True):
        assert abs(found - expected) < 0.4
    # the parts end to end: the second begins where the first ends
    parts = data["parts"]
    assert isinstance(parts, list)
    first = probe_duration(ws.root / "recordings" / SESSION / "ZOOM-1.wav")
    assert parts[1]["start"] == pytest.approx(first, abs=0.002)


def probe_duration(path: Path) -> float:
    return probe(find_tools(ToolSettings()), path).duration


def test_the_listing_shows_both_timelines(meeting: tuple[Ws, Meeting]) -> None:
    ws, _ = meeting
    result = ws.run("times", SESSION)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["raw", "published", "what"]
    assert "0:00:02.000 0:00:00.000 trim start" in " ".join(" ".join(lines).split())
    assert any(line.endswith("part 2 begins: ZOOM-2.wav") for line in lines)
    assert any("likely speaker change" in line for line in lines)
    assert any('chapter "Invitée"' in line and "0:00:10.500" in line for line in lines)
    # before the trim, nothing is published
    assert any(line.startswith("0:00:00.000   -") for line in lines), lines


def test_conversions_agree_with_the_built_episode(
    meeting_template: tuple[Path, Meeting], tmp_path: Path
) -> None:
    ws = Ws(tmp_path / "ws")
    shutil.copytree(meeting_template[0], ws.root)
    raw = _json(ws, "--raw", "0:00:12.5")
    assert raw["published"] == 10.5
    assert raw["part"] == "ZOOM-1.wav"
    back = _json(ws, "--published", "10.5")
    assert back["raw"] == 12.5
    # the episode as built puts the guest's chapter at the time `times` gave
    built = ws.run("build")
    assert built.exit_code == 0, built.output
    chapters = json.loads((ws.root / "feed" / "episodes" / SESSION / "chapters.json").read_text())
    assert [c["startTime"] for c in chapters["chapters"]] == [0, raw["published"]]


def test_a_time_in_the_second_part(meeting: tuple[Ws, Meeting]) -> None:
    ws, _ = meeting
    first = probe_duration(ws.root / "recordings" / SESSION / "ZOOM-1.wav")
    within = _json(ws, "--raw", "1", "--part", "ZOOM-2.wav")
    assert within["raw"] == pytest.approx(first + 1, abs=0.001)
    assert within["published"] == pytest.approx(first + 1 - 2, abs=0.001)
    assert within["part"] == "ZOOM-2.wav"
    assert within["part_offset"] == pytest.approx(1.0, abs=0.001)
    heard = _json(ws, "--published", str(first - 2 + 1))
    assert heard["part"] == "ZOOM-2.wav"
    assert heard["part_offset"] == pytest.approx(1.0, abs=0.001)


def test_trimmed_and_redacted_times_are_named(meeting: tuple[Ws, Meeting]) -> None:
    ws, _ = meeting
    cut = ws.run("times", SESSION, "--raw", "0:00:01")
    assert cut.exit_code == 0, cut.output
    assert cut.stdout.strip() == (
        "raw 0:00:01.000 (ZOOM-1.wav at 0:00:01.000) = published -: "
        "cut by the trim (the episode keeps from 0:00:02.000)"
    )
    silenced = ws.run("times", SESSION, "--published", "0:00:19")
    assert silenced.stdout.strip().endswith("= published 0:00:19.000: silenced by redaction 1")


def test_bad_times_are_refused(meeting: tuple[Ws, Meeting]) -> None:
    ws, _ = meeting
    result = ws.run("times", SESSION, "--published", "two minutes")
    assert result.exit_code == 2
    assert '--published "two minutes": expected a time such as 0:02:15' in result.output
    past = ws.run("times", SESSION, "--published", "1:00:00")
    assert past.exit_code == 2
    assert "is past the end of the episode" in past.output
    both = ws.run("times", SESSION, "--raw", "1", "--published", "1")
    assert both.exit_code == 2
    wrong = ws.run("times", SESSION, "--raw", "1", "--part", "ZOOM-9.wav")
    assert wrong.exit_code == 2
    assert "expected one of ZOOM-1.wav, ZOOM-2.wav" in wrong.output
