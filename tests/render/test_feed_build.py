"""The feed of a real build: Opus alternate, transcript, chapters, venue, hosts; stable bytes."""

from __future__ import annotations

import difflib
from pathlib import Path

import feedparser
import pytest
from lxml import etree  # type: ignore[import-untyped]

from audioarchive.ffmpeg import Tools
from audioarchive.metadata.episode import load_record
from audioarchive.metadata.transcript import parse_vtt
from tests.feed_helpers import item_spans
from tests.helpers import SHOW, Ws, assert_never_named, copy_workspace, new_workspace

NS = {"podcast": "https://podcastindex.org/namespace/1.0"}
BASE = "http://localhost:8000"
TRANSCRIPT = """WEBVTT

00:00:00.500 --> 00:00:02.000
<v Le Mouton Numérique>Bonsoir.

00:00:02.500 --> 00:00:03.500
<v Habib>Je suis Habib.

00:00:04.000 --> 00:00:05.000
<v Clara Deville>Merci Habib.
"""


@pytest.fixture(scope="module")
def rich_template(tmp_path_factory: pytest.TempPathFactory, tools: Tools) -> Path:
    root = tmp_path_factory.mktemp("feedbuild") / "ws"
    show = dict(
        SHOW,
        seasons={1: "Le cycle 2022-2023"},
        hosts=[{"name": "Le Mouton Numérique", "url": "https://mouton-numerique.org/"}],
    )
    ws = new_workspace(
        root,
        show=show,
        toml=f'[site]\nbase_url = "{BASE}"\n[audio]\nextra_formats = ["opus"]\n',
    )
    ws.recording("2022-10-25-a", seconds=6, channels=1)
    (root / "recordings" / "2022-10-25-a" / "transcript.vtt").write_text(TRANSCRIPT)
    ws.write_session(
        "2022-10-25-a",
        date="2022-10-25T19:00:00+02:00",
        season=1,
        episode=1,
        trim=False,
        description="Avec Clara Deville et Habib.",
        venue={"name": "Le Picoulet", "address": "75011 Paris", "geo": "48.8697,2.3731"},
        speakers=[
            {"name": "Clara Deville", "role": "guest", "affiliation": "sociologue"},
            {"name": "Habib", "role": "guest", "publish_name": False},
        ],
        chapters=[{"start": "0:00:00", "title": "Intro"}, {"start": "0:00:03", "title": "Habib"}],
        transcript="transcript.vtt",
    )
    ws.recording("2022-11-24-b", seconds=4, channels=1, frequency=300)
    ws.write_session("2022-11-24-b", date="2022-11-24T19:00:00+01:00", season=1, episode=2)
    result = ws.run("build")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def rich(rich_template: Path, tmp_path: Path) -> Ws:
    return copy_workspace(rich_template, tmp_path / "ws")


def test_the_built_feed_validates_and_points_to_real_files(rich: Ws) -> None:
    result = rich.run("validate")
    assert result.exit_code == 0, result.output
    feed = rich.root / "feed"
    data = (feed / "feed.xml").read_bytes()
    assert not feedparser.parse(data).bozo
    item = etree.fromstring(data).xpath("//item[guid='2022-10-25-a']")[0]
    alternates = item.xpath("podcast:alternateEnclosure", namespaces=NS)
    assert [a.get("type") for a in alternates] == ["audio/mpeg", "audio/ogg"]
    for alternate in alternates:
        (uri,) = alternate.xpath("podcast:source/@uri", namespaces=NS)
        assert int(alternate.get("length")) == (feed / uri.removeprefix(f"{BASE}/")).stat().st_size
    urls = item.xpath("podcast:transcript/@url | podcast:chapters/@url", namespaces=NS)
    assert [u.removeprefix(f"{BASE}/episodes/2022-10-25-a/") for u in urls] == [
        "chapters.json",
        "transcript.vtt",
        "transcript.json",
        "transcript.srt",
    ]
    cues = parse_vtt((feed / "episodes/2022-10-25-a/transcript.vtt").read_text())
    assert [(c.speaker, c.text) for c in cues] == [
        ("Le Mouton Numérique", "Bonsoir."),
        ("[…]", "Je suis […]."),
        ("Clara Deville", "Merci […]."),
    ]
    record = load_record(rich.root / ".audioarchive", "2022-10-25-a")
    assert record is not None
    assert cues[0].start == pytest.approx(0.5 - record.timeline.start + record.timeline.intro)


def test_an_unpublishable_speaker_is_in_no_file_of_the_feed(rich: Ws) -> None:
    feed = rich.root / "feed"
    files = [feed / "feed.xml", *feed.glob("episodes/*/chapters.json")]
    files += feed.glob("episodes/*/transcript.*")
    files += feed.glob("assets/said-*.js")  # the pages' search of what was said
    assert len(files) == 6
    assert assert_never_named("Habib", files) == 6


def test_rebuilding_gives_the_same_bytes(rich: Ws) -> None:
    feed = rich.root / "feed"
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in feed.rglob("*") if p.is_file()}
    result = rich.run("build")
    assert result.exit_code == 0, result.output
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in feed.rglob("*") if p.is_file()}
    assert after == before


def test_a_new_title_changes_only_that_item(rich: Ws) -> None:
    feed = rich.root / "feed" / "feed.xml"
    before = feed.read_text().splitlines()
    rich.write_session(
        "2022-11-24-b",
        title="Un nouveau titre",
        date="2022-11-24T19:00:00+01:00",
        season=1,
        episode=2,
    )
    result = rich.run("build")
    assert result.exit_code == 0, result.output
    after = feed.read_text().splitlines()
    assert "      <title>Un nouveau titre</title>" in after
    old, new = item_spans(before)["2022-11-24-b"], item_spans(after)["2022-11-24-b"]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after).get_opcodes():
        if tag != "equal":
            assert set(range(i1, i2)) <= set(old), before[i1:i2]
            assert set(range(j1, j2)) <= set(new), after[j1:j2]
