"""Listening statistics: generated logs in each format, whose true counts are known."""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audioarchive.errors import InputError
from audioarchive.stats.counting import (
    CountOptions,
    CountReport,
    _Listener,
    count_logs,
    network_prefix,
)
from audioarchive.stats.logformats import (
    Request,
    W3CParser,
    parse_clf_time,
    parse_s3,
    sniff_format,
)
from audioarchive.stats.media import MediaFile, id3_size
from audioarchive.stats.report import build_report
from audioarchive.stats.store import Store
from audioarchive.stats.useragents import load_agents
from tests import stats_logs as gen

OPEN = datetime(2026, 3, 3, tzinfo=UTC)  # the scenario's days are still open
LATER = datetime(2026, 4, 1, tzinfo=UTC)  # they are closed
AGENTS = load_agents()


def _write(path: Path, lines: list[str], *, header: str = "", gz: bool = False) -> Path:
    text = header + "".join(f"{line}\n" for line in lines)
    if gz:
        path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _logs(tmp_path: Path, fmt: str, hits: list[gen.Hit]) -> list[Path]:
    """The scenario split in two files (the second gzipped), with a malformed line."""
    lines = gen.render(hits, fmt)
    header = gen.W3C_HEADER if fmt == "w3c" else ""
    half = len(lines) // 2
    first = _write(
        tmp_path / f"{fmt}-1.log", [*lines[:half], "garbage, not a request"], header=header
    )
    second = _write(tmp_path / f"{fmt}-2.log.gz", lines[half:], header=header, gz=True)
    return [second, first]  # out of order


def _count(store: Store, logs: list[Path], now: datetime = OPEN) -> CountReport:
    return count_logs(logs, gen.media(), store, CountOptions(AGENTS, now=now))


def _by_day_app(store: Store) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for _episode, day, app, _country, n in store.downloads():
        out[(day, app)] = out.get((day, app), 0) + n
    return out


@pytest.mark.parametrize("fmt", ["combined", "s3", "w3c"])
def test_counts_equal_the_scenario(tmp_path: Path, fmt: str) -> None:
    hits, expected = gen.scenario(with_offsets=fmt == "w3c")
    if fmt != "w3c":
        hits = gen.without_offsets(hits)
    store = Store(tmp_path / "stats")
    logs = _logs(tmp_path, fmt, hits)
    report = _count(store, logs)
    assert _by_day_app(store) == expected
    assert report.downloads == sum(expected.values())
    assert [f.format for f in report.files] == [fmt, fmt]
    plain = next(f for f in report.files if f.name.endswith(".log"))
    assert plain.malformed == 1
    assert plain.malformed_lines == [plain.lines]
    assert report.filtered["not GET"] == 2
    assert report.filtered["bot"] == 2
    # read again: the same files, then the same lines in a new file (a concatenation)
    again = _count(store, logs)
    assert [f.status for f in again.files] == ["already counted"] * 2
    assert again.downloads == 0
    lines = gen.render(hits, fmt)
    header = gen.W3C_HEADER if fmt == "w3c" else ""
    copy = _write(tmp_path / "all.log", lines, header=header)
    third = _count(store, [copy])
    assert third.downloads == 0
    assert third.filtered["repeated line"] > 0
    assert _by_day_app(store) == expected
    store.close()
    for stored in (store.path, store.keys_path):
        blob = stored.read_bytes()
        assert [t for t in (*gen.IPS, *gen.AGENTS) if t.encode() in blob] == []


def test_w3c_country_and_episode_table(tmp_path: Path) -> None:
    hits, expected = gen.scenario(with_offsets=True)
    store = Store(tmp_path / "stats")
    _count(store, _logs(tmp_path, "w3c", hits))
    report = build_report(store.downloads(), gen.media().episodes)
    assert report.countries == {"FR": sum(expected.values())}
    [episode] = report.episodes
    assert (episode.first_day, episode.first_7_days, episode.total) == ("2026-03-01", 4, 4)
    assert episode.daily[:3] == (3, 1, 0)
    assert episode.days_observed == 2  # the 7-, 30- and 90-day windows are still open
    assert report.months == {"2026-03": 4}
    assert report.apps == {"Apple Podcasts": 2, "Overcast": 2}


def test_days_close_keys_and_hashes_go_later_lines_are_refused(tmp_path: Path) -> None:
    hits, expected = gen.scenario(with_offsets=False)
    hits = gen.without_offsets(hits)
    store = Store(tmp_path / "stats")
    _count(store, _logs(tmp_path, "combined", hits))
    assert json.loads(store.keys_path.read_text()) != {}
    report = _count(store, [], now=LATER)
    assert report.closed_days == ["2026-03-01", "2026-03-02"]
    assert json.loads(store.keys_path.read_text()) == {}
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT count(*) FROM listeners").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM seen").fetchone() == (0,)
    db.close()
    # the same lines in a file never seen: the days are closed, nothing is counted twice
    late = _count(store, [_write(tmp_path / "late.log", gen.render(hits, "combined"))], LATER)
    assert late.downloads == 0
    assert late.filtered["day closed"] == sum(
        1
        for h in hits
        if h.method == "GET"
        and h.status in (200, 206)
        and "bot" not in h.agent
        and not h.agent.startswith("curl")
        and h.path != "/podcast/feed.xml"
    )
    assert _by_day_app(store) == expected
    store.close()


def test_days_split_over_two_runs_count_once(tmp_path: Path) -> None:
    # one listener's ranges spread over two log files read in two runs: one download
    store = Store(tmp_path / "stats")
    ranges = [
        gen.Hit(datetime(2026, 3, 1, 9, i, tzinfo=UTC), "192.0.2.1", gen.OVERCAST, status=206,
                sent=200_000, start=gen.ID3 + i * 200_000)
        for i in range(6)
    ]  # fmt: skip
    first = _write(tmp_path / "a.log", [gen.combined(h) for h in ranges[:3]])
    second = _write(tmp_path / "b.log", [gen.combined(h) for h in ranges[3:]])
    assert _count(store, [first]).downloads == 0  # 600,000 bytes: not yet a minute
    assert _count(store, [second]).downloads == 1  # 1,200,000 bytes over the day
    store.close()


def test_unknown_format_is_named_and_nothing_counted(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.log", [gen.combined(gen.Hit(OPEN, "192.0.2.1", gen.APPLE))])
    bad = _write(tmp_path / "notes.txt", ["Dear diary,", "today nothing happened."])
    store = Store(tmp_path / "stats")
    with pytest.raises(InputError, match=r"notes\.txt: unknown log format; expected one of"):
        _count(store, [good, bad])
    assert store.downloads() == []
    store.close()


def test_parsers_and_helpers() -> None:
    assert parse_clf_time("10/Oct/2000:13:55:36 -0700") == 971211336
    assert network_prefix("2001:db8:1:2::10") == network_prefix("2001:db8:1:2:ffff::99")
    assert network_prefix("2001:db8:1:2::10") != network_prefix("2001:db8:1:3::10")
    assert network_prefix("::ffff:192.0.2.1") == network_prefix("192.0.2.1")
    assert id3_size(b"ID3\x04\x00\x00\x00\x00\x02\x01") == 10 + 257
    assert id3_size(b"\xff\xfb\x90\x00" + bytes(6)) == 0
    assert sniff_format([gen.s3(gen.Hit(OPEN, "192.0.2.1", gen.APPLE))]) == "s3"
    assert sniff_format(["not a log line"]) is None
    # the example of AWS's documentation of the format, with its trailing fields
    aws = (
        "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be DOC-EXAMPLE-BUCKET1 "
        "[06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8"
        'f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /DOC-EXAMPLE-BUCKET1?'
        'versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2'
        "ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 "
        "AuthHeader DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com TLSV1.2 "
        "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes"
    )
    request = parse_s3(aws)
    assert request is not None
    assert (request.method, request.status, request.sent, request.ip) == (
        "GET",
        200,
        113,
        "192.0.2.3",
    )
    assert request.time == 1549411238
    assert request.user_agent == "S3Console/0.4"


def test_cloudfront_documented_example() -> None:
    parser = W3CParser()
    fields = (
        "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
        "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id "
        "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
        "x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port "
        "time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
        "sc-range-start sc-range-end"
    )
    assert parser.parse("#Version: 1.0") is not None
    assert parser.parse(f"#Fields: {fields}") is not None
    agent = (
        "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,"
        "%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36"
    )
    values = [
        "2019-12-04", "21:02:31", "LAX1", "392", "192.0.2.100", "GET",
        "d111111abcdef8.cloudfront.net", "/index.html", "200", "-", agent, "-", "-", "Hit",
        "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==",
        "d111111abcdef8.cloudfront.net", "https", "23", "0.001", "-", "TLSv1.2",
        "ECDHE-RSA-AES128-GCM-SHA256", "Hit", "HTTP/2.0", "-", "-", "11040", "0.001", "Hit",
        "text/html", "78", "-", "-",
    ]  # fmt: skip
    request = parser.parse("\t".join(values))
    assert request is not None
    assert (request.method, request.path, request.status, request.sent) == (
        "GET", "/index.html", 200, 392,
    )  # fmt: skip
    assert request.time == 1575493351
    assert request.user_agent.startswith("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
    assert request.range_start is None


@pytest.mark.parametrize(
    ("agent", "kind", "name"),
    [
        (gen.APPLE, "app", "Apple Podcasts"),
        ("AppleCoreMedia/1.0.0.20G75 (iPhone; U; CPU OS 16_6 like Mac OS X; fr_fr)", "app",
         "Apple Podcasts"),
        (gen.SPOTIFY, "app", "Spotify"),
        ("AntennaPod/3.4.0", "app", "AntennaPod"),
        ("iTMS", "bot", "Apple Podcasts crawler"),
        (gen.BOTS[0], "bot", "Googlebot"),
        ("python-requests/2.31.0", "bot", "Scripting library"),
        ("", "bot", "Missing user agent"),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "browser",
         "Firefox"),
        ("Lavf/60.3.100", "library", "Android media player"),
        ("okhttp/4.12.0", "library", "Android media player"),  # many Android apps: not a bot
        ("SomethingNew/1.0", "unknown", "Other"),
    ],
)  # fmt: skip
def test_user_agent_list(agent: str, kind: str, name: str) -> None:
    found = AGENTS.classify(agent)
    assert (found.type, found.name) == (kind, name)
    assert AGENTS.updated


def test_truncated_gzip_and_empty_file(tmp_path: Path) -> None:
    hits = [gen.Hit(datetime(2026, 3, 1, 8, m, tzinfo=UTC), f"192.0.2.{m}", gen.APPLE)
            for m in range(40)]  # fmt: skip
    lines = [gen.combined(h) for h in hits]
    whole = gzip.compress("".join(f"{line}\n" for line in lines).encode(), mtime=0)
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    empty = _write(tmp_path / "empty.log", [])
    store = Store(tmp_path / "stats")
    report = _count(store, [cut, empty])
    first, nothing = report.files
    assert first.damaged_at is not None
    assert 0 < first.downloads < 40
    assert (nothing.format, nothing.lines, nothing.downloads) == ("empty", 0, 0)
    # the complete file later: only the lines after the cut are new
    complete = tmp_path / "complete.log.gz"
    complete.write_bytes(whole)
    assert first.downloads + _count(store, [complete]).downloads == 40
    store.close()


@given(st.lists(st.tuples(st.integers(0, 2500), st.integers(0, 600)), max_size=25))
def test_ranges_add_up_to_the_audio_bytes_covered(ranges: list[tuple[int, int]]) -> None:
    media = MediaFile("e", "mp3", size=2000, id3_size=100, duration=3600.0)
    listener = _Listener(0, [], counted=False)
    covered: set[int] = set()
    for start, length in ranges:
        listener.add(Request(0, "192.0.2.1", "GET", "/", 206, length, start, "a"), media)
        covered.update(range(max(start, 100), min(start + length, 2000)))
    assert listener.audio == len(covered)


def test_w3c_log_without_the_needed_fields_is_named(tmp_path: Path) -> None:
    header = "#Version: 1.0\n#Fields: date time c-ip cs-method cs-uri-stem sc-status\n"
    log = _write(
        tmp_path / "cdn.log", ["2026-03-01\t10:00:00\t192.0.2.1\tGET\t/x\t200"], header=header
    )
    store = Store(tmp_path / "stats")
    with pytest.raises(
        InputError, match=r"cdn\.log: a W3C log without the fields sc-bytes, cs\(user-agent\)"
    ):
        _count(store, [log])
    store.close()
