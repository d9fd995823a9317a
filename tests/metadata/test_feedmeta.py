"""podcast:txt, updateFrequency, podroll, publisher and image: podcast.yaml → feed, read back
by feedparser and XPath, the rules checked by dateutil's RFC 5545 parser; validate's messages."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from dateutil.rrule import rrulestr
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from audioarchive.errors import SessionError
from audioarchive.inspect.validate import check_feed
from audioarchive.metadata.feedmeta import RemoteFeed, Rhythm, TxtRecord, rrule_problems
from audioarchive.metadata.session import load_workspace
from audioarchive.render.feed import render_feed
from audioarchive.render.feed_podcast2 import podcast_guid
from audioarchive.render.publication import public_view
from tests.feed_helpers import (
    ARTWORK,
    BASE,
    EPISODE_ARTWORK,
    make_publication,
    make_show,
    write_public_tree,
)
from tests.helpers import SHOW, new_workspace

NS = {"podcast": "https://podcastindex.org/namespace/1.0"}
OTHER = "https://feeds.example.org/autre-cycle.xml"
OTHER_GUID = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
PUBLISHER = "https://mouton-numerique.org/publisher.xml"
RULE = "FREQ=MONTHLY;BYDAY=3TH"


def _show(**changes: Any) -> Any:
    defaults: dict[str, Any] = {
        "txt": (TxtRecord("05124", "applepodcastsverify"), TxtRecord("S6lpp-7ZCn8")),
        "rhythm": Rhythm(
            "Le troisième jeudi du mois",
            RULE,
            datetime.fromisoformat("2022-10-20T19:00:00+02:00"),
        ),
        "podroll": (
            RemoteFeed(None, OTHER, "Un autre cycle"),
            RemoteFeed(OTHER_GUID),
        ),
        "publisher": RemoteFeed(None, PUBLISHER, "Le Mouton Numérique"),
    }
    defaults.update(changes)
    return make_show(**defaults)


def _feed(tmp_path: Path, **changes: Any) -> bytes:
    publication = make_publication(tmp_path / "recordings", show=_show(**changes))
    publication = dataclasses.replace(
        publication, image_sizes={ARTWORK: (1400, 1400), EPISODE_ARTWORK: (3000, 3000)}
    )
    return render_feed(public_view(publication))["feed.xml"]


def _xp(data: bytes, path: str) -> list[Any]:
    return list(etree.fromstring(data).xpath(path, namespaces=NS))


def test_channel_tags_exactly_as_the_namespace_documents_them(tmp_path: Path) -> None:
    data = _feed(tmp_path)
    txt = _xp(data, "/rss/channel/podcast:txt")
    assert [(t.get("purpose"), t.text) for t in txt] == [
        ("applepodcastsverify", "05124"),
        (None, "S6lpp-7ZCn8"),
    ]
    (frequency,) = _xp(data, "/rss/channel/podcast:updateFrequency")
    assert dict(frequency.attrib) == {"dtstart": "2022-10-20T19:00:00+02:00", "rrule": RULE}
    assert frequency.text == "Le troisième jeudi du mois"
    items = _xp(data, "/rss/channel/podcast:podroll/podcast:remoteItem")
    assert [dict(i.attrib) for i in items] == [
        {"feedGuid": podcast_guid(OTHER), "feedUrl": OTHER, "title": "Un autre cycle"},
        {"feedGuid": OTHER_GUID},
    ]
    (publisher,) = _xp(data, "/rss/channel/podcast:publisher/podcast:remoteItem")
    assert publisher.get("medium") == "publisher"
    assert publisher.get("feedUrl") == PUBLISHER
    assert publisher.get("feedGuid") == podcast_guid(PUBLISHER)
    (image,) = _xp(data, "/rss/channel/podcast:image")
    assert dict(image.attrib) == {
        "href": f"{BASE}/{ARTWORK}",
        "aspect-ratio": "1/1",
        "width": "1400",
        "height": "1400",
        "type": "image/png",
        "purpose": "artwork",
    }
    episode_images = {
        item.findtext("guid"): item.find("podcast:image", NS).get("href")
        for item in _xp(data, "/rss/channel/item")
    }
    assert episode_images["2022-11-24-b"] == f"{BASE}/{EPISODE_ARTWORK}"
    assert episode_images["2022-10-25-a"] == f"{BASE}/{ARTWORK}"
    (width,) = _xp(data, "//item[guid='2022-11-24-b']/podcast:image/@width")
    assert width == "3000"


def test_feedparser_reads_the_new_tags(tmp_path: Path) -> None:
    parsed = feedparser.parse(_feed(tmp_path))
    assert not parsed.bozo
    channel = parsed.feed
    assert channel["podcast_txt"] == "S6lpp-7ZCn8"  # feedparser keeps the last one's text
    assert channel["podcast_updatefrequency"]["rrule"] == RULE
    assert channel["podcast_remoteitem"]["medium"] == "publisher"  # the last remoteItem
    assert channel["podcast_image"]["width"] == "1400"
    assert parsed.entries[0]["podcast_image"]["href"] == f"{BASE}/{ARTWORK}"


def test_the_rule_in_the_feed_is_read_by_dateutil(tmp_path: Path) -> None:
    (frequency,) = _xp(_feed(tmp_path), "/rss/channel/podcast:updateFrequency")
    start = datetime.fromisoformat(frequency.get("dtstart"))
    rule = rrulestr(frequency.get("rrule"), dtstart=start)
    dates = [d.date().isoformat() for d in itertools.islice(rule, 3)]
    assert dates == ["2022-10-20", "2022-11-17", "2022-12-15"]  # third Thursdays


def test_a_complete_cycle_says_so_without_a_rule(tmp_path: Path) -> None:
    rhythm = Rhythm("Cycle terminé", RULE, None, complete=True)
    data = _feed(tmp_path, rhythm=rhythm, podroll=(), publisher=None, txt=())
    (frequency,) = _xp(data, "/rss/channel/podcast:updateFrequency")
    assert dict(frequency.attrib) == {"complete": "true"}
    for absent in ("txt", "podroll", "publisher"):
        assert not _xp(data, f"/rss/channel/podcast:{absent}")


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY",
        "FREQ=WEEKLY;INTERVAL=2",
        "FREQ=DAILY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR",
        "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",  # RFC 5545's Friday the 13th
        "FREQ=YEARLY;BYDAY=+4TH;BYMONTH=11",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=10",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=WEEKLY;UNTIL=20231231T000000Z;BYDAY=MO",
    ],
)
def test_the_namespace_and_rfc_examples_are_accepted(rule: str) -> None:
    assert rrule_problems(rule) == []
    rrulestr(rule, dtstart=datetime(2023, 8, 28, tzinfo=UTC))  # dateutil reads it too


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("WEEKLY", '"WEEKLY" is not NAME=VALUE'),
        ("BYDAY=MO", "no FREQ"),
        ("FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY is not a frequency"),
        ("FREQ=WEEKLY;BYDAY=3TH", "only FREQ=MONTHLY or YEARLY allows"),
        ("FREQ=MONTHLY;BYDAY=XX", 'BYDAY has "XX"'),
        ("FREQ=MONTHLY;COUNT=3;UNTIL=20261231", "UNTIL and COUNT together"),
        ("FREQ=MONTHLY;UNTIL=2026-12-31", "UNTIL=2026-12-31 is not a date"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY=32"),
        # the namespace's own "every Friday the 13th" example breaks RFC 5545's table
        ("FREQ=WEEKLY;BYDAY=FR;BYMONTHDAY=13", "BYMONTHDAY cannot go with FREQ=WEEKLY"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL=0"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ appears twice"),
    ],
)
def test_malformed_rules_are_named(rule: str, message: str) -> None:
    problems = rrule_problems(rule)
    assert any(message in p for p in problems), problems


_PART = st.sampled_from(
    [
        "INTERVAL=2",
        "COUNT=5",
        "BYDAY=MO,WE",
        "BYDAY=2TU",
        "BYMONTH=3,9",
        "BYMONTHDAY=-1",
        "BYHOUR=19",
        "BYSETPOS=1",
        "WKST=MO",
        "BYWEEKNO=20",
        "BYYEARDAY=100",
        "UNTIL=20301231",
    ]
)


@given(
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
    st.lists(_PART, max_size=4, unique_by=lambda p: p.split("=")[0]),
)
def test_every_rule_we_accept_dateutil_reads(freq: str, parts: list[str]) -> None:
    rule = ";".join([f"FREQ={freq}", *parts])
    if not rrule_problems(rule):
        rrulestr(rule, dtstart=datetime(2026, 1, 1))


# --- podcast.yaml and validate ----------------------------------------------------------------


def _workspace(tmp_path: Path, **keys: Any) -> Path:
    new_workspace(tmp_path, {**SHOW, **keys})
    return tmp_path


def test_podcast_yaml_keys_reach_the_show(tmp_path: Path) -> None:
    root = _workspace(
        tmp_path,
        txt=[{"purpose": "applepodcastsverify", "value": "05124"}],
        rhythm={
            "rrule": "freq=monthly;byday=3th",
            "text": "Monthly",
            "dtstart": "2026-01-15T19:00:00+01:00",
        },
        podroll=[{"feed_url": OTHER, "title": "Autre"}, {"feed_guid": OTHER_GUID}],
        publisher={"feed_url": PUBLISHER},
    )
    show = load_workspace(root).show
    assert show.txt == (TxtRecord("05124", "applepodcastsverify"),)
    assert show.rhythm is not None
    assert show.rhythm.rrule == "FREQ=MONTHLY;BYDAY=3TH"
    assert show.podroll == (RemoteFeed(None, OTHER, "Autre"), RemoteFeed(OTHER_GUID))
    assert show.publisher == RemoteFeed(None, PUBLISHER)


def test_malformed_rhythm_and_txt_are_named_with_file_and_field(tmp_path: Path) -> None:
    root = _workspace(
        tmp_path,
        txt=[{"purpose": "p" * 129, "value": "x"}, {"purpose": "verify"}],
        rhythm={"rrule": "FREQ=WEEKLY;BYDAY=3TH", "text": "Weekly"},
        podroll=[{"title": "Nameless"}],
    )
    with pytest.raises(SessionError) as caught:
        load_workspace(root)
    lines = [line.strip() for line in str(caught.value).splitlines()]
    assert any(
        line.startswith("metadata/podcast.yaml: txt[0].purpose: found 129 characters")
        for line in lines
    ), lines
    assert "metadata/podcast.yaml: txt[1].value: missing; expected the text to publish" in lines
    assert any(
        line.startswith('metadata/podcast.yaml: rhythm.rrule: found "FREQ=WEEKLY;BYDAY=3TH"')
        and "only FREQ=MONTHLY or YEARLY" in line
        for line in lines
    ), lines
    assert any(
        line.startswith("metadata/podcast.yaml: podroll[0].feed_guid: missing") for line in lines
    )


def test_validate_command_exits_2_naming_the_rule(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path, {**SHOW, "rhythm": {"rrule": "FREQ=SOMETIMES", "text": "Often"}})
    result = ws.run("validate")
    assert result.exit_code == 2
    assert (
        'podcast.yaml: rhythm.rrule: found "FREQ=SOMETIMES": FREQ=SOMETIMES is not a frequency'
        in result.output
    )


def test_a_rule_with_count_needs_its_start(tmp_path: Path) -> None:
    root = _workspace(tmp_path, rhythm={"rrule": "FREQ=WEEKLY;COUNT=10", "text": "Ten weeks"})
    with pytest.raises(SessionError, match=r"rhythm\.dtstart: missing"):
        load_workspace(root)


def test_check_feed_finds_broken_tags_in_a_built_feed(tmp_path: Path) -> None:
    publication = make_publication(tmp_path / "recordings", show=_show())
    files = write_public_tree(tmp_path / "feed", publication)
    assert check_feed(tmp_path / "feed", BASE) == []
    broken = (
        files["feed.xml"]
        .replace(RULE.encode(), b"FREQ=WEEKLY;BYDAY=3TH")
        .replace(b'purpose="applepodcastsverify"', b'purpose=""')
        .replace(b' medium="publisher"', b"")
    )
    (tmp_path / "feed" / "feed.xml").write_bytes(broken)
    problems = [str(p) for p in check_feed(tmp_path / "feed", BASE)]
    assert any("channel/podcast:updateFrequency: rrule=" in p for p in problems), problems
    assert any("channel/podcast:txt: purpose of 0 characters" in p for p in problems), problems
    assert any("channel/podcast:publisher: expected exactly one" in p for p in problems), problems
