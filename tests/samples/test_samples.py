"""The repository's own sample workspace, as `make demo` builds it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from audioarchive.ffmpeg import Tools
from tests.helpers import assert_never_named, run_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_sample_workspace_builds_like_make_demo(tmp_path: Path, tools: Tools) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copytree(ROOT / "metadata", ws / "metadata")
    shutil.copyfile(ROOT / "audioarchive.toml", ws / "audioarchive.toml")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_samples.py"), str(ws)], check=True)
    result = run_cli(["--workspace", str(ws), "publish"])
    assert result.exit_code == 0, result.stderr
    assert len(list((ws / "feed").glob("episodes/*/*.mp3"))) == 3
    assert len(list((ws / "archive").glob("*/*.flac"))) == 3
    parsed = feedparser.parse((ws / "feed" / "feed.xml").read_bytes())
    assert len(parsed.entries) == 3
    assert all("outiller" not in e.id for e in parsed.entries)
    index = (ws / "feed" / "index.html").read_text()
    assert "Outiller les luttes" in index
    assert "upcoming" in index
    assert assert_never_named("Habib", (ws / "feed").rglob("*")) > 10
    two_parts = sorted((ws / "recordings" / "2022-10-25-non-recours").glob("ZOOM*.WAV"))
    assert [p.name for p in two_parts] == ["ZOOM0001.WAV", "ZOOM0002.WAV"]
