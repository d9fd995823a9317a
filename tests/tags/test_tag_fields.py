"""Every field of the tag table, written by our writer, read back by our reader and by a
second one, in every form the table declares, for MP3, M4A, Opus, Ogg Vorbis and FLAC.

The second reader is ffprobe; mediainfo for the forms ffprobe does not show (MP3 URL
frames, MP4 ``©day``, ``purl``, ``egid``); and, for the two ID3 frames neither tool shows
(``WFED``, ``PCST``), a walk over the ID3v2.3 frames written here.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pytest

from audioarchive.tags import FIELDS, FIELDS_REVISION, TagField, TagSet, read_tags, write_tags
from audioarchive.tags.fields import ID3Date, Value
from tests.helpers import ffmpeg

Family = Literal["id3", "mp4", "vorbis"]
Reader = Literal["ffprobe", "mediainfo", "id3 walk"]
ENCODERS: dict[str, tuple[Family, tuple[str, ...]]] = {
    "mp3": ("id3", ("-c:a", "libmp3lame", "-b:a", "64k")),
    "m4a": ("mp4", ("-c:a", "aac", "-b:a", "64k")),
    "opus": ("vorbis", ("-c:a", "libopus", "-b:a", "32k")),
    "ogg": ("vorbis", ("-c:a", "libvorbis")),
    "flac": ("vorbis", ("-c:a", "flac")),
}
# A value for every field, each different from the others, so that a mix-up shows.
TAGS = TagSet(
    title="Le budget participatif",
    show="Conseil de quartier",
    album_artist="Mairie du 11e",
    session_id="2026-03-12-budget",
    kind="master",
    artists=("Clara Deville", "Habib Benali"),
    speakers=("Clara Deville (invitée, sociologue)",),
    episode=7,
    season=4,
    date=datetime.fromisoformat("2026-03-12T19:35:00+01:00"),
    description="Une réunion sur le budget.",
    genre="Podcast",
    url="https://example.org/episodes/budget/",
    feed_url="https://example.org/feed.xml",
    license="CC-BY-4.0",
    license_url="https://creativecommons.org/licenses/by/4.0/",
    copyright="2026 Mairie du 11e",
    publisher="Service communication",
    language="fr",
    topics=("budget", "voirie"),
    venue="Salle des fêtes, 12 place Léon Blum",
    venue_geo="48.8575,2.3802",
    category="Government",
)
# What must appear in what a reader gives back, by field (the flag forms excepted).
EXPECTED = {
    "title": "Le budget participatif",
    "show": "Conseil de quartier",
    "album_artist": "Mairie du 11e",
    "artists": "Clara Deville",  # ffprobe shows only the first of several MP4 values
    "speakers": "Clara Deville (invitée, sociologue)",
    "genre": "Podcast",
    "copyright": "2026 Mairie du 11e",
    "publisher": "Service communication",
    "language": "fr",
    "license": "CC-BY-4.0",
    "session_id": "2026-03-12-budget",
    "kind": "master",
    "topics": "budget",
    "venue": "Salle des fêtes, 12 place Léon Blum",
    "venue_geo": "48.8575,2.3802",
    "category": "Government",
    "date_iso": "2026-03-12T19:35:00+01:00",
    "episode": "7",
    "season": "4",
    "date": "2026-03-12",  # and 19:35 (see _matches): each format has its own layout
    "description": "Une réunion sur le budget.",
    "url": "https://example.org/episodes/budget/",
    "feed_url": "https://example.org/feed.xml",
    "license_url": "https://creativecommons.org/licenses/by/4.0/",
}
MANY = {"artists": TAGS.artists, "topics": TAGS.topics}
FLAGS = ("1", "True")  # PCST, pcst: set when the feed URL is

# How the second reader names each form our table declares, by tag family.
SECOND_ID3: dict[str, tuple[Reader, str]] = {
    "TIT2": ("ffprobe", "title"),
    "TALB": ("ffprobe", "album"),
    "TPE2": ("ffprobe", "album_artist"),
    "TPE1": ("ffprobe", "artist"),
    "TCON": ("ffprobe", "genre"),
    "TCOP": ("ffprobe", "copyright"),
    "TPUB": ("ffprobe", "publisher"),
    "TLAN": ("ffprobe", "language"),
    "TGID": ("ffprobe", "tgid"),
    "TKWD": ("ffprobe", "tkwd"),
    "TCAT": ("ffprobe", "tcat"),
    "TRCK": ("ffprobe", "track"),
    "TPOS": ("ffprobe", "disc"),
    "TDRC": ("ffprobe", "date"),  # written as TYER + TDAT + TIME
    "COMM": ("ffprobe", "comment"),
    "TDES": ("ffprobe", "tdes"),
    "WOAF": ("mediainfo", "Official_audio_file_webpage"),
    "WCOP": ("mediainfo", "Copyright_Legal_information"),
    "WFED": ("id3 walk", "WFED"),
    "PCST": ("id3 walk", "PCST"),
}
SECOND_MP4: dict[str, tuple[Reader, str]] = {
    "©nam": ("ffprobe", "title"),
    "©alb": ("ffprobe", "album"),
    "aART": ("ffprobe", "album_artist"),
    "©ART": ("ffprobe", "artist"),
    "©gen": ("ffprobe", "genre"),
    "cprt": ("ffprobe", "copyright"),
    "egid": ("mediainfo", "EpisodeGlobalUniqueID"),
    "keyw": ("ffprobe", "keywords"),
    "catg": ("ffprobe", "category"),
    "trkn": ("ffprobe", "track"),
    "tves": ("ffprobe", "episode_sort"),
    "disk": ("ffprobe", "disc"),
    "tvsn": ("ffprobe", "season_number"),
    "©day": ("mediainfo", "Recorded_Date"),  # ffprobe's "date" is the free-form DATE
    "desc": ("ffprobe", "description"),
    "ldes": ("ffprobe", "synopsis"),
    "©cmt": ("ffprobe", "comment"),
    "purl": ("mediainfo", "PodcastURL"),
    "pcst": ("ffprobe", "podcast"),
}
# ffmpeg renames these Vorbis comments; it shows the others as they are.
FFMPEG_VORBIS = {
    "ALBUMARTIST": "album_artist",
    "TRACKNUMBER": "track",
    "DISCNUMBER": "disc",
    "DESCRIPTION": "comment",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fields")
    files = {}
    for fmt, (_family, codec) in ENCODERS.items():
        path = folder / f"all-fields.{fmt}"
        ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-ac", "1", *codec, str(path))
        write_tags(path, TAGS)
        files[fmt] = path
    return files


def _forms(tag_field: TagField, family: Family) -> list[tuple[str, str]]:
    """(key as stored, name our reader gives it) for each form of the field in a family."""
    if family == "vorbis":
        return [(key, tag_field.name) for key in tag_field.vorbis]
    if family == "mp4":
        return [(a.atom, a.label or tag_field.name) for a in tag_field.mp4]
    forms = []
    for form in tag_field.id3:
        if isinstance(form, ID3Date):  # mutagen reads TYER + TDAT + TIME as one TDRC
            forms.append((form.read_as, tag_field.name))
        else:
            forms.append((form.key, form.label or tag_field.name))
    return forms


def _matches(tag_field: TagField, name: str, value: str) -> bool:
    """Whether a value read back is the one written (a flag form: set)."""
    if name != tag_field.name:
        return value in FLAGS
    if tag_field.name == "date" and "19:35" not in value:
        return False
    return EXPECTED[tag_field.name] in value


def test_every_field_has_a_value_to_write() -> None:
    """The tag set above fills every field of the table, with a value of the declared kind:
    none escapes the round trip."""
    values = TAGS.values()
    assert set(values) == {f.name for f in FIELDS} == set(EXPECTED)
    kinds = {Value.TEXT: tuple, Value.NUMBER: int, Value.DATE: datetime}
    for tag_field in FIELDS:
        assert isinstance(values[tag_field.name], kinds[tag_field.value]), tag_field.name


@pytest.mark.parametrize("fmt", list(ENCODERS))
def test_our_reader_names_every_form_we_write(written: dict[str, Path], fmt: str) -> None:
    family = ENCODERS[fmt][0]
    found = read_tags(written[fmt])
    by_key: dict[str, list[tuple[str | None, tuple[str, ...]]]] = {}
    for entry in found.tags:
        key = entry.key  # ID3: the frame's HashKey, "COMM::fre", "WOAF:<url>"
        if family == "id3" and not key.startswith("TXXX:"):
            key = key.split(":")[0]
        by_key.setdefault(key, []).append((entry.name, entry.values))
    for tag_field in FIELDS:
        for key, name in _forms(tag_field, family):
            assert key in by_key, f"{fmt}: {tag_field.name} written as {key}? not found"
            ((read_name, values),) = by_key[key]
            assert read_name == name, f"{fmt}: {key}"
            assert any(_matches(tag_field, name, v) for v in values), (key, values)
            for every in MANY.get(tag_field.name, ()):  # every value, not only the first
                assert every in " ".join(values), (key, values)


def _ffprobe(path: Path) -> dict[str, str]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    data: dict[str, Any] = json.loads(out)
    audio = next(s for s in data["streams"] if s["codec_type"] == "audio")
    tags = {**audio.get("tags", {}), **data["format"].get("tags", {})}  # Ogg: the stream's
    return {k.lower(): str(v) for k, v in tags.items()}


def _mediainfo(path: Path) -> dict[str, str]:
    out = subprocess.run(
        ["mediainfo", "--Output=JSON", str(path)], capture_output=True, check=True
    ).stdout
    tracks: list[dict[str, Any]] = json.loads(out)["media"]["track"]
    general = next(t for t in tracks if t["@type"] == "General")
    return {k: str(v) for k, v in {**general, **general.get("extra", {})}.items()}


def _id3_walk(path: Path) -> dict[str, bytes]:
    """The frames of an ID3v2.3 tag, by id: 10-byte header, then id, size, flags, body."""
    data = path.read_bytes()
    assert data[:4] == b"ID3\x03"
    size = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    frames, offset = {}, 10
    while offset + 10 <= 10 + size and data[offset] != 0:
        frame_id = data[offset : offset + 4].decode("ascii")
        (length,) = struct.unpack(">I", data[offset + 4 : offset + 8])
        frames[frame_id] = data[offset + 10 : offset + 10 + length]
        offset += 10 + length
    return frames


def _second_key(family: Family, key: str) -> tuple[Reader, str]:
    if family == "vorbis":
        return "ffprobe", FFMPEG_VORBIS.get(key, key).lower()
    if key.startswith("TXXX:"):
        return "ffprobe", key[5:].lower()
    if key.startswith("----:"):
        return "ffprobe", key.rsplit(":", 1)[1].lower()
    second = SECOND_ID3 if family == "id3" else SECOND_MP4
    assert key in second, f"{key}: which second reader shows it? (add it above)"
    return second[key]


@pytest.mark.parametrize("fmt", list(ENCODERS))
def test_a_second_reader_reads_every_form_we_write(written: dict[str, Path], fmt: str) -> None:
    family = ENCODERS[fmt][0]
    path = written[fmt]
    needed = {
        (tag_field, name, _second_key(family, key))
        for tag_field in FIELDS
        for key, name in _forms(tag_field, family)
    }
    readers = {reader for _f, _n, (reader, _k) in needed}
    if "mediainfo" in readers and shutil.which("mediainfo") is None:
        pytest.skip("mediainfo not installed (make setup-test)")
    shown: dict[Reader, dict[str, str]] = {"ffprobe": _ffprobe(path)}
    if "mediainfo" in readers:
        shown["mediainfo"] = _mediainfo(path)
    if "id3 walk" in readers:
        walked = _id3_walk(path)
        shown["id3 walk"] = {
            "WFED": walked["WFED"].decode("latin-1"),
            "PCST": str(int.from_bytes(walked["PCST"], "big")),
        }
    for tag_field, name, (reader, key) in sorted(needed, key=str):
        value = shown[reader].get(key)
        assert value is not None, f"{fmt}: {reader} does not show {key} ({tag_field.name})"
        assert _matches(tag_field, name, value), (fmt, reader, key, value)


def test_the_table_is_pinned_so_a_change_to_it_retags_built_files() -> None:
    """A change to the table must be owned: if it changes the bytes written, bump
    FIELDS_REVISION (the tag keys change, the next build retags); then pin the new digest."""
    digest = hashlib.sha256(repr(FIELDS).encode()).hexdigest()
    assert (FIELDS_REVISION, digest) == (
        1,
        "bda37f058beb3df884aad00cae8849990ee08b38d5ee678fbcd529a43250a650",
    ), "the tag table changed: bump FIELDS_REVISION if the bytes written change, then pin"
