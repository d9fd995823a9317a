"""The whole chain on generated recordings: outputs, incremental rebuilds, failures."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.flac import FLAC
from mutagen.id3 import ID3

from audioarchive.metadata.episode import load_record
from audioarchive.metadata.session import load_workspace
from tests.helpers import Ws, assert_never_named, make_tone


def _decode(path: Path) -> bytes:
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s32le", "-"],
        capture_output=True,
        check=True,
    ).stdout


def test_build_produces_episodes_masters_feed_and_pages(built: Ws) -> None:
    feed = built.root / "feed"
    mp3s = sorted(feed.glob("episodes/*/*.mp3"))
    masters = sorted((built.root / "archive").glob("*/*.flac"))
    assert len(mp3s) == 3
    assert len(masters) == 3
    assert (feed / "feed.xml").is_file()
    assert (feed / "index.html").is_file()
    index = (feed / "index.html").read_text()
    assert "Upcoming &lt;meeting&gt;" in index  # shown as text, never as markup
    assert 'class="upcoming' in index


def test_master_is_sample_identical_to_the_joined_parts(built: Ws) -> None:
    folder = built.root / "recordings" / "2022-10-25-a"
    joined = _decode(folder / "ZOOM0001.WAV") + _decode(folder / "ZOOM0002.WAV")
    master = built.root / "archive" / "2022-10-25-a" / "2022-10-25-a.flac"
    assert _decode(master) == joined
    assert FLAC(master)["TITLE"] == ["Session 2022-10-25-a"]


def test_rf64_and_broadcast_wave_parts_are_joined_sample_exactly(built: Ws) -> None:
    # RF64 (the 64-bit WAV recorders write past 4 GB, here forced on a small file) and a
    # Broadcast Wave with its bext chunk, 24-bit, as field recorders write them
    folder = built.root / "recordings" / "2023-03-e"
    rf64 = make_tone(folder / "ZOOM0001.WAV", 4, codec=("-c:a", "pcm_s24le", "-rf64", "always"))
    bwf = make_tone(
        folder / "ZOOM0002.WAV",
        3,
        codec=("-c:a", "pcm_s24le", "-write_bext", "1", "-metadata", "originator=ZOOM H6"),
    )
    assert rf64.read_bytes()[:4] == b"RF64"
    assert b"bext" in bwf.read_bytes()[:512]
    built.write_session("2023-03-e", date="2023-03-16T19:00:00+01:00", season=1, episode=5)
    result = built.run("build", "2023-03-e")
    assert result.exit_code == 0, result.output
    assert "shorter than its header" not in result.stderr
    master = built.root / "archive" / "2023-03-e" / "2023-03-e.flac"
    assert _decode(master) == _decode(rf64) + _decode(bwf)
    assert FLAC(master).info.bits_per_sample == 24


def test_feed_read_by_two_clients_with_exact_enclosure_lengths(built: Ws) -> None:
    feed_path = built.root / "feed" / "feed.xml"
    parsed = feedparser.parse(feed_path.read_bytes())
    assert not parsed.bozo
    assert [e.id for e in parsed.entries] == ["2023-01-19-c", "2022-11-24-b", "2022-10-25-a"]
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        relpath = enclosure.href.removeprefix("http://localhost:8000/")
        assert int(enclosure.length) == (built.root / "feed" / relpath).stat().st_size
        assert enclosure.type == "audio/mpeg"
    with feed_path.open("rb") as handle:
        podcast = podcastparser.parse("http://localhost:8000/feed.xml", handle)
    assert len(podcast["episodes"]) == 3
    for episode in podcast["episodes"]:
        (enclosure,) = episode["enclosures"]
        relpath = enclosure["url"].removeprefix("http://localhost:8000/")
        assert enclosure["file_size"] == (built.root / "feed" / relpath).stat().st_size
    assert "2023-02-d" not in feed_path.read_text()


def test_unpublishable_name_appears_nowhere_public(built: Ws) -> None:
    assert assert_never_named("Habib", (built.root / "feed").rglob("*")) > 10
    tags = ID3(next((built.root / "feed").glob("episodes/2022-10-25-a/*.mp3")))
    assert tags["TPE1"].text == ["Clara Deville"]


def test_rebuild_with_nothing_changed_does_no_audio_work(built: Ws) -> None:
    before = {p: p.stat().st_mtime_ns for p in (built.root / "feed").rglob("*") if p.is_file()}
    result = built.run("build")
    assert result.exit_code == 0, result.output
    assert "No audio work needed: everything is up to date." in result.stderr
    after = {p: p.stat().st_mtime_ns for p in (built.root / "feed").rglob("*") if p.is_file()}
    assert after == before  # not one file rewritten


def test_title_change_retags_without_reencoding(built: Ws) -> None:
    cache = built.root / ".audioarchive" / "cache" / "2022-11-24-b" / "public.mp3"
    encoded_at = cache.stat().st_mtime_ns
    old = load_record(built.root / ".audioarchive", "2022-11-24-b")
    assert old is not None
    built.write_session(
        "2022-11-24-b", title="A new title", date="2022-11-24T19:00:00+01:00", season=1, episode=2
    )
    result = built.run("build")
    assert result.exit_code == 0, result.output
    assert "2022-11-24-b  re-tagged" in result.output
    assert "2022-10-25-a  up to date" in result.output
    assert cache.stat().st_mtime_ns == encoded_at
    new = load_record(built.root / ".audioarchive", "2022-11-24-b")
    assert new is not None
    assert new.media[0].path != old.media[0].path
    assert not (built.root / "feed" / old.media[0].path).exists()
    mp3 = built.root / "feed" / new.media[0].path
    assert ID3(mp3)["TIT2"].text == ["A new title"]
    assert "A new title" in (built.root / "feed" / "feed.xml").read_text()


def test_changed_trim_reencodes_only_that_episode(built: Ws) -> None:
    old = load_record(built.root / ".audioarchive", "2023-01-19-c")
    assert old is not None
    built.write_session(
        "2023-01-19-c", date="2023-01-19T19:00:00+01:00", season=1, episode=3, trim={"start": 1}
    )
    result = built.run("build")
    assert "2023-01-19-c  built" in result.output
    assert "2022-10-25-a  up to date" in result.output
    record = load_record(built.root / ".audioarchive", "2023-01-19-c")
    assert record is not None
    assert record.timeline.start == 1.0
    # the master (same parts) is kept, re-tagged, and the report still says what it holds
    assert record.master is not None
    assert record.loudness["master"] == old.loudness["master"]
    assert old.loudness["master"]  # bits, sample_identical, notes


def test_dry_run_changes_nothing(built: Ws) -> None:
    built.write_session(
        "2022-11-24-b", title="Changed", date="2022-11-24T19:00:00+01:00", season=1, episode=2
    )
    before = sorted((p, p.stat().st_mtime_ns) for p in built.root.rglob("*") if p.is_file())
    result = built.run("build", "--dry-run")
    assert result.exit_code == 0
    assert "2022-11-24-b  to do  (would update tags)" in result.output
    after = sorted((p, p.stat().st_mtime_ns) for p in built.root.rglob("*") if p.is_file())
    assert after == before


def test_a_removed_session_leaves_the_feed_and_its_media(built: Ws) -> None:
    (built.sessions / "2022-11-24-b.yaml").unlink()
    result = built.run("build")
    assert result.exit_code == 0
    assert not list((built.root / "feed").glob("episodes/2022-11-24-b/*"))
    assert "2022-11-24-b" not in (built.root / "feed" / "feed.xml").read_text()
    # the master is an archive: it stays
    assert (built.root / "archive" / "2022-11-24-b" / "2022-11-24-b.flac").is_file()


def test_one_failed_episode_does_not_stop_the_others(built: Ws) -> None:
    silent = built.root / "recordings" / "2023-03-e" / "silence.wav"
    silent.parent.mkdir(parents=True)
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=44100:cl=mono",
            "-t",
            "3",
            str(silent),
        ],
        check=True,
    )
    built.write_session("2023-03-e", date="2023-03-16T19:00:00+01:00", season=1, episode=5)
    result = built.run("build")
    assert result.exit_code == 1
    assert "2023-03-e  FAILED" in result.output
    assert "2023-03-e: the recording is silent" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    ws = load_workspace(built.root)
    assert len(ws.episodes) == 4
    assert "2023-03-e" not in (built.root / "feed" / "feed.xml").read_text()
    assert "2022-10-25-a" in (built.root / "feed" / "feed.xml").read_text()


def test_leftover_temporary_files_are_cleaned(built: Ws) -> None:
    junk = built.root / "feed" / "episodes" / "2022-10-25-a" / ".tmp-abc.mp3"
    junk.write_bytes(b"partial")
    result = built.run("build")
    assert result.exit_code == 0
    assert not junk.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_feed_is_a_clear_error(built: Ws) -> None:
    (built.root / "feed").chmod(0o500)
    try:
        result = built.run("build", "--force")
        assert result.exit_code == 1
    finally:
        (built.root / "feed").chmod(0o700)


def test_outputs_are_readable_by_a_web_server_user(built: Ws) -> None:
    for path in (built.root / "feed").rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o044 == 0o044, path
