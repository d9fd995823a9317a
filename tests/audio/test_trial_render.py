"""A programme over 150 s takes the trial-render path (excerpts rendered first, the full
render corrected from them): rendered here end to end, measured on the decoded MP3 (#19),
and with a limiter working hard, where one correction is not enough (#13)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from audioarchive.audio import AudioJob, process_audio
from audioarchive.audio.process import LOUDNESS_TOLERANCE, TRIAL_ABOVE
from audioarchive.config import AudioSettings
from audioarchive.ffmpeg import Tools, measure_loudness, probe
from audioarchive.metadata.session import Trim
from audioarchive.samples import MeetingSpec, default_turns, synthesize_meeting
from tests.helpers import Ws

SECONDS = 200.0  # over TRIAL_ABOVE once trimmed; three 15 s excerpts fit inside single parts
#: A true-peak target far under synthetic speech's peaks at -16 LUFS (dBTP).
CEILING = -2.0


def test_a_long_programme_is_calibrated_on_trial_renders(workspace: Ws, tools: Tools) -> None:
    assert SECONDS > TRIAL_ABOVE + 20
    workspace.recording("2023-03-16-long", seconds=SECONDS, channels=1, rate=48000)
    workspace.write_session(
        "2023-03-16-long", date="2023-03-16T19:00:00+01:00", season=1, episode=1, trim=False
    )
    result = workspace.run("-v", "build")
    assert result.exit_code == 0, result.output
    assert "2023-03-16-long: trial render lost" in result.stderr  # the path really ran
    mp3 = next((workspace.root / "feed/episodes/2023-03-16-long").glob("*.mp3"))
    loud = measure_loudness(tools, mp3)
    assert abs(loud.integrated - -16.0) <= 0.5, loud
    assert loud.true_peak <= -1.0 + 0.05, loud
    report = json.loads(
        (workspace.root / "archive/2023-03-16-long/2023-03-16-long.loudness.json").read_text()
    )
    assert report["renders"] <= 2


def test_the_first_full_render_lands_when_the_limiter_takes_much(
    tools: Tools, tmp_path: Path
) -> None:
    """A true-peak target 1 dB lower than the default: the limiter takes more the higher the
    gain, so a correction measured at one gain falls short at the next (0.6 LU here: the
    old single trial rendered twice). The second trial must put the first full render
    within the tolerance."""
    out = tmp_path / "ZOOM.WAV"
    spec = MeetingSpec(turns=default_turns(quiet_db=15.0), lead=4.0, tail=3.0, minutes=3.5)
    meeting = synthesize_meeting(tools, out, spec)
    profile = replace(AudioSettings(), true_peak=CEILING)
    job = AudioJob(
        session_id="limited",
        parts=tuple(probe(tools, p) for p in meeting.parts),
        trim=Trim(),
        redactions=(),
        profile=profile,
        workdir=tmp_path / "work",
        want_master=False,
    )
    result = process_audio(tools, job)
    assert result.report.renders == 1, result.report.notes
    assert result.report.limiter_max_reduction > 3.0  # the limiter really worked hard
    loud = measure_loudness(tools, result.public["mp3"])
    assert abs(loud.integrated - -16.0) <= LOUDNESS_TOLERANCE + 0.05, loud
    assert loud.true_peak <= CEILING + 0.05, loud
