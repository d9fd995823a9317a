"""A second render is the normal path: the build says nothing about it (#19)."""

from __future__ import annotations

import json

from tests.helpers import Ws


def test_a_normal_second_render_is_not_reported(workspace: Ws) -> None:
    workspace.recording("2022-10-25-a", seconds=5)
    workspace.write_session("2022-10-25-a", date="2022-10-25T19:00:00+02:00", season=1, episode=1)
    result = workspace.run("build")
    assert result.exit_code == 0, result.output
    loudness = json.loads(
        (workspace.root / "archive/2022-10-25-a/2022-10-25-a.loudness.json").read_text()
    )
    assert loudness["renders"] >= 2  # the second render really happened
    assert "rendering again" not in result.stderr
    assert "pass 1" not in result.stderr
    assert "warning" not in result.stderr
    assert result.stderr.splitlines() == ["2022-10-25-a: processing audio"]
