from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import yaml

from audioarchive.common.text import sha256_file
from audioarchive.pipeline.ingest import SUMS_FILE
from tests.helpers import Ws, make_tone


def _card(tmp_path: Path) -> list[Path]:
    card = tmp_path / "card"
    return [
        make_tone(card / "ZOOM0002.WAV", 3, frequency=300),
        make_tone(card / "ZOOM0001.WAV", 4),
    ]


def test_ingest_two_parts_into_a_new_session_gives_a_fourth_episode(
    built: Ws, tmp_path: Path
) -> None:
    files = _card(tmp_path)
    result = built.run("ingest", "2023-03-16-e", *map(str, files))
    assert result.exit_code == 0, result.output + result.stderr
    assert "copied ZOOM0001.WAV" in result.output
    assert "checksum verified" in result.output
    assert "created metadata/sessions/2023-03-16-e.yaml" in result.stderr
    data = yaml.safe_load((built.sessions / "2023-03-16-e.yaml").read_text())
    assert data["recording"] == ["ZOOM0001.WAV", "ZOOM0002.WAV"]  # natural order
    assert (data["season"], data["episode"]) == (1, 5)  # after the upcoming episode 4
    folder = built.root / "recordings" / "2023-03-16-e"
    for src in files:
        assert sha256_file(folder / src.name) == sha256_file(src)
    assert (folder / SUMS_FILE).read_text().count("  ZOOM000") == 2
    feed = feedparser.parse((built.root / "feed" / "feed.xml").read_bytes())
    assert len(feed.entries) == 4
    assert "2023-03-16-e" in [e.id for e in feed.entries]

    snapshot = {
        p: (p.stat().st_mtime_ns, p.read_bytes()) for p in built.root.rglob("*") if p.is_file()
    }
    again = built.run("ingest", "2023-03-16-e", *map(str, files))
    assert again.exit_code == 0
    assert "already there: recordings/2023-03-16-e/ZOOM0001.WAV" in again.output
    assert "2023-03-16-e  up to date" in again.output
    changed = [
        p
        for p in built.root.rglob("*")
        if p.is_file() and snapshot.get(p) != (p.stat().st_mtime_ns, p.read_bytes())
    ]
    assert [p for p in changed if p.name != "lock"] == []


def test_ingest_records_parts_in_an_existing_session_file_keeping_comments(
    built: Ws, tmp_path: Path
) -> None:
    path = built.sessions / "2023-02-d.yaml"
    path.write_text(path.read_text() + "# keep this comment\ndate: 2023-02-16T19:00:00+01:00\n")
    result = built.run("ingest", "2023-02-d", *map(str, _card(tmp_path)))
    assert result.exit_code == 0, result.stderr
    text = path.read_text()
    assert "# keep this comment" in text
    assert text.rstrip().endswith('recording: ["ZOOM0001.WAV", "ZOOM0002.WAV"]')
    assert "2023-02-d  built" in result.output


def test_ingest_never_overwrites_a_different_file(built: Ws, tmp_path: Path) -> None:
    first = make_tone(tmp_path / "a" / "ZOOM0001.WAV", 3)
    other = make_tone(tmp_path / "b" / "ZOOM0001.WAV", 3, frequency=880)
    assert built.run("ingest", "2023-03-16-e", str(first), "--no-build").exit_code == 0
    result = built.run("ingest", "2023-03-16-e", str(other), "--no-build")
    assert result.exit_code == 2
    assert (
        "recordings/2023-03-16-e/ZOOM0001.WAV already exists with different content"
        in result.stderr
    )
    assert sha256_file(built.root / "recordings" / "2023-03-16-e" / "ZOOM0001.WAV") == sha256_file(
        first
    )


def test_ingest_refuses_bad_ids_and_non_audio(built: Ws, tmp_path: Path) -> None:
    note = tmp_path / "notes.txt"
    note.write_text("hello")
    assert "expected an ASCII slug" in built.run("ingest", "../evil", str(note)).stderr
    result = built.run("ingest", "2023-03-16-e", str(note))
    assert result.exit_code == 2
    assert "notes.txt: .txt is not an audio file extension" in result.stderr
    assert not (built.root / "recordings" / "2023-03-16-e").exists()


def test_a_new_session_is_dated_when_the_recording_began(built: Ws, tmp_path: Path) -> None:
    first, second = make_tone(tmp_path / "ZOOM0001.WAV", 4), make_tone(tmp_path / "ZOOM0002.WAV", 3)
    closed = datetime(2023, 3, 16, 20, 0, 2, tzinfo=UTC)  # the recorder closed the first part
    os.utime(first, (closed.timestamp(), closed.timestamp()))
    os.utime(second, (closed.timestamp() + 3, closed.timestamp() + 3))
    result = built.run("ingest", "--no-build", "2023-03-16-e", str(first), str(second))
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((built.sessions / "2023-03-16-e.yaml").read_text())
    assert data["date"] == datetime(2023, 3, 16, 19, 59, tzinfo=UTC)  # 4 s earlier, to the minute
