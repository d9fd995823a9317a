"""A programme over 150 s takes the trial-render path (excerpts rendered first, the full
render corrected from them): rendered here end to end, measured on the decoded MP3 (#19)."""

from __future__ import annotations

import json

from audioarchive.audio.process import TRIAL_ABOVE
from audioarchive.ffmpeg import Tools, measure_loudness
from tests.helpers import Ws

SECONDS = 200.0  # over TRIAL_ABOVE once trimmed; three 15 s excerpts fit inside single parts


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
