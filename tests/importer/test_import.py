"""``audioarchive import``: feeds as real hosts write them, served on 127.0.0.1."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
import yaml
from PIL import Image

from audioarchive.importer.feed import parse_date
from audioarchive.importer.markdown import html_to_markdown
from audioarchive.render.feed_podcast2 import podcast_guid
from tests.helpers import make_tone, run_cli
from tests.host_server import Host, serve_host
from tests.import_feeds import (
    CASTOPOD_GUID,
    CASTOPOD_ITEMS,
    CHAPTERS_JSON,
    COMMERCIAL_GUIDS,
    TRANSCRIPT_SRT,
    castopod,
    commercial,
)

MP3 = ("-c:a", "libmp3lame", "-b:a", "96k")


@pytest.fixture(scope="module")
def episodes(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Three short MP3 episodes, as a host serves them."""
    folder = tmp_path_factory.mktemp("host-audio")
    return [
        make_tone(
            folder / f"{n}.mp3", seconds=2.5, rate=44100, channels=1, frequency=f, codec=MP3
        ).read_bytes()
        for n, f in enumerate((330, 440, 550))
    ]


@pytest.fixture(scope="module")
def cover() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1400, 1400), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def host() -> Iterator[Host]:
    with serve_host() as served:
        yield served


def serve_castopod(host: Host, episodes: list[bytes], cover: bytes, **kw: Any) -> str:
    sizes = [len(e) for e in episodes]
    host.files.update(
        {
            "/@conseil/feed.xml": castopod(host.base, sizes, **kw),
            "/media/podcasts/conseil/cover.png": cover,
            "/audio/@conseil/seance-de-mars.mp3": episodes[0],
            "/audio/@conseil/seance-d-avril.mp3": episodes[1],
            "/audio/@conseil/ag-2023.mp3": episodes[2],
            "/@conseil/episodes/seance-de-mars/chapters": CHAPTERS_JSON,
            "/media/podcasts/conseil/seance-de-mars.srt": TRANSCRIPT_SRT,
        }
    )
    return host.url("/@conseil/feed.xml")


def serve_commercial(host: Host, episodes: list[bytes], cover: bytes) -> str:
    jpeg = io.BytesIO()
    Image.open(io.BytesIO(cover)).save(jpeg, "JPEG")
    host.files.update(
        {
            "/feeds/town-hall.xml": commercial(host.base, [len(e) for e in episodes]),
            "/images/show-3000.jpg": jpeg.getvalue(),
            "/enclosures/jan.mp3": episodes[0],
            "/enclosures/feb.mp3": episodes[1],
            "/enclosures/mar.mp3": episodes[2],
        }
    )
    host.redirects["/old/rss"] = "/feeds/town-hall.xml"  # the host moved its feed
    host.redirects["/track/prefix/enclosures/jan.mp3?source=rss"] = "/enclosures/jan.mp3"
    return host.url("/old/rss")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def tree(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def episodes_of(feed: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(guid, title) of every episode as feedparser and podcastparser read them."""
    fp = feedparser.parse(feed)
    pp = podcastparser.parse("http://example.invalid/feed.xml", io.BytesIO(feed))
    return (
        sorted(
            (e.get("id") or e.enclosures[0].href, e.title)
            for e in fp.entries
            if e.get("enclosures")
        ),
        sorted((e["guid"], e["title"]) for e in pp["episodes"] if e["enclosures"]),
    )


def test_castopod_feed_imports_and_builds_keeping_every_guid(
    host: Host, episodes: list[bytes], cover: bytes, tmp_path: Path
) -> None:
    url = serve_castopod(host, episodes, cover)
    root = tmp_path / "ws"
    result = run_cli(["import", url, "--into", str(root)])
    assert result.exit_code == 0, result.output
    show = load(root / "metadata" / "podcast.yaml")
    assert show["title"] == "Conseil de quartier"
    assert show["language"] == "fr"
    assert show["categories"] == ["Government", "News > Politics"]
    assert show["owner"] == {"name": "Bureau du conseil", "email": "bureau@quartier.example.org"}
    assert show["license"] == "CC-BY-SA-4.0"
    assert show["locked"] is True
    assert show["hosts"] == [
        {"name": "Claire Martin", "role": "host", "url": "https://quartier.example.org/claire"}
    ]
    assert "**conseil de quartier**" in show["description"]
    assert "[notre site](https://quartier.example.org)" in show["description"]
    assert (root / "metadata" / show["artwork"]).read_bytes() == cover
    assert f'podcast_guid = "{CASTOPOD_GUID}"' in (root / "audioarchive.toml").read_text()
    sessions = sorted((root / "metadata" / "sessions").glob("*.yaml"))
    assert [p.stem for p in sessions] == [
        "2023-03-16-seance-de-mars-le-budget-participatif",
        "2023-04-20-seance-d-avril",
    ]
    march, april = (load(p) for p in sessions)
    assert march["guid"] == CASTOPOD_ITEMS[0]
    assert march["date"] == "2023-03-16T18:00:00+00:00"
    assert (march["season"], march["episode"]) == (1, 1)
    assert march["description"] == (
        "Le budget participatif : *bilan* et propositions.\n\n"
        "- Les projets retenus\n- Le calendrier"
    )
    assert march["venue"] == {"name": "Maison des associations", "geo": "48.8697,2.3731"}
    assert march["speakers"] == [{"name": "Paul Durand", "role": "guest"}]  # the host is the show's
    assert march["chapters"] == [
        {"start": 0, "title": "Ouverture"},
        {"start": 1.2, "title": "Les projets", "url": "https://quartier.example.org/budget"},
    ]
    assert march["trim"] is False
    recording = root / "recordings" / march["id"] / march["recording"][0]
    assert recording.read_bytes() == episodes[0]
    assert (root / "recordings" / march["id"] / march["transcript"]).read_bytes() == TRANSCRIPT_SRT
    assert april["explicit"] is True
    assert "la propreté & les espaces verts" in april["description"]

    built = run_cli(["-w", str(root), "build"])
    assert built.exit_code == 0, built.output
    ours = (root / "feed" / "feed.xml").read_bytes()
    source = host.files["/@conseil/feed.xml"]
    assert episodes_of(ours) == episodes_of(source)
    assert feedparser.parse(ours).feed["podcast_guid"] == CASTOPOD_GUID
    assert run_cli(["-w", str(root), "validate"]).exit_code == 0

    # a feed limited to the newest episode; the pages keep both
    config = root / "audioarchive.toml"
    config.write_text(config.read_text().replace("[site]\n", "[site]\nfeed_items = 1\n"))
    assert run_cli(["-w", str(root), "build"]).exit_code == 0
    limited = feedparser.parse((root / "feed" / "feed.xml").read_bytes())
    assert [e.id for e in limited.entries] == [CASTOPOD_ITEMS[1]]
    index = (root / "feed" / "index.html").read_text()
    assert "Séance de mars" in index
    assert "Séance d&#39;avril" in index
    assert run_cli(["-w", str(root), "validate"]).exit_code == 0

    # a second import adds only the new item
    host.files["/@conseil/feed.xml"] = castopod(
        host.base, [len(e) for e in episodes], extra_item=True
    )
    again = run_cli(["import", url, "--into", str(root)])
    assert again.exit_code == 0, again.output
    assert "1 episode(s) imported, 2 already there" in again.stderr
    assert len(list((root / "metadata" / "sessions").glob("*.yaml"))) == 3
    assert load(sessions[0]) == march  # untouched


def test_commercial_feed_redirects_missing_lengths_and_dates(
    host: Host, episodes: list[bytes], cover: bytes, tmp_path: Path
) -> None:
    url = serve_commercial(host, episodes, cover)
    root = tmp_path / "ws"
    result = run_cli(["import", url, "--into", str(root)])
    assert result.exit_code == 0, result.output
    assert 'category "Talk Radio" is not in Apple\'s list' in result.stderr
    show = load(root / "metadata" / "podcast.yaml")
    assert show["categories"] == ["Government", "Society & Culture > Documentary"]
    assert show["language"] == "en-us"
    assert show["description"] == "Every **public meeting** of our town council.  \nUnedited."
    assert show["artwork"] == "artwork.jpg"
    sessions = [load(p) for p in sorted((root / "metadata" / "sessions").glob("*.yaml"))]
    assert [(s["date"], s["guid"]) for s in sessions] == [
        ("2023-01-17T19:00:00-05:00", COMMERCIAL_GUIDS[0]),
        ("2023-02-14T19:00:00-05:00", COMMERCIAL_GUIDS[1]),
        ("2023-03-07T19:00:00-05:00", host.url("/enclosures/mar.mp3")),  # no guid: its URL
    ]
    january = sessions[0]
    assert january["title"] == "January town hall: roads & budget"
    assert january["description"] == (
        "Roads, the [budget](https://townhall.example.org/budget) and questions from the floor."
    )
    assert january["chapters"] == [
        {"start": 0, "title": "Welcome"},
        {"start": 1.25, "title": "Roads", "url": "https://townhall.example.org/roads"},
    ]
    assert january["recording"] == ["jan.mp3"]
    assert (root / "recordings" / january["id"] / "jan.mp3").read_bytes() == episodes[0]
    # no podcast:guid in the source: the one the namespace defines for the feed's own URL
    guid = podcast_guid(host.url("/feeds/town-hall.xml"))
    assert f'podcast_guid = "{guid}"' in (root / "audioarchive.toml").read_text()

    built = run_cli(["-w", str(root), "build"])
    assert built.exit_code == 0, built.output
    ours = (root / "feed" / "feed.xml").read_bytes()
    assert episodes_of(ours) == episodes_of(host.files["/feeds/town-hall.xml"])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<!doctype html><html><body><p>Moved</body></html>", "not a well-formed XML feed"),
        (
            b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>',
            "found <feed>, not an RSS 2.0 feed",
        ),
        (
            (
                b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                b"<rss><channel><title>&e;</title></channel></rss>"
            ),
            "declares XML entities",
        ),
    ],
    ids=["html", "atom", "external-entity"],
)
def test_bad_feeds_are_refused_and_touch_nothing(
    host: Host, tmp_path: Path, body: bytes, expected: str
) -> None:
    host.files["/feed"] = body
    result = run_cli(["import", host.url("/feed"), "--into", str(tmp_path / "new")])
    assert result.exit_code == 2
    assert f"Error: {host.url('/feed')}: {expected}" in result.stderr
    assert not (tmp_path / "new").exists()


def test_dry_run_lists_and_writes_nothing(
    host: Host, episodes: list[bytes], cover: bytes, tmp_path: Path
) -> None:
    url = serve_castopod(host, episodes, cover)
    result = run_cli(["import", "--dry-run", url, "--into", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    march, april = "2023-03-16-seance-de-mars-le-budget-participatif", "2023-04-20-seance-d-avril"
    assert result.stdout.splitlines() == [
        f"would import {march} ({len(episodes[0])} bytes, guid {CASTOPOD_ITEMS[0]})",
        f"would import {april} ({len(episodes[1])} bytes, guid {CASTOPOD_ITEMS[1]})",
    ]
    assert not (tmp_path / "ws").exists()
    assert not [path for path, _ in host.requests if path.endswith(".mp3")]


def test_an_enclosure_404_leaves_the_workspace_as_it_was(
    host: Host, episodes: list[bytes], cover: bytes, tmp_path: Path
) -> None:
    url = serve_castopod(host, episodes, cover)
    del host.files["/audio/@conseil/seance-d-avril.mp3"]
    root = tmp_path / "ws"
    assert run_cli(["init", str(root)]).exit_code == 0
    before = tree(root)
    result = run_cli(["import", url, "--into", str(root)])
    assert result.exit_code == 2
    assert (
        f"Error: {host.url('/audio/@conseil/seance-d-avril.mp3')}: the enclosure of "
        '"Séance d\'avril" answered HTTP 404 (Not Found)' in result.stderr
    )
    after = {k: v for k, v in tree(root).items() if not k.startswith(".audioarchive/import/")}
    assert after == before  # the first enclosure waits in .audioarchive/import/ for the next run
    assert not (tmp_path / "new").exists()
    missing = run_cli(["import", url, "--into", str(tmp_path / "new")])
    assert missing.exit_code == 2
    assert not (tmp_path / "new").exists() or not tree(tmp_path / "new").keys() - {
        k for k in tree(tmp_path / "new") if k.startswith(".audioarchive/import/")
    }


def test_an_interrupted_download_resumes_with_a_range(
    host: Host, episodes: list[bytes], cover: bytes, tmp_path: Path
) -> None:
    url = serve_castopod(host, episodes, cover)
    path = "/audio/@conseil/seance-d-avril.mp3"
    host.cut_after[path] = 10000
    root = tmp_path / "ws"
    first = run_cli(["import", url, "--into", str(root)])
    assert first.exit_code == 2
    assert f"ended after 10000 of {len(episodes[1])} bytes" in first.stderr
    assert not (root / "metadata" / "podcast.yaml").exists()
    second = run_cli(["import", url, "--into", str(root)])
    assert second.exit_code == 0, second.output
    assert (path, "bytes=10000-") in host.requests
    april = next((root / "recordings").glob("*avril/*.mp3"))
    assert april.read_bytes() == episodes[1]
    assert not (root / ".audioarchive" / "import").exists()


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Tue, 17 Jan 2023 19:00:00 -0500", "2023-01-17T19:00:00-05:00"),
        ("14 Feb 23 19:00 EST", "2023-02-14T19:00:00-05:00"),
        ("Tue, 7 Mar 2023 19:00:00 GMT", "2023-03-07T19:00:00+00:00"),
        ("Tue,  7 Mar 2023 19:00:00", "2023-03-07T19:00:00+00:00"),
        ("2023-03-07T19:00:00+01:00", "2023-03-07T19:00:00+01:00"),
        ("mar., 7 mars 2023 19:00:00 +0100", "2023-03-07T19:00:00+01:00"),
        ("Wed, 08 Mar 2023 10:00:00 CEST", "2023-03-08T10:00:00+02:00"),
    ],
)
def test_dates_as_hosts_write_them(text: str, iso: str) -> None:
    found = parse_date(text)
    assert found is not None
    assert found.isoformat() == iso


def test_html_notes_become_markdown() -> None:
    html = (
        "<h2>Agenda</h2><ol><li>One <b>bold</b></li><li>Two</li></ol>"
        '<p>See <a href="javascript:alert(1)">this</a> and <a href="https://x.org/a_b">that</a>'
        "<script>alert(2)</script></p>"
    )
    assert html_to_markdown(html) == (
        "## Agenda\n\n1. One **bold**\n2. Two\n\nSee this and [that](https://x.org/a_b)"
    )
