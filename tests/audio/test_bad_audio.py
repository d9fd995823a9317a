"""Bad recordings: a clear error naming the file (exit 2), nothing processed, nothing lost."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from audioarchive.ffmpeg import parse_frame_gaps
from audioarchive.metadata.recordings import wav_data_shortfall
from tests.helpers import Ws, ffmpeg, make_tone


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for folder in ("feed", "archive")
        for p in (root / folder).rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "empty file (0 bytes); expected a recording: copy it again"),
        (lambda p: p.write_text("just some notes"), "not a readable audio file"),
        (
            lambda p: ffmpeg(
                "-f", "lavfi", "-i", "color=red:s=64x64", "-frames:v", "1", "-f", "mjpeg", str(p)
            ),
            "no audio stream",
        ),
        (
            lambda p: p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(64)),
            "not a readable audio file",
        ),
    ],
    ids=["zero-bytes", "text-named-wav", "jpeg-named-wav", "undecodable-header"],
)
def test_unusable_recording_is_named_and_nothing_changes(
    built: Ws, make: object, message: str
) -> None:
    before = _snapshot(built.root)
    part = built.root / "recordings" / "2022-11-24-b" / "meeting.flac"
    part.unlink()
    bad = part.with_name("meeting.wav")
    make(bad)  # type: ignore[operator]
    result = built.run("build")
    assert result.exit_code == 2
    assert f"recordings/2022-11-24-b/meeting.wav: {message}" in result.stderr
    assert "Traceback" not in result.stderr
    assert _snapshot(built.root) == before


def test_a_truncated_wav_is_published_with_a_warning(built: Ws, tmp_path: Path) -> None:
    full = make_tone(tmp_path / "full.wav", 6)
    data = full.read_bytes()
    part = built.root / "recordings" / "2023-03-e" / "ZOOM0001.WAV"
    part.parent.mkdir(parents=True)
    part.write_bytes(data[: len(data) * 2 // 3])
    assert wav_data_shortfall(part) == len(data) - len(data) * 2 // 3
    assert wav_data_shortfall(full) == 0
    built.write_session("2023-03-e", date="2023-03-16T19:00:00+01:00", season=1, episode=5)
    result = built.run("build", "2023-03-e")
    assert result.exit_code == 0, result.stderr
    assert (
        "recordings/2023-03-e/ZOOM0001.WAV: the file is shorter than its header announces"
        in result.stderr
    )
    assert "2023-03-e  built" in result.stdout


def test_two_builds_at_once_the_second_refuses(built: Ws) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; "
                "from audioarchive.common.locking import workspace_lock\n"
                "with workspace_lock(Path(sys.argv[1]), 'build'):\n"
                "    print('locked', flush=True); time.sleep(60)"
            ),
            str(built.root / ".audioarchive"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        result = built.run("build", "--force")
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert result.exit_code == 2
    assert re.search(r"another audioarchive build \(pid \d+\) is working", result.stderr)
    assert "Hint: wait for it to finish" in result.stderr


def test_a_part_with_a_different_rate_and_channels_is_joined(built: Ws) -> None:
    folder = built.root / "recordings" / "2023-03-e"
    make_tone(folder / "ZOOM0001.WAV", 3, rate=48000, channels=2)
    make_tone(folder / "ZOOM0002.WAV", 3, rate=44100, channels=1)
    built.write_session("2023-03-e", date="2023-03-16T19:00:00+01:00", season=1, episode=5)
    result = built.run("build", "2023-03-e")
    assert result.exit_code == 0, result.stderr
    shutil.rmtree(folder)


def test_damaged_frames_in_an_mp3_are_decoded_around_with_a_warning_giving_the_time(
    built: Ws, tmp_path: Path
) -> None:
    clean = make_tone(
        tmp_path / "clean.mp3", 20, channels=1, codec=("-c:a", "libmp3lame", "-b:a", "128k")
    )
    data = bytearray(clean.read_bytes())
    middle = len(data) // 2
    for index in range(middle, middle + 4000):
        data[index] = (data[index] * 7 + 13) & 0xFF
    part = built.root / "recordings" / "2023-03-e" / "phone.mp3"
    part.parent.mkdir(parents=True)
    part.write_bytes(bytes(data))
    built.write_session("2023-03-e", date="2023-03-16T19:00:00+01:00", season=1, episode=5)
    result = built.run("build", "2023-03-e")
    assert result.exit_code == 0, result.stderr
    found = re.search(
        r"recordings/2023-03-e/phone.mp3: damaged audio skipped from 0:00:(\d+)", result.stderr
    )
    assert found is not None, result.stderr
    assert 8 <= int(found.group(1)) <= 11  # the damage is in the middle of 20 s
    assert "2023-03-e  built" in result.stdout


def test_parse_frame_gaps() -> None:
    lines = "0.000000,1152\n0.026122,1152\n0.156735,1152\nbad\n"
    assert parse_frame_gaps(lines, 44100) == [(0.052, 0.157)]
    assert parse_frame_gaps("", 44100) == []


def test_times_past_the_end_of_the_recording_are_named(built: Ws) -> None:
    before = _snapshot(built.root)
    built.recording("2023-03-e", seconds=6)
    built.write_session(
        "2023-03-e",
        date="2023-03-16T19:00:00+01:00",
        season=1,
        episode=5,
        trim={"start": "0:00:01"},
        redactions=[{"start": "0:10:00", "end": "0:10:05", "reason": "asked"}],
        chapters=[{"start": "0:00:00", "title": "Début"}, {"start": "1:00:00", "title": "Fin"}],
    )
    result = built.run("build", "2023-03-e")
    assert result.exit_code == 2, result.output
    where = "metadata/sessions/2023-03-e.yaml"
    assert f"{where}: redactions[0].start: 0:10:00 is past the end of the recording" in (
        result.stderr
    )
    assert f'{where}: chapter 2 "Fin" (line 15), start: 1:00:00 is past the end of the' in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert _snapshot(built.root) == before
