"""A build with nothing changed skips what it can, and anything changed is rendered again
(the fingerprints of :mod:`audioarchive.pipeline.stamps`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import feedparser
import yaml
from mutagen.id3 import ID3

from audioarchive.archive.sidecar import render_archive_files
from audioarchive.metadata.episode import load_record
from audioarchive.metadata.session import load_workspace
from audioarchive.pipeline import collect_publication, render_public_files
from audioarchive.pipeline.stamps import Rendered, Stamps
from audioarchive.render.publication import public_view
from tests.helpers import Ws


def _times(ws: Ws) -> dict[Path, int]:
    """Every file of feed/ and archive/, and the stamps, with its modification time."""
    files = [p for top in ("feed", "archive") for p in (ws.root / top).rglob("*") if p.is_file()]
    files.append(ws.root / ".audioarchive" / "build-stamps.json")
    return {p: p.stat().st_mtime_ns for p in files}


def _build(ws: Ws) -> str:
    result = ws.run("build")
    assert result.exit_code == 0, result.output
    return result.output


def _page(ws: Ws, session_id: str) -> Path:
    return ws.root / "feed" / "episodes" / session_id / "index.html"


def test_a_build_with_nothing_changed_writes_nothing(built: Ws) -> None:
    _build(built)  # the copy's first build: its files are at new paths
    before = _times(built)
    output = _build(built)
    assert output.count("  up to date\n") == 3
    assert _times(built) == before  # not one file rewritten, the stamps neither
    stamps = json.loads((built.root / ".audioarchive" / "build-stamps.json").read_text())
    assert sorted(stamps["episodes"]) == ["2022-10-25-a", "2022-11-24-b", "2023-01-19-c"]


def test_one_title_changed_renders_its_page_and_the_feed(built: Ws) -> None:
    _build(built)
    before = _times(built)
    built.write_session(
        "2022-11-24-b", title="Un titre neuf", date="2022-11-24T19:00:00+01:00", season=1, episode=2
    )
    assert "2022-11-24-b  re-tagged" in _build(built)
    after = _times(built)
    feed = built.root / "feed" / "feed.xml"
    assert after[feed] != before[feed]
    assert after[_page(built, "2022-11-24-b")] != before[_page(built, "2022-11-24-b")]
    assert "Un titre neuf" in _page(built, "2022-11-24-b").read_text(encoding="utf-8")
    titles = [e.title for e in feedparser.parse(feed.read_bytes()).entries]
    assert "Un titre neuf" in titles
    # the other episodes' files are untouched
    record = load_record(built.root / ".audioarchive", "2022-10-25-a")
    assert record is not None
    mp3 = built.root / "feed" / record.media[0].path
    assert after[mp3] == before[mp3]


def test_the_show_changed_renders_every_episode_again(built: Ws) -> None:
    _build(built)
    podcast = built.root / "metadata" / "podcast.yaml"
    show = yaml.safe_load(podcast.read_text(encoding="utf-8"))
    show["title"] = "Conseil de quartier"
    podcast.write_text(yaml.safe_dump(show, allow_unicode=True), encoding="utf-8")
    output = _build(built)
    assert output.count("re-tagged") == 3  # the album tag of every episode
    for session_id in ("2022-10-25-a", "2022-11-24-b", "2023-01-19-c"):
        assert "Conseil de quartier" in _page(built, session_id).read_text(encoding="utf-8")
        record = load_record(built.root / ".audioarchive", session_id)
        assert record is not None
        assert ID3(built.root / "feed" / record.media[0].path)["TALB"].text == [
            "Conseil de quartier"
        ]
    feed = feedparser.parse((built.root / "feed" / "feed.xml").read_bytes())
    assert feed.feed.title == "Conseil de quartier"


def test_generated_files_edited_or_removed_by_hand_are_restored(built: Ws) -> None:
    _build(built)
    page = _page(built, "2022-10-25-a")
    good_page = page.read_bytes()
    page.write_bytes(good_page.replace(b"</body>", b"<p>defaced</p></body>"))
    sidecar = built.root / "archive" / "2022-11-24-b" / "2022-11-24-b.json"
    good_sidecar = sidecar.read_bytes()
    sidecar.unlink()
    stray = built.root / "feed" / "stray.html"
    stray.write_text("not ours", encoding="utf-8")
    _build(built)
    assert page.read_bytes() == good_page
    assert sidecar.read_bytes() == good_sidecar
    assert not stray.exists()


def test_a_changed_transcript_file_is_published_again(built: Ws) -> None:
    """A file a session names (same path, new content) changes what is rendered."""
    transcript = built.root / "recordings" / "2022-11-24-b" / "transcript.vtt"
    transcript.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nPremière version\n", "utf-8")
    built.write_session(
        "2022-11-24-b",
        date="2022-11-24T19:00:00+01:00",
        season=1,
        episode=2,
        transcript="transcript.vtt",
    )
    _build(built)
    copy = built.root / "archive" / "2022-11-24-b" / "2022-11-24-b.transcript.vtt"
    assert "Première version" in copy.read_text(encoding="utf-8")
    transcript.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nSeconde version\n", "utf-8")
    _build(built)
    assert "Seconde version" in copy.read_text(encoding="utf-8")


def test_what_a_build_wrote_is_what_the_next_build_would_render(built: Ws) -> None:
    """The next build with nothing changed skips rendering: what it would render must be
    byte for byte what is there (records read back from their files, not this run's)."""
    built.write_session(
        "2022-11-24-b", title="Autre titre", date="2022-11-24T19:00:00+01:00", season=1, episode=2
    )
    assert "2022-11-24-b  re-tagged" in _build(built)
    workspace = load_workspace(built.root)
    publication = collect_publication(workspace)
    archive = render_archive_files(publication, workspace.paths.archive)
    public = render_public_files(public_view(publication))
    assert len(archive) > 3
    assert len(public) > 10
    for top, files in (("archive", archive), ("feed", public)):
        for relpath, data in files.items():
            assert (built.root / top / relpath).read_bytes() == data, f"{top}/{relpath}"


def test_stamps_of_an_older_build_or_damaged_are_read_as_far_as_they_go(tmp_path: Path) -> None:
    """A group that cannot be read is rendered again; the rest of the stamps still count."""
    good = ["k1", {"episodes/a/index.html": [10, 20, "ab"]}]
    data = {
        "version": 1,
        "episodes": {"a": "e1"},
        "outputs": {"inputs": "i1"},
        "groups": {"feed:episode:a": good, "feed:episode:b": ["k2", {"x": [1, "two", "cd"]}]},
    }
    (tmp_path / "build-stamps.json").write_text(json.dumps(data), encoding="utf-8")
    stamps = Stamps.load(tmp_path)
    assert stamps.episodes == {"a": "e1"}
    assert stamps.groups == {
        "feed:episode:a": Rendered("k1", {"episodes/a/index.html": (10, 20, "ab")})
    }
    del data["groups"]  # written before groups existed: every group is rendered once
    (tmp_path / "build-stamps.json").write_text(json.dumps(data), encoding="utf-8")
    assert Stamps.load(tmp_path).groups == {}
    assert Stamps.load(tmp_path).outputs == {"inputs": "i1"}


def test_a_group_is_intact_while_its_files_are_as_written(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    info = page.stat()
    group = Rendered("k", {"index.html": (info.st_size, info.st_mtime_ns, "")})
    assert group.intact(tmp_path)
    page.write_text("<p>y</p>", encoding="utf-8")  # same size: its time tells
    os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))
    assert not group.intact(tmp_path)
    page.unlink()
    assert not group.intact(tmp_path)
