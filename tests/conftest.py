"""Shared fixtures. Tests make their own audio with ffmpeg (lavfi) into temporary folders."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from audioarchive.config import ToolSettings
from audioarchive.ffmpeg import Tools, find_tools
from tests.helpers import Ws, copy_workspace, new_workspace

# Property tests: the same examples on every run of `make test` (derandomized, no example
# database), so the suite never passes or fails at random; examples found by exploration are
# pinned with @example. `make fuzz` explores at random with many more examples.
hypothesis_settings.register_profile("deterministic", derandomize=True, database=None)
hypothesis_settings.register_profile(
    "fuzz",
    derandomize=False,
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")),
    deadline=None,
)
FUZZING = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
hypothesis_settings.load_profile("fuzz" if FUZZING else "deterministic")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `make fuzz`, only the property tests run."""
    if not FUZZING:
        return
    keep = [i for i in items if getattr(getattr(i, "obj", None), "is_hypothesis_test", False)]
    config.hook.pytest_deselected(items=[i for i in items if i not in keep])
    items[:] = keep


def pytest_report_header() -> list[str]:
    if shutil.which("ffmpeg") is None:
        return ["ffmpeg: not found"]
    first = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, check=False)
    return [f"ffmpeg: {first.stdout.splitlines()[0] if first.stdout else 'unknown'}"]


@pytest.fixture(scope="session")
def tools() -> Tools:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    return find_tools(ToolSettings())


@pytest.fixture
def workspace(tmp_path: Path, tools: Tools) -> Ws:
    """An empty workspace: show, artwork, no session."""
    return new_workspace(tmp_path / "ws")


@pytest.fixture(scope="session")
def built_template(tmp_path_factory: pytest.TempPathFactory, tools: Tools) -> Path:
    """A workspace with three recorded sessions (one in two parts) and one upcoming, built once."""
    root = tmp_path_factory.mktemp("built") / "ws"
    ws = new_workspace(root)
    ws.recording("2022-10-25-a", "ZOOM0001.WAV", seconds=5)
    ws.recording("2022-10-25-a", "ZOOM0002.WAV", seconds=4, frequency=300, volume_db=-32)
    ws.write_session(
        "2022-10-25-a",
        date="2022-10-25T19:00:00+02:00",
        season=1,
        episode=1,
        speakers=[
            {"name": "Clara Deville", "role": "guest", "affiliation": "sociologue"},
            {"name": "Habib", "role": "guest", "publish_name": False},
        ],
        chapters=[{"start": "0:00:00", "title": "Intro"}, {"start": "0:00:05", "title": "Guest"}],
        redactions=[{"start": 6, "end": 7, "reason": "asked"}],
        description="Avec Clara Deville et un militant.",
    )
    ws.recording(
        "2022-11-24-b", "meeting.flac", seconds=4, channels=1, rate=44100, codec=("-c:a", "flac")
    )
    ws.write_session("2022-11-24-b", date="2022-11-24T19:00:00+01:00", season=1, episode=2)
    ws.recording(
        "2023-01-19-c", "phone.m4a", seconds=4, channels=1, codec=("-c:a", "aac", "-b:a", "96k")
    )
    ws.write_session("2023-01-19-c", date="2023-01-19T19:00:00+01:00", season=1, episode=3)
    ws.write_session("2023-02-d", season=1, episode=4, title="Upcoming <meeting>")
    result = ws.run("build")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def built(built_template: Path, tmp_path: Path) -> Ws:
    """A private copy of the built workspace, safe to modify."""
    return copy_workspace(built_template, tmp_path / "ws")
