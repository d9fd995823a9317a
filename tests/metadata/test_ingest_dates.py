"""Ingest dates a meeting by the recorder's clock first, file times last, in the local zone."""

from __future__ import annotations

import os
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import yaml

from audioarchive.metadata.session import load_workspace
from tests.helpers import Ws, ffmpeg, make_tone, new_workspace

PARIS_WINTER = timezone(timedelta(hours=1))
MISLEADING_MTIME = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)  # a copy made months later
TOML = '[site]\nbase_url = "http://localhost:8000"\ntime_zone = "Europe/Paris"\n'


def _tone(path: Path, *extra: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", *extra, str(path))
    os.utime(path, (MISLEADING_MTIME.timestamp(), MISLEADING_MTIME.timestamp()))
    return path


def _bwf(path: Path, date: str = "2023-03-16", time: str = "19:02:00") -> Path:
    """A Broadcast Wave file as a field recorder writes it (bext origination date and time)."""
    meta = ("-metadata", f"origination_date={date}", "-metadata", f"origination_time={time}")
    return _tone(path, "-write_bext", "1", *meta)


def _with_ixml(path: Path, date: str, time: str) -> Path:
    """A WAVE file with an iXML chunk only (no bext), as some recorders write."""
    _tone(path)
    xml = (
        "<?xml version='1.0' encoding='UTF-8'?><BWFXML><IXML_VERSION>1.5</IXML_VERSION><BEXT>"
        f"<BWF_ORIGINATION_DATE>{date}</BWF_ORIGINATION_DATE>"
        f"<BWF_ORIGINATION_TIME>{time}</BWF_ORIGINATION_TIME></BEXT></BWFXML>"
    ).encode()
    xml += b"\x00" * (len(xml) % 2)
    data = bytearray(path.read_bytes())
    data += b"iXML" + struct.pack("<I", len(xml)) + xml
    data[4:8] = struct.pack("<I", len(data) - 8)
    path.write_bytes(bytes(data))
    os.utime(path, (MISLEADING_MTIME.timestamp(), MISLEADING_MTIME.timestamp()))
    return path


def _session(ws: Ws, session_id: str) -> dict[str, object]:
    data = yaml.safe_load((ws.sessions / f"{session_id}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_a_broadcast_wave_is_dated_by_its_bext_clock_in_the_workspace_zone(
    tmp_path: Path,
) -> None:
    ws = new_workspace(tmp_path / "ws", toml=TOML)
    zoom = _bwf(tmp_path / "card" / "ZOOM0001.WAV")
    result = ws.run("ingest", "--no-build", "2023-03-16-e", str(zoom))
    assert result.exit_code == 0, result.output + result.stderr
    assert _session(ws, "2023-03-16-e")["date"] == datetime(2023, 3, 16, 19, 2, tzinfo=PARIS_WINTER)
    assert "date: 2023-03-16T19:02:00+01:00" in (ws.sessions / "2023-03-16-e.yaml").read_text()
    assert (
        "dated 2023-03-16T19:02:00+01:00 from the recorder's clock "
        "(Broadcast Wave bext of ZOOM0001.WAV)" in result.stderr
    )


def test_an_ixml_clock_is_read_when_there_is_no_bext(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws", toml=TOML)
    wav = _with_ixml(tmp_path / "card" / "T001.WAV", "2023-07-04", "20:15:30")
    result = ws.run("ingest", "--no-build", "2023-07-04-e", str(wav))
    assert result.exit_code == 0, result.stderr
    summer = timezone(timedelta(hours=2))
    assert _session(ws, "2023-07-04-e")["date"] == datetime(2023, 7, 4, 20, 15, tzinfo=summer)
    assert "the recorder's clock (iXML of T001.WAV)" in result.stderr


def test_a_phone_recording_is_dated_by_its_creation_time(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws", toml=TOML)
    memo = _tone(
        tmp_path / "phone" / "memo.m4a",
        "-c:a",
        "aac",
        "-metadata",
        "creation_time=2023-03-16T18:02:40Z",
    )
    result = ws.run("ingest", "--no-build", "2023-03-16-e", str(memo))
    assert result.exit_code == 0, result.stderr
    assert _session(ws, "2023-03-16-e")["date"] == datetime(2023, 3, 16, 19, 2, tzinfo=PARIS_WINTER)
    assert "the device's clock (creation_time of memo.m4a)" in result.stderr


def test_file_times_come_last_and_in_the_workspace_zone(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws", toml=TOML)
    plain = make_tone(tmp_path / "ZOOM0001.WAV", 4)
    closed = datetime(2023, 3, 16, 19, 0, 2, tzinfo=UTC)
    os.utime(plain, (closed.timestamp(), closed.timestamp()))
    result = ws.run("ingest", "--no-build", "2023-03-16-e", str(plain))
    assert result.exit_code == 0, result.stderr
    text = (ws.sessions / "2023-03-16-e.yaml").read_text()
    assert "date: 2023-03-16T19:59:00+01:00" in text  # not 18:59:00+00:00
    assert "modification time less its duration" in result.stderr


def test_ingest_into_a_planned_session_without_a_date_fills_it_in(
    built: Ws, tmp_path: Path
) -> None:
    path = built.sessions / "2023-02-d.yaml"  # planned, "date TBD", numbered 4
    path.write_text("# The February meeting: date TBD.\n" + path.read_text(), encoding="utf-8")
    (built.root / "audioarchive.toml").write_text(TOML)
    zoom = _bwf(tmp_path / "card" / "ZOOM0001.WAV", "2023-02-16", "19:00:00")
    result = built.run("ingest", "2023-02-d", str(zoom))
    assert result.exit_code == 0, result.output + result.stderr
    assert "date: missing" not in result.stderr
    assert "2023-02-d  built" in result.output
    assert path.read_text().startswith("# The February meeting: date TBD.\n")
    data = _session(built, "2023-02-d")
    assert data["date"] == datetime(2023, 2, 16, 19, 0, tzinfo=PARIS_WINTER)
    assert (data["season"], data["episode"]) == (1, 4)


def test_a_new_session_follows_the_held_sessions_of_its_season(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws", toml=TOML)
    ws.write_session("a", date="2022-10-25T19:00:00+02:00", season=1, episode=1)
    ws.write_session("b", date="2022-11-24T19:00:00+01:00", season=1, episode=2)
    ws.write_session("next-cycle", season=2, episode=1)  # planned, no date yet
    ws.write_session("later", date="2031-09-01T19:00:00+02:00", season=3, episode=1)
    zoom = _bwf(tmp_path / "card" / "ZOOM0001.WAV", "2023-01-19", "19:00:00")
    result = ws.run("ingest", "--no-build", "2023-01-19-c", str(zoom))
    assert result.exit_code == 0, result.stderr
    data = _session(ws, "2023-01-19-c")
    assert (data["season"], data["episode"]) == (1, 3)
    assert len(load_workspace(ws.root).sessions) == 5  # no duplicate number
