"""Tags read back by mutagen and by ffprobe, for each format; ``audioarchive tags``."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from mutagen.flac import FLAC
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus

from audioarchive.ffmpeg import Tools
from audioarchive.metadata.episode import load_record, public_chapters
from audioarchive.metadata.session import Chapter, Person, Session, Venue
from audioarchive.metadata.timeline import Timeline
from audioarchive.tags import episode_tags, read_tags, write_tags
from tests.feed_helpers import make_show
from tests.helpers import PACKAGE_ARTWORK, Ws, assert_never_named, ffmpeg

ENCODERS = {
    "mp3": ("-c:a", "libmp3lame", "-b:a", "64k"),
    "flac": ("-c:a", "flac"),
    "opus": ("-c:a", "libopus", "-b:a", "32k"),
    "m4a": ("-c:a", "aac", "-b:a", "64k"),
}
SHOW = make_show(description="Le cycle.", categories=("Government",), copyright=None)
SESSION = Session(
    id="2022-10-25-non-recours",
    title="Les conséquences de la dématérialisation",
    source=Path("2022-10-25-non-recours.yaml"),
    date=datetime.fromisoformat("2022-10-25T19:00:00+02:00"),
    season=1,
    episode=3,
    description="Avec **Clara Deville**.",
    venue=Venue("Centre social Le Picoulet", "59, rue de la Fontaine au Roi", (48.8697, 2.3731)),
    speakers=(
        Person("Clara Deville", "guest", "sociologue"),
        Person("Habib", "guest", publish_name=False),
    ),
    topics=("dématérialisation", "non-recours"),
    chapters=(
        Chapter(0.0, "Introduction"),
        Chapter(2.5, "Clara Deville", "https://example.org/slides.pdf"),
        Chapter(4.25, "Questions"),
    ),
)
TIMELINE = Timeline(start=0.0, end=6.0)


def _ffprobe(path: Path) -> dict[str, Any]:
    shows = ["-show_format", "-show_streams", "-show_chapters"]
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", *shows, str(path)],
        capture_output=True,
        check=True,
    ).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def _probe_tags(probe: dict[str, Any]) -> dict[str, str]:
    """Format tags (MP3, FLAC, MP4) and the audio stream's (Ogg), keys in lower case."""
    tags = dict(probe["format"].get("tags", {}))
    audio = next(s for s in probe["streams"] if s["codec_type"] == "audio")
    tags.update(audio.get("tags", {}))
    return {k.lower(): v for k, v in tags.items()}


def _chapter_starts(probe: dict[str, Any]) -> list[tuple[float, str]]:
    return sorted((float(c["start_time"]), c["tags"]["title"]) for c in probe["chapters"])


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory, tools: Tools) -> dict[str, Path]:
    """One tagged file per format, made from a 6-second tone."""
    folder = tmp_path_factory.mktemp("tagged")
    tags = episode_tags(
        SHOW,
        SESSION,
        TIMELINE,
        page_url="https://example.org/episodes/x/",
        feed_url="https://example.org/feed.xml",
        loudness={"output": {"integrated_lufs": -16.1, "true_peak_dbtp": -1.2}},
    )
    files = {}
    for fmt, codec in ENCODERS.items():
        path = folder / f"episode.{fmt}"
        ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-ac", "1", *codec, str(path))
        write_tags(path, tags)
        files[fmt] = path
    return files


@pytest.mark.parametrize("fmt", list(ENCODERS))
def test_every_format_reads_back_through_ffprobe(tagged: dict[str, Path], fmt: str) -> None:
    probe = _ffprobe(tagged[fmt])
    tags = _probe_tags(probe)
    assert tags["title"] == SESSION.title
    assert tags["artist"] == "Clara Deville"
    assert tags["album"] == SHOW.title
    assert tags["album_artist"] == SHOW.author
    assert tags["genre"] == "Podcast"
    assert tags["date"].startswith("2022-10-25")
    assert "Habib" not in json.dumps(probe, ensure_ascii=False)
    if fmt == "m4a":
        return  # mutagen writes no MP4 chapters (documented)
    starts = _chapter_starts(probe)
    assert [t for _s, t in starts] == ["Introduction", "Clara Deville", "Questions"]
    for (start, _title), chapter in zip(starts, SESSION.chapters, strict=True):
        assert abs(start - chapter.start) <= 0.010


def test_mp3_is_id3v23_with_every_field(tagged: dict[str, Path]) -> None:
    id3 = ID3(tagged["mp3"])
    assert id3.version == (2, 3, 0)
    assert id3["TIT2"].text == [SESSION.title]
    assert id3["TPE1"].text == ["Clara Deville"]
    assert id3["TALB"].text == [SHOW.title]
    assert id3["TPE2"].text == [SHOW.author]
    assert id3["TRCK"].text == ["3"]
    assert id3["TPOS"].text == ["1"]
    assert id3["TCON"].text == ["Podcast"]
    assert str(id3["TDRC"].text[0]) == "2022-10-25 19:00:00"  # from TYER + TDAT + TIME
    assert id3.getall("COMM")[0].text == ["Avec Clara Deville."]
    assert id3.getall("COMM")[0].lang == "fre"
    assert id3["WOAF"].url == "https://example.org/episodes/x/"
    assert id3["WCOP"].url == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert id3["TCOP"].text == ["2022 Le Mouton Numérique"]
    assert id3["TXXX:LICENSE"].text == ["CC-BY-SA-4.0"]
    assert id3["TXXX:AUDIOARCHIVE_ID"].text == [SESSION.id]
    assert id3["TGID"].text == [SESSION.id]
    assert id3["TXXX:VENUE"].text == ["Centre social Le Picoulet, 59, rue de la Fontaine au Roi"]
    assert id3["TXXX:LOUDNESS_INTEGRATED_LUFS"].text == ["-16.1"]
    assert id3["TXXX:SPEAKERS"].text == ["Clara Deville (guest, sociologue)"]
    (apic,) = id3.getall("APIC")
    assert apic.data == PACKAGE_ARTWORK.read_bytes()
    assert apic.mime == "image/png"
    (toc,) = id3.getall("CTOC")
    chapters = [id3[f"CHAP:{element}"] for element in toc.child_element_ids]
    assert [(c.start_time, c.end_time) for c in chapters] == [(0, 2500), (2500, 4250), (4250, 6000)]
    assert chapters[1].sub_frames.getall("WXXX")[0].url == "https://example.org/slides.pdf"


def test_flac_and_opus_carry_vorbis_comments_chapters_and_a_picture(
    tagged: dict[str, Path],
) -> None:
    flac, opus = FLAC(tagged["flac"]), OggOpus(tagged["opus"])
    for audio in (flac, opus):
        assert audio["TITLE"] == [SESSION.title]
        assert audio["ARTIST"] == ["Clara Deville"]
        assert audio["TRACKNUMBER"] == ["3"]
        assert audio["DATE"] == ["2022-10-25T19:00:00+02:00"]
        assert audio["LICENSE"] == ["CC-BY-SA-4.0"]
        assert audio["LOCATION"] == ["Centre social Le Picoulet, 59, rue de la Fontaine au Roi"]
        assert audio["CHAPTER002"] == ["00:00:02.500"]
        assert audio["CHAPTER002NAME"] == ["Clara Deville"]
        assert audio["CHAPTER002URL"] == ["https://example.org/slides.pdf"]
    assert flac.pictures[0].data == PACKAGE_ARTWORK.read_bytes()
    assert (flac.pictures[0].width, flac.pictures[0].height) == (1400, 1400)
    assert "METADATA_BLOCK_PICTURE" in opus


def test_m4a_carries_mp4_atoms(tagged: dict[str, Path]) -> None:
    mp4 = MP4(tagged["m4a"])
    assert mp4["©nam"] == [SESSION.title]
    assert mp4["trkn"] == [(3, 0)]
    assert bytes(mp4["covr"][0]) == PACKAGE_ARTWORK.read_bytes()
    assert bytes(mp4["----:com.apple.iTunes:LICENSE"][0]) == b"CC-BY-SA-4.0"


@pytest.mark.parametrize("fmt", list(ENCODERS))
def test_read_tags_gives_back_what_was_written(tagged: dict[str, Path], fmt: str) -> None:
    found = read_tags(tagged[fmt])
    names = {t.name: t.values for t in found.tags if t.name}
    assert names["title"] == (SESSION.title,)
    assert names["session_id"] == (SESSION.id,)
    assert found.pictures[0].width == 1400
    if fmt != "m4a":
        assert [(m.start, m.title) for m in found.chapters] == [
            (0.0, "Introduction"),
            (2.5, "Clara Deville"),
            (4.25, "Questions"),
        ]


def test_built_episode_and_master_tags_and_chapters(built: Ws) -> None:
    """The MP3 has chapters on the published timeline; the master on the raw recording."""
    record = load_record(built.root / ".audioarchive", "2022-10-25-a")
    assert record is not None
    assert record.master is not None
    mp3 = built.root / "feed" / record.media[0].path
    master = built.root / "archive" / record.master.path
    raw = [(0.0, "Intro"), (5.0, "Guest")]
    published = public_chapters(
        tuple(Chapter(s, t) for s, t in raw), record.timeline
    )  # the automatic trim moves them
    for (start, title), expected in zip(_chapter_starts(_ffprobe(mp3)), published, strict=True):
        assert title == expected.title
        assert abs(start - expected.start) <= 0.010
    for (start, title), (raw_start, name) in zip(
        _chapter_starts(_ffprobe(master)), raw, strict=True
    ):
        assert title == name
        assert abs(start - raw_start) <= 0.010
    flac = FLAC(master)
    assert flac["AUDIOARCHIVE_FILE"] == ["master"]
    assert flac["SOURCE_FILES"] == ["ZOOM0001.WAV; ZOOM0002.WAV"]
    assert flac["REDACTED_IN_PUBLIC"] == ["6.000-7.000"]
    assert flac["LOUDNESS_INTEGRATED_LUFS"] == [str(record.loudness["input"]["integrated_lufs"])]
    assert ID3(mp3)["TXXX:AUDIOARCHIVE_FILE"].text == ["episode"]
    assert assert_never_named("Habib", [mp3, master]) == 2


# --- the command --------------------------------------------------------------------------------


def test_tags_command_prints_our_tags_and_chapters(tagged: dict[str, Path], built: Ws) -> None:
    result = built.run("tags", str(tagged["mp3"]))
    assert result.exit_code == 0, result.output
    assert "tags: ID3v2.3" in result.stdout
    assert f"TIT2 (title): {SESSION.title}" in result.stdout
    assert "0:00:02.500 - 0:00:04.250  Clara Deville  <https://example.org/slides.pdf>" in (
        result.stdout
    )
    assert "front cover: image/png, 1400x1400 px" in result.stdout
    data = json.loads(built.run("tags", str(tagged["flac"]), "--json").stdout)
    assert data["tag_format"] == "Vorbis comments"
    assert data["chapters"][2] == {"start": 4.25, "end": 6.0, "title": "Questions", "url": None}


def test_tags_of_a_file_without_tags(tmp_path: Path, built: Ws) -> None:
    bare = tmp_path / "bare.mp3"
    ffmpeg(
        "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "libmp3lame", "-map_metadata", "-1",
        "-fflags", "+bitexact", "-id3v2_version", "0", "-write_xing", "0", str(bare),
    )  # fmt: skip
    result = built.run("tags", str(bare))
    assert result.exit_code == 0
    assert "tags: none" in result.stdout
    assert result.stderr == "bare.mp3: MP3 audio with no tags.\n"
    assert json.loads(built.run("tags", str(bare), "--json").stdout)["tags"] == []


def test_tags_of_a_damaged_file_is_bad_input(tmp_path: Path, built: Ws) -> None:
    damaged = tmp_path / "damaged.flac"
    damaged.write_bytes(b"fLaC\x00\x00\x00\x22" + b"\x00" * 10)
    result = built.run("tags", str(damaged))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: damaged.flac: a damaged or unreadable audio file (")
    assert "Traceback" not in result.stderr


def test_tags_of_a_file_that_is_not_audio_is_bad_input(built: Ws) -> None:
    result = built.run("tags", str(PACKAGE_ARTWORK))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: artwork.png: not an audio file (a PNG image); expected an audio file such as "
        "MP3, FLAC, Ogg (Opus, Vorbis), M4A, WAV or AIFF\n"
    )
    text = built.root / "notes.txt"
    text.write_text("hello\n")
    assert "notes.txt: not an audio file (text)" in built.run("tags", str(text)).stderr


def test_tags_of_a_missing_file_is_a_usage_error(built: Ws) -> None:
    result = built.run("tags", "no-such.mp3")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
