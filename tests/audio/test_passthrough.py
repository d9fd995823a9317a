"""An MP3 source already at target is published without a second encode; others are levelled."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from audioarchive.config import ToolSettings
from audioarchive.ffmpeg import find_tools, measure_loudness
from tests.helpers import ffmpeg, make_tone, new_workspace

TARGET = -16.0


def frames_md5(path: Path) -> str:
    """A checksum of the MP3's audio frames as stored (not decoded): equal means copied."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a", "-c", "copy", "-f", "md5", "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def mp3_at(path: Path, lufs: float, tmp: Path) -> Path:
    tools = find_tools(ToolSettings())
    wav = make_tone(tmp / f"{path.stem}.wav", seconds=3, rate=44100, channels=1)
    gain = lufs - measure_loudness(tools, wav).integrated
    path.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg(
        "-i",
        str(wav),
        "-af",
        f"volume={gain:.2f}dB",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "96k",
        str(path),
    )
    return path


def test_mp3_at_target_is_passed_through_and_a_quiet_one_levelled(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    at_target = mp3_at(ws.root / "recordings" / "2023-03-16-ok" / "ep.mp3", TARGET, tmp_path)
    quiet = mp3_at(ws.root / "recordings" / "2023-03-17-quiet" / "ep.mp3", -27.0, tmp_path)
    for session in ("2023-03-16-ok", "2023-03-17-quiet"):
        ws.write_session(session, date=f"{session[:10]}T19:00:00+01:00", trim=False)
    result = ws.run("build")
    assert result.exit_code == 0, result.output

    tools = find_tools(ToolSettings())
    published = {p.parent.name: p for p in (ws.root / "feed" / "episodes").glob("*/*.mp3")}
    assert frames_md5(published["2023-03-16-ok"]) == frames_md5(at_target)
    record = json.loads((ws.root / ".audioarchive/state/2023-03-16-ok.json").read_text())
    assert record["loudness"]["renders"] == 0
    assert "passed through" in record["loudness"]["notes"][0]

    assert frames_md5(published["2023-03-17-quiet"]) != frames_md5(quiet)
    levelled = measure_loudness(tools, published["2023-03-17-quiet"])
    assert abs(levelled.integrated - TARGET) <= 0.5
    assert levelled.true_peak <= -1.0
