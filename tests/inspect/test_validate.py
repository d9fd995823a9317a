"""``validate`` on the feed: each kind of problem gives one line naming file and place."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from audioarchive.inspect.validate import check_chapters, check_feed
from audioarchive.metadata.episode import Publication
from audioarchive.tags.artwork import ImageInfo, artwork_problems, image_info
from tests.feed_helpers import ARTWORK, BASE, make_publication, write_public_tree
from tests.helpers import PACKAGE_ARTWORK, Ws, ffmpeg

RICH = "2022-10-25-a"
MP3 = f"episodes/{RICH}/{RICH}-abcdef0123.mp3"
OPUS = f"episodes/{RICH}/{RICH}-abcdef0123.opus"
FEED = "feed/feed.xml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "feed"
    publication: Publication = make_publication(tmp_path / "recordings")
    write_public_tree(root, publication)
    return root


def lines(root: Path, expect: list[str] | None = None) -> list[str]:
    return [str(p) for p in check_feed(root, BASE, expect=expect)]


def edit(root: Path, old: str, new: str, count: int = 1) -> None:
    feed = root / "feed.xml"
    text = feed.read_text(encoding="utf-8")
    assert old in text, old
    feed.write_text(text.replace(old, new, count), encoding="utf-8")


def _image(fmt: str, mode: str, width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    options = {"compress_level": 1} if fmt == "PNG" else {}
    Image.new(mode, (width, height)).save(buffer, fmt, **options)
    return buffer.getvalue()


def png(width: int, height: int, colour_type: int = 2) -> bytes:
    """A PNG image of the PNG colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA)."""
    return _image("PNG", {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}[colour_type], width, height)


def jpeg(width: int, height: int, components: int = 3) -> bytes:
    """A JPEG image of 1 (grey), 3 (RGB) or 4 (CMYK) components."""
    return _image("JPEG", {1: "L", 3: "RGB", 4: "CMYK"}[components], width, height)


def test_a_good_tree_has_no_problem(tree: Path) -> None:
    assert lines(tree) == []


Mutation = Callable[[Path], object]


def _grow_mp3(root: Path) -> None:
    with (root / MP3).open("ab") as handle:
        handle.write(b"\0")


def _bad_urls(root: Path) -> None:
    edit(root, f"<link>{BASE}/index.html</link>", "<link>/mouton/</link>")
    edit(root, 'cast" href="https://example.org/clara"', 'cast" href="https://example.org/clarà"')


def _no_artwork_bad_category(root: Path) -> None:
    edit(root, f'<itunes:image href="{BASE}/{ARTWORK}"/>\n    <itunes:type>', "<itunes:type>")
    edit(root, 'text="Government"', 'text="Governance"')


def _bad_date_and_duration(root: Path) -> None:
    edit(root, "Thu, 24 Nov 2022 19:00:00 +0100", "24/11/2022")
    edit(root, "<itunes:duration>3600<", "<itunes:duration>1 h<")


CASES: list[tuple[str, Mutation, list[str]]] = [
    (
        "enclosure length",
        _grow_mp3,
        [
            f"{FEED}: item {RICH}: enclosure: length 43210; expected 43211, the file's size",
            (
                f"{FEED}: item {RICH}: podcast:alternateEnclosure: length 43210; "
                "expected 43211, the file's size"
            ),
        ],
    ),
    (
        "missing alternate",
        lambda root: (root / OPUS).unlink(),
        [
            (
                f"{FEED}: item {RICH}: podcast:alternateEnclosure: {BASE}/{OPUS} is not in feed/; "
                "expected a built file"
            )
        ],
    ),
    (
        "duplicate guid",
        lambda root: edit(root, ">2022-11-24-b</guid>", f">{RICH}</guid>"),
        [f"{FEED}: item {RICH}: duplicate guid; expected each once"],
    ),
    (
        "same enclosure twice",
        lambda root: edit(root, "2022-11-24-b/2022-11-24-b-abcdef0123.mp3", MP3.split("/", 1)[1]),
        [
            (
                f"{FEED}: item {RICH}: enclosure: {BASE}/{MP3} is used by another item; "
                "expected each once"
            )
        ],
    ),
    (
        "relative and non-ASCII URLs",
        _bad_urls,
        [
            (
                f'{FEED}: channel/link: found "/mouton/"; '
                "expected an absolute http(s) URL in ASCII (Apple)"
            ),
            (
                f'{FEED}: item {RICH}/podcast:person@href: found "https://example.org/clarà"; '
                "expected an absolute http(s) URL in ASCII (Apple)"
            ),
        ],
    ),
    (
        "explicit yes",
        lambda root: edit(root, ">false</itunes:explicit>", ">yes</itunes:explicit>"),
        [f'{FEED}: channel/itunes:explicit: found "yes"; expected "true" or "false"'],
    ),
    (
        "no artwork, bad category",
        _no_artwork_bad_category,
        [
            f"{FEED}: channel/itunes:image: missing; Apple Podcasts requires the show's artwork",
            f'{FEED}: channel/itunes:category: "Governance" is not an Apple Podcasts category',
        ],
    ),
    (
        "long description",
        lambda root: edit(root, "<description>Le travail social", "<description>" + "é" * 2001),
        [f"{FEED}: item 2022-11-24-b: description: 4002 bytes; expected at most 4000 (Apple)"],
    ),
    (
        "bad date and duration",
        _bad_date_and_duration,
        [
            f'{FEED}: item 2023-01-19-c: itunes:duration: found "1 h"; expected seconds',
            f'{FEED}: item 2022-11-24-b: pubDate: found "24/11/2022"; expected an RFC 2822 date',
        ],
    ),
    (
        "broken transcript",
        lambda root: (root / f"episodes/{RICH}/transcript.vtt").write_text(
            "WEBVTT\n\n00:01.000 -> 00:02.000\nx\n"
        ),
        [
            (
                f"feed/episodes/{RICH}/transcript.vtt: line 3: expected a timing line "
                '"00:00:01.000 --> 00:00:04.000" (WebVTT syntax)'
            )
        ],
    ),
    (
        "chapters out of order",
        lambda root: (root / f"episodes/{RICH}/chapters.json").write_text(
            '{"version": "1.2.0", "chapters": [{"startTime": 5}, {"startTime": 2, "url": "x"}]}'
        ),
        [
            (
                f"feed/episodes/{RICH}/chapters.json: chapters[1].startTime: 2 is before the "
                "previous chapter's; expected ascending"
            ),
            (
                f'feed/episodes/{RICH}/chapters.json: chapters[1].url: found "x"; expected an '
                "absolute http(s) URL in ASCII"
            ),
        ],
    ),
    (
        "small artwork",
        lambda root: (root / ARTWORK).write_bytes(png(1000, 1000)),
        [f"feed/{ARTWORK}: 1000x1000 px; expected a square of 1400 to 3000 px (Apple Podcasts)"],
    ),
    (
        "missing chapters",
        lambda root: (root / f"episodes/{RICH}/chapters.json").unlink(),
        [
            (
                f"{FEED}: item {RICH}: podcast:chapters: {BASE}/episodes/{RICH}/chapters.json "
                "is not in feed/"
            )
        ],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_is_one_line(tree: Path, mutate: Mutation, expected: list[str]) -> None:
    mutate(tree)
    assert lines(tree) == expected


def test_not_xml_and_missing_items(tree: Path) -> None:
    assert lines(tree, expect=[RICH, "2023-03-e"]) == [
        f"{FEED}: item 2023-03-e: missing; expected an item per built episode (build)"
    ]
    (tree / "feed.xml").write_text("<rss><channel>")
    (problem,) = lines(tree)
    assert problem.startswith(f"{FEED}: not well-formed XML (")


def test_image_headers(tmp_path: Path) -> None:
    assert image_info(PACKAGE_ARTWORK.read_bytes()) == ImageInfo("png", 1400, 1400, "rgb")
    made = tmp_path / "art.jpg"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=1600x1600", "-frames:v", "1", str(made))
    assert image_info(made.read_bytes()) == ImageInfo("jpeg", 1600, 1600, "rgb")
    assert artwork_problems(made.read_bytes(), ".jpg") == []
    assert image_info(b"GIF89a") is None


@pytest.mark.parametrize(
    ("data", "suffix", "expected"),
    [
        (png(3000, 3000, 6), ".png", []),
        (
            png(1400, 1500),
            ".png",
            ["1400x1500 px; expected a square of 1400 to 3000 px (Apple Podcasts)"],
        ),
        (png(1400, 1400, 0), ".png", ["grey colours; expected RGB (Apple Podcasts)"]),
        (jpeg(1400, 1400, 4), ".jpg", ["cmyk colours; expected RGB (Apple Podcasts)"]),
        (jpeg(1400, 1400), ".png", ["a JPEG image named *.png; expected the extension to match"]),
        (b"GIF89a", ".png", ["not a JPEG or PNG image; expected one (Apple Podcasts)"]),
    ],
)
def test_artwork_rules(data: bytes, suffix: str, expected: list[str]) -> None:
    assert artwork_problems(data, suffix) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"version": "1.2.0", "chapters": []}', []),
        (b"[]", [": expected a JSON object with version and chapters"]),
        (b'{"chapters": []}', [': version: found null; expected a version such as "1.2.0"']),
        (b'{"version": "1.2.0"}', [": chapters: missing; expected a list of chapters"]),
        (
            b'{"version": "1.2", "chapters": [{"startTime": -1}, {"startTime": 9000}, 3]}',
            [
                ": chapters[0].startTime: found -1; expected seconds (\u2265 0)",
                ": chapters[1].startTime: 9000 is past the end of the episode (3600 s)",
                ": chapters[2]: expected an object with startTime",
            ],
        ),
        (
            (
                b'{"version": "1.2.0", "chapters": [{"startTime": 1, "endTime": 0, "title": 3, '
                b'"toc": "no"}]}'
            ),
            [
                ": chapters[0].endTime: found 0; expected seconds after startTime",
                ": chapters[0].title: found 3; expected a string",
                ': chapters[0].toc: found "no"; expected true or false',
            ],
        ),
    ],
)
def test_chapters_rules(data: bytes, expected: list[str]) -> None:
    assert [str(p) for p in check_chapters(data, "c.json", 3600)] == [
        f"c.json{e}" for e in expected
    ]


def test_validate_command_reports_feed_problems_one_per_line(built: Ws) -> None:
    feed = built.root / "feed" / "feed.xml"
    text = feed.read_text(encoding="utf-8")
    text = text.replace(
        "<itunes:explicit>false</itunes:explicit>", "<itunes:explicit>no</itunes:explicit>", 1
    )
    feed.write_text(text.replace("<language>fr</language>", "<language>French</language>"))
    result = built.run("validate")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        'feed/feed.xml: channel/language: found "French"; expected an ISO 639 code ("fr")',
        'feed/feed.xml: channel/itunes:explicit: found "no"; expected "true" or "false"',
    ]
    assert "2 problem(s) in the built outputs." in result.stderr
