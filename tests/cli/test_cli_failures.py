"""A failing command ends with its own summary and exit code: never "internal error" (#19)."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result

from tests.helpers import Ws, ffmpeg

SILENT_ID = "2024-06-01-silence"


def _silent_recording(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "3", str(path))
    return path


def _assert_own_ending(result: Result, code: int) -> None:
    everything = result.stdout + result.stderr
    assert result.exit_code == code, everything
    assert "internal error" not in everything
    assert "Exit:" not in everything
    assert "Traceback" not in everything


def test_a_failed_build_says_its_error_once_and_exits_1(built: Ws) -> None:
    _silent_recording(built.root / "recordings" / SILENT_ID / "silence.wav")
    built.write_session(SILENT_ID, date="2024-06-01T19:00:00+02:00", season=1, episode=5)
    result = built.run("build")
    _assert_own_ending(result, 1)
    everything = result.stdout + result.stderr
    assert everything.count("the recording is silent") == 1, everything
    assert f"{SILENT_ID}: {SILENT_ID}" not in everything
    assert f"error: {SILENT_ID}: the recording is silent (silence.wav" in result.stderr
    assert f"{SILENT_ID}  FAILED" in result.stdout
    # the last line on stderr is the error itself: nothing follows the command's own summary
    assert result.stderr.splitlines()[-1].startswith(f"error: {SILENT_ID}: ")


def test_a_failed_ingest_ends_with_its_summary(built: Ws, tmp_path: Path) -> None:
    source = _silent_recording(tmp_path / "card" / "ZOOM0009.WAV")
    built.write_session(SILENT_ID, date="2024-06-01T19:00:00+02:00", season=1, episode=5)
    result = built.run("ingest", SILENT_ID, str(source))
    _assert_own_ending(result, 1)
    assert (result.stdout + result.stderr).count("the recording is silent") == 1


def test_validate_with_problems_ends_with_its_count(built: Ws) -> None:
    mp3 = next((built.root / "feed").glob("episodes/2022-11-24-b/*.mp3"))
    with mp3.open("ab") as handle:
        handle.write(b"\0")
    result = built.run("validate")
    _assert_own_ending(result, 1)
    assert result.stderr.splitlines()[-1].endswith(" problem(s) in the built outputs.")


def test_verify_after_a_change_ends_with_its_count(built: Ws) -> None:
    master = built.root / "archive" / "2022-11-24-b" / "2022-11-24-b.flac"
    data = bytearray(master.read_bytes())
    data[len(data) // 2] ^= 0xFF
    master.write_bytes(bytes(data))
    result = built.run("verify")
    _assert_own_ending(result, 1)
    assert "1 problem(s);" in result.stderr.splitlines()[-1]
