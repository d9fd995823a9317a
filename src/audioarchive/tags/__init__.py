"""Stage 2, tags: every output file tells its own story.

:func:`episode_tags` (public MP3/Opus) and :func:`master_tags` (the FLAC master, whose
timeline is the raw recording) turn a session into a :class:`TagSet` of logical fields;
:func:`write_tags` writes it with mutagen: ID3v2.3 for MP3 (what podcast apps and car
stereos read best) with CHAP/CTOC chapters and an APIC cover, Vorbis comments for FLAC
and Ogg (chapters as ``CHAPTERnnn``/``CHAPTERnnnNAME``, the cover as a picture block),
MP4 atoms for M4A. :data:`FIELDS` is the one table from logical fields to each format's
key. :func:`read_tags` reads the tags of any audio file, ours or not, for
``audioarchive tags``. mutagen is used nowhere else.

Privacy: a speaker with ``publish_name: false`` is in no tag of any file, masters
included (masters may be shared with researchers); the private sidecar in ``archive/``
is the only place that names them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import mutagen
from mutagen import MutagenError
from mutagen.flac import FLAC, Picture
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    PCST,
    TALB,
    TCAT,
    TCON,
    TCOP,
    TDAT,
    TDES,
    TGID,
    TIME,
    TIT2,
    TKWD,
    TLAN,
    TPE1,
    TPE2,
    TPOS,
    TPUB,
    TRCK,
    TXXX,
    TYER,
    WCOP,
    WFED,
    WOAF,
    WXXX,
    CTOCFlags,
    Encoding,
    ID3NoHeaderError,
    PictureType,
)
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from audioarchive.common.formats import clock_time
from audioarchive.common.text import markdown_to_text
from audioarchive.errors import AudioInputError, InputError, TaggingError
from audioarchive.ffmpeg import Tools, probe
from audioarchive.metadata.episode import SourceFile, public_chapters
from audioarchive.metadata.licenses import license_url
from audioarchive.metadata.session import Chapter, Session, Show
from audioarchive.metadata.timeline import Timeline
from audioarchive.tags.artwork import describe_image, prepare_artwork
from audioarchive.tags.audioformats import format_words, read_wave_chunks

FileKind = Literal["episode", "master"]
_MP4_FREEFORM = "----:com.apple.iTunes:"


@dataclass(frozen=True)
class ChapterMark:
    start: float  # seconds on the file's own timeline
    end: float
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Cover:
    data: bytes
    mime: str  # image/png or image/jpeg

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class TagSet:
    """The logical fields written into one output file (see :data:`FIELDS`)."""

    title: str
    show: str
    album_artist: str
    session_id: str
    kind: FileKind = "episode"
    artists: tuple[str, ...] = ()  # publishable speakers only
    speakers: tuple[str, ...] = ()  # "Name (role, affiliation)", publishable only
    episode: int | None = None
    season: int | None = None
    date: datetime | None = None
    description: str = ""
    genre: str = "Podcast"
    url: str | None = None  # the episode's page
    feed_url: str | None = None
    license: str | None = None  # SPDX id
    license_url: str | None = None
    copyright: str | None = None
    publisher: str | None = None
    language: str | None = None
    topics: tuple[str, ...] = ()
    venue: str | None = None
    venue_geo: str | None = None
    category: str | None = None
    chapters: tuple[ChapterMark, ...] = ()
    cover: Cover | None = None
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # free keys

    def fingerprint(self) -> str:
        data = asdict(self)
        data["cover"] = self.cover.sha256 if self.cover else None
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def texts(self) -> dict[str, tuple[str, ...]]:
        """Every simple text field that has a value, keyed by logical name (see FIELDS)."""
        values: dict[str, tuple[str, ...]] = {
            "title": (self.title,),
            "show": (self.show,),
            "album_artist": (self.album_artist,),
            "artists": self.artists,
            "speakers": self.speakers,
            "genre": (self.genre,),
            "copyright": _opt(self.copyright),
            "publisher": _opt(self.publisher),
            "language": _opt(self.language),
            "license": _opt(self.license),
            "session_id": (self.session_id,),
            "kind": (self.kind,),
            "topics": self.topics,
            "venue": _opt(self.venue),
            "venue_geo": _opt(self.venue_geo),
            "category": _opt(self.category),
            "date_iso": (self.date.isoformat(),) if self.date else (),
        }
        return {name: tuple(v for v in vals if v) for name, vals in values.items() if any(vals)}


def _opt(value: str | None) -> tuple[str, ...]:
    return (value,) if value else ()


@dataclass(frozen=True)
class Key:
    """Where one logical field goes in each format."""

    id3: str  # frame id, or TXXX:<description>
    vorbis: str
    mp4: str  # atom, or ----:com.apple.iTunes:<name>
    note: str = ""


# The one table: logical field -> ID3v2.3 frame, Vorbis comment key, MP4 atom.
FIELDS: dict[str, Key] = {
    "title": Key("TIT2", "TITLE", "©nam"),
    "show": Key("TALB", "ALBUM", "©alb", "the show's title"),
    "album_artist": Key("TPE2", "ALBUMARTIST", "aART", "the show's author"),
    "artists": Key("TPE1", "ARTIST", "©ART", "publishable speakers"),
    "speakers": Key("TXXX:SPEAKERS", "SPEAKERS", f"{_MP4_FREEFORM}SPEAKERS", "with roles"),
    "genre": Key("TCON", "GENRE", "©gen", '"Podcast"'),
    "episode": Key("TRCK", "TRACKNUMBER", "trkn", "episode number"),
    "season": Key("TPOS", "DISCNUMBER", "disk", "season number"),
    "date": Key("TYER+TDAT+TIME", "DATE", "©day", "date of the meeting"),
    "date_iso": Key("TXXX:RECORDING_DATETIME", "RECORDING_DATETIME", f"{_MP4_FREEFORM}DATE"),
    "description": Key("COMM+TDES", "DESCRIPTION+COMMENT", "desc+ldes+©cmt", "plain text"),
    "url": Key("WOAF", "CONTACT", f"{_MP4_FREEFORM}URL", "the episode's page"),
    "feed_url": Key("WFED", "PODCASTURL", "purl", "the feed"),
    "license": Key("TXXX:LICENSE", "LICENSE", f"{_MP4_FREEFORM}LICENSE", "SPDX id"),
    "license_url": Key("WCOP", "LICENSE_URL", f"{_MP4_FREEFORM}LICENSE_URL"),
    "copyright": Key("TCOP", "COPYRIGHT", "cprt"),
    "publisher": Key("TPUB", "ORGANIZATION", f"{_MP4_FREEFORM}PUBLISHER", "the show's owner"),
    "language": Key("TLAN", "LANGUAGE", f"{_MP4_FREEFORM}LANGUAGE"),
    "session_id": Key("TXXX:AUDIOARCHIVE_ID+TGID", "AUDIOARCHIVE_ID", "egid", "= feed GUID"),
    "kind": Key("TXXX:AUDIOARCHIVE_FILE", "AUDIOARCHIVE_FILE", f"{_MP4_FREEFORM}FILE"),
    "topics": Key("TXXX:TOPICS+TKWD", "TOPICS", "keyw"),
    "venue": Key("TXXX:VENUE", "LOCATION", f"{_MP4_FREEFORM}VENUE", "name, address"),
    "venue_geo": Key("TXXX:VENUE_GEO", "VENUE_GEO", f"{_MP4_FREEFORM}VENUE_GEO", "lat,lon"),
    "category": Key("TCAT", "PODCASTCATEGORY", "catg"),
    "chapters": Key("CTOC+CHAP", "CHAPTERnnn+NAME+URL", "", "MP4: not written"),
    "cover": Key("APIC", "METADATA_BLOCK_PICTURE", "covr"),
    "extra": Key("TXXX:<KEY>", "<KEY>", f"{_MP4_FREEFORM}<KEY>", "loudness, sources…"),
}
_ID3_TEXT: dict[str, type[Any]] = {
    "title": TIT2,
    "show": TALB,
    "album_artist": TPE2,
    "artists": TPE1,
    "genre": TCON,
    "copyright": TCOP,
    "publisher": TPUB,
    "language": TLAN,
    "category": TCAT,
}
_ISO639_2 = {
    "fr": "fre",
    "en": "eng",
    "de": "ger",
    "es": "spa",
    "it": "ita",
    "nl": "dut",
    "pt": "por",
    "ca": "cat",
    "br": "bre",
    "eu": "baq",
    "oc": "oci",
    "ar": "ara",
}
LOUDNESS_KEYS = {
    "integrated_lufs": "LOUDNESS_INTEGRATED_LUFS",
    "true_peak_dbtp": "LOUDNESS_TRUE_PEAK_DBTP",
    "loudness_range_lu": "LOUDNESS_RANGE_LU",
}


# --- what to write ----------------------------------------------------------------------------


def episode_tags(
    show: Show,
    session: Session,
    timeline: Timeline,
    *,
    page_url: str | None = None,
    feed_url: str | None = None,
    loudness: Mapping[str, Any] | None = None,
) -> TagSet:
    """The tags of a public episode (MP3, Opus): chapters on the published timeline."""
    chapters = public_chapters(session.chapters, timeline)
    extra = loudness_tags(loudness, "output")
    return replace(
        _common(show, session, page_url, feed_url),
        kind="episode",
        chapters=_marks(chapters, timeline.duration),
        extra=tuple(sorted(extra.items())),
    )


def master_tags(
    show: Show,
    session: Session,
    timeline: Timeline,
    sources: Sequence[SourceFile],
    *,
    page_url: str | None = None,
    feed_url: str | None = None,
    loudness: Mapping[str, Any] | None = None,
) -> TagSet:
    """The tags of the master: the joined raw recording, so chapters at their raw times,
    which part was published, which parts were silenced in public, and its sources."""
    duration = sum(s.duration for s in sources)
    extra = loudness_tags(loudness, "input")
    extra["PUBLISHED_RANGE"] = f"{timeline.start:.3f}-{timeline.end:.3f}"
    if session.redactions:
        extra["REDACTED_IN_PUBLIC"] = "; ".join(
            f"{r.start:.3f}-{r.end:.3f}" for r in session.redactions
        )
    extra["SOURCE_FILES"] = "; ".join(s.name for s in sources)
    extra["SOURCE_SHA256"] = "; ".join(s.sha256 for s in sources)
    raw_chapters = tuple(c for c in session.chapters if c.start < duration)
    return replace(
        _common(show, session, page_url, feed_url),
        kind="master",
        chapters=_marks(raw_chapters, duration),
        extra=tuple(sorted(extra.items())),
    )


def loudness_tags(loudness: Mapping[str, Any] | None, which: str) -> dict[str, str]:
    """Free tags with the loudness figures of the file (``output``) or the source (``input``)."""
    figures = (loudness or {}).get(which)
    if not isinstance(figures, Mapping):
        return {}
    return {
        tag: str(figures[key]) for key, tag in LOUDNESS_KEYS.items() if figures.get(key) is not None
    }


def _common(show: Show, session: Session, page_url: str | None, feed_url: str | None) -> TagSet:
    speakers = session.public_speakers
    license_ = session.license or show.license
    copyright_ = show.copyright
    if copyright_ is None and session.date is not None:
        copyright_ = f"{session.date.year} {show.author}"  # ID3: "a year and a space"
    venue = session.venue
    artwork = prepare_artwork(session.artwork or show.artwork)
    return TagSet(
        title=session.title,
        show=show.title,
        album_artist=show.author,
        session_id=session.id,
        artists=tuple(s.name for s in speakers),
        speakers=tuple(
            f"{s.name} ({', '.join(x for x in (s.role, s.affiliation) if x)})" for s in speakers
        ),
        episode=session.episode,
        season=session.season,
        date=session.date,
        description=markdown_to_text(session.description),
        url=page_url,
        feed_url=feed_url,
        license=license_,
        license_url=license_url(license_),
        copyright=copyright_,
        publisher=show.owner.name,
        language=show.language,
        topics=session.topics,
        venue=", ".join(x for x in (venue.name, venue.address) if x) if venue else None,
        venue_geo=f"{venue.geo[0]},{venue.geo[1]}" if venue and venue.geo else None,
        category=show.categories[0] if show.categories else None,
        cover=Cover(artwork.data, artwork.mime),
    )


def _marks(chapters: Sequence[Chapter], duration: float) -> tuple[ChapterMark, ...]:
    return tuple(
        ChapterMark(
            c.start,
            chapters[i + 1].start if i + 1 < len(chapters) else duration,
            c.title,
            c.url,
        )
        for i, c in enumerate(chapters)
    )


# --- writing ----------------------------------------------------------------------------------


def write_tags(path: Path, tags: TagSet) -> None:
    """Replace every tag of ``path`` (MP3, FLAC, Opus, Ogg Vorbis or M4A) with ``tags``."""
    suffix = path.suffix.lower()
    writers = {
        ".mp3": _write_id3,
        ".flac": _write_flac,
        ".opus": _write_ogg,
        ".ogg": _write_ogg,
        ".oga": _write_ogg,
        ".m4a": _write_mp4,
        ".mp4": _write_mp4,
    }
    writer = writers.get(suffix)
    if writer is None:
        raise TaggingError(f"{path.name}: cannot tag {suffix} files")
    try:
        writer(path, tags)
    except (MutagenError, OSError) as err:
        raise TaggingError(f"{path.name}: could not write tags ({err})") from err


def _write_id3(path: Path, tags: TagSet) -> None:
    with contextlib.suppress(ID3NoHeaderError):
        ID3(path).delete(path)
    id3 = ID3()
    _add_id3_texts(id3, tags)
    _add_id3_podcast(id3, tags)
    for key, value in tags.extra:
        id3.add(TXXX(encoding=Encoding.UTF16, desc=key, text=[value]))
    if tags.cover:
        id3.add(
            APIC(
                encoding=Encoding.UTF16,
                mime=tags.cover.mime,
                type=PictureType.COVER_FRONT,
                desc="Cover",
                data=tags.cover.data,
            )
        )
    _add_id3_chapters(id3, tags.chapters)
    id3.save(path, v2_version=3, v1=0, v23_sep="/")


def _add_id3_texts(id3: ID3, tags: TagSet) -> None:
    utf16 = Encoding.UTF16
    texts = tags.texts()
    if "language" in texts:  # ID3 wants ISO 639-2 codes
        code = texts["language"][0]
        texts["language"] = (_ISO639_2.get(code.split("-")[0], code),)
    for name, frame in _ID3_TEXT.items():
        if name in texts:
            id3.add(frame(encoding=utf16, text=list(texts[name])))
    for name, value in texts.items():
        key = FIELDS[name].id3.split("+")[0]
        if key.startswith("TXXX:"):
            id3.add(TXXX(encoding=utf16, desc=key[5:], text=["; ".join(value)]))
    if tags.episode is not None:
        id3.add(TRCK(encoding=utf16, text=[str(tags.episode)]))
    if tags.season is not None:
        id3.add(TPOS(encoding=utf16, text=[str(tags.season)]))
    if tags.date is not None:
        id3.add(TYER(encoding=utf16, text=[f"{tags.date.year:04d}"]))
        id3.add(TDAT(encoding=utf16, text=[f"{tags.date.day:02d}{tags.date.month:02d}"]))
        id3.add(TIME(encoding=utf16, text=[f"{tags.date.hour:02d}{tags.date.minute:02d}"]))
    if tags.description:
        lang = _ISO639_2.get((tags.language or "").split("-")[0], "XXX")
        id3.add(COMM(encoding=utf16, lang=lang, desc="", text=[tags.description]))
    if tags.url:
        id3.add(WOAF(url=tags.url))
    if tags.license_url:
        id3.add(WCOP(url=tags.license_url))


def _add_id3_podcast(id3: ID3, tags: TagSet) -> None:
    """The frames iTunes defined for podcasts: description, GUID, keywords, feed."""
    utf16 = Encoding.UTF16
    if tags.description:
        id3.add(TDES(encoding=utf16, text=[tags.description]))
    id3.add(TGID(encoding=utf16, text=[tags.session_id]))
    if tags.topics:
        id3.add(TKWD(encoding=utf16, text=[",".join(tags.topics)]))
    if tags.feed_url:
        id3.add(WFED(encoding=Encoding.LATIN1, url=tags.feed_url))
        id3.add(PCST(value=1))


def _add_id3_chapters(id3: ID3, chapters: tuple[ChapterMark, ...]) -> None:
    if not chapters:
        return
    ids = [f"chp{i}" for i in range(len(chapters))]
    id3.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=Encoding.UTF16, text=["Chapters"])],
        )
    )
    for element_id, mark in zip(ids, chapters, strict=True):
        sub: list[Any] = [TIT2(encoding=Encoding.UTF16, text=[mark.title])]
        if mark.url:
            sub.append(WXXX(encoding=Encoding.UTF16, desc="", url=mark.url))
        id3.add(
            CHAP(
                element_id=element_id,
                start_time=round(mark.start * 1000),
                end_time=round(mark.end * 1000),
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=sub,
            )
        )


def vorbis_comments(tags: TagSet) -> dict[str, list[str]]:
    """The Vorbis comments of ``tags`` (FLAC and Ogg), key -> values."""
    comments: dict[str, list[str]] = {}
    for name, values in tags.texts().items():
        comments[FIELDS[name].vorbis] = list(values)
    if tags.episode is not None:
        comments["TRACKNUMBER"] = [str(tags.episode)]
    if tags.season is not None:
        comments["DISCNUMBER"] = [str(tags.season)]
    if tags.date is not None:
        comments["DATE"] = [tags.date.isoformat()]
        comments.pop("RECORDING_DATETIME", None)  # DATE already holds it, with its time zone
    if tags.description:
        comments["DESCRIPTION"] = [tags.description]
        comments["COMMENT"] = [tags.description]
    for name in ("url", "feed_url", "license_url"):
        value = getattr(tags, name)
        if value:
            comments[FIELDS[name].vorbis] = [value]
    for key, value in tags.extra:
        comments[key.upper()] = [value]
    for index, mark in enumerate(tags.chapters, start=1):
        comments[f"CHAPTER{index:03d}"] = [clock_time(mark.start)]
        comments[f"CHAPTER{index:03d}NAME"] = [mark.title]
        if mark.url:
            comments[f"CHAPTER{index:03d}URL"] = [mark.url]
    return comments


def _picture(cover: Cover) -> Picture:
    picture = Picture()
    picture.type = PictureType.COVER_FRONT
    picture.mime = cover.mime
    picture.desc = "Cover"
    picture.data = cover.data
    info = describe_image(cover.data)
    if info is not None:
        picture.width, picture.height, picture.depth = info.width, info.height, 24
    return picture


def _write_flac(path: Path, tags: TagSet) -> None:
    audio = FLAC(path)
    audio.delete()
    audio.clear_pictures()
    for key, values in vorbis_comments(tags).items():
        audio[key] = values
    if tags.cover:
        audio.add_picture(_picture(tags.cover))
    audio.save()


def _write_ogg(path: Path, tags: TagSet) -> None:
    audio = OggOpus(path) if path.suffix.lower() == ".opus" else OggVorbis(path)
    audio.delete()
    for key, values in vorbis_comments(tags).items():
        audio[key] = values
    if tags.cover:
        encoded = base64.b64encode(_picture(tags.cover).write()).decode("ascii")
        audio["METADATA_BLOCK_PICTURE"] = [encoded]
    audio.save()


def _write_mp4(path: Path, tags: TagSet) -> None:
    audio = MP4(path)
    audio.delete()
    existing: Any = getattr(audio, "tags", None)  # mutagen's types say it is never None
    if existing is None:
        audio.add_tags()
    else:
        existing.clear()
    for atom, value in _mp4_atoms(tags).items():
        audio[atom] = value
    audio.save()


def _mp4_text_atoms(tags: TagSet) -> dict[str, Any]:
    atoms: dict[str, Any] = {}
    for name, values in tags.texts().items():
        atom = FIELDS[name].mp4
        if atom.startswith(_MP4_FREEFORM):
            atoms[atom] = [MP4FreeForm(v.encode("utf-8")) for v in values]
        elif name == "topics":
            atoms[atom] = [",".join(values)]
        else:
            atoms[atom] = list(values)
    for name in ("url", "license_url"):
        value = getattr(tags, name)
        if value:
            atoms[FIELDS[name].mp4] = [MP4FreeForm(value.encode("utf-8"))]
    for key, value in tags.extra:
        atoms[f"{_MP4_FREEFORM}{key}"] = [MP4FreeForm(value.encode("utf-8"))]
    return atoms


def _mp4_atoms(tags: TagSet) -> dict[str, Any]:
    atoms = _mp4_text_atoms(tags)
    if tags.episode is not None:
        atoms["trkn"] = [(tags.episode, 0)]
        atoms["tves"] = [tags.episode]
    if tags.season is not None:
        atoms["disk"] = [(tags.season, 0)]
        atoms["tvsn"] = [tags.season]
    if tags.date is not None:
        atoms["©day"] = [tags.date.isoformat()]
    if tags.description:
        atoms["desc"] = [tags.description[:255]]
        atoms["ldes"] = [tags.description]
        atoms["©cmt"] = [tags.description]
    if tags.feed_url:
        atoms["purl"] = [tags.feed_url]
        atoms["pcst"] = True
    if tags.cover:
        kind = MP4Cover.FORMAT_PNG if tags.cover.mime == "image/png" else MP4Cover.FORMAT_JPEG
        atoms["covr"] = [MP4Cover(tags.cover.data, imageformat=kind)]
    return atoms


# --- reading any file -------------------------------------------------------------------------


@dataclass(frozen=True)
class TagEntry:
    key: str  # as stored: "TIT2", "TXXX:LICENSE", "TITLE", "©nam"
    values: tuple[str, ...]
    name: str | None = None  # our logical name, when the key is one of ours

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "values": list(self.values)}


@dataclass(frozen=True)
class PictureInfo:
    type: str
    mime: str
    size: int
    width: int | None = None
    height: int | None = None
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FileTags:
    """What ``audioarchive tags FILE`` shows."""

    path: Path
    format: str  # "MP3", "FLAC", "Ogg Opus", "MP4"...
    tag_format: str | None  # "ID3v2.3", "Vorbis comments", "MP4 atoms"; None when untagged
    duration: float | None
    sample_rate: int | None
    channels: int | None
    tags: tuple[TagEntry, ...] = ()
    chapters: tuple[ChapterMark, ...] = ()
    pictures: tuple[PictureInfo, ...] = ()
    encoding: str | None = None  # in words: "WAV, 24 bits", "AAC" (from ffprobe)

    @property
    def empty(self) -> bool:
        return not (self.tags or self.chapters or self.pictures)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "tag_format": self.tag_format,
            "duration": round(self.duration, 3) if self.duration is not None else None,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "encoding": self.encoding,
            "tags": [t.as_dict() for t in self.tags],
            "chapters": [asdict(c) for c in self.chapters],
            "pictures": [p.as_dict() for p in self.pictures],
        }


_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x7fELF", "a program"),
)
_EXPECTED_AUDIO = "expected an audio file such as MP3, FLAC, Ogg (Opus, Vorbis), M4A, WAV or AIFF"
_ID3_NAMES = {
    **{cls.__name__: name for name, cls in _ID3_TEXT.items()},
    "TRCK": "episode",
    "TPOS": "season",
    "TYER": "year",
    "TDAT": "date (DDMM)",
    "TIME": "time (HHMM)",
    "TDRC": "date",
    "COMM": "description",
    "TDES": "description",
    "WOAF": "url",
    "WFED": "feed_url",
    "WCOP": "license_url",
    "TGID": "session_id",
    "TKWD": "topics",
    "PCST": "podcast flag",
    "TSSE": "encoder settings",
    "TENC": "encoded by",
    "TCOM": "composer",
}


def read_tags(path: Path, tools: Tools | None = None) -> FileTags:
    """The tags, chapters and pictures of any audio file mutagen reads.

    A WAV file's ``bext``, ``LIST/INFO`` and ``iXML`` chunks are shown as tags too. With
    ``tools``, the stream's facts (channels, sample rate, duration, encoding) come from
    ffprobe, which reads the codec's own configuration: mutagen reports the MP4 sample
    entry's channel count, 2 for the mono AAC that phones and ffmpeg write.
    Raise :class:`InputError` (exit 2) naming the file when it is not audio, or damaged.
    """
    found = _with_wave_chunks(path, _read_tags(path))
    if tools is None:
        return found
    try:
        info = probe(tools, path)
    except AudioInputError:
        return found  # mutagen read it; ffprobe's facts are a refinement
    return replace(
        found,
        duration=info.duration or found.duration,
        sample_rate=info.sample_rate or found.sample_rate,
        channels=info.channels or found.channels,
        encoding=format_words(path.name, info.codec),
    )


def _with_wave_chunks(path: Path, found: FileTags) -> FileTags:
    if found.format != "WAV":
        return found
    chunks = read_wave_chunks(path)
    if not chunks.fields:
        return found
    entries = tuple(TagEntry(f.key, (f.value,), f.name) for f in chunks.fields)
    kinds = ([found.tag_format] if found.tag_format else []) + list(chunks.chunks)
    return replace(found, tag_format=" + ".join(kinds), tags=found.tags + entries)


def _read_tags(path: Path) -> FileTags:
    try:
        audio = mutagen.File(path)
    except MutagenError as err:
        raise InputError(
            f"{path.name}: a damaged or unreadable audio file ({err}); {_EXPECTED_AUDIO}"
        ) from err
    except OSError as err:
        raise InputError(f"{path.name}: cannot be read ({err.strerror or err})") from err
    if audio is None:
        raise InputError(f"{path.name}: not an audio file ({_sniff(path)}); {_EXPECTED_AUDIO}")
    info = audio.info
    base = FileTags(
        path=path,
        format=_format_name(audio),
        tag_format=None,
        duration=getattr(info, "length", None),
        sample_rate=getattr(info, "sample_rate", None),
        channels=getattr(info, "channels", None),
    )
    tags = audio.tags
    if isinstance(audio, FLAC) or (tags is not None and hasattr(tags, "vendor")):
        return _read_vorbis(base, audio)
    if isinstance(tags, ID3):
        return _read_id3(base, tags)
    if isinstance(audio, MP4):
        return _read_mp4(base, audio)
    if not tags:
        return base
    entries = tuple(TagEntry(str(k), _strings(v)) for k, v in sorted(tags.items()))
    return replace(base, tag_format=type(tags).__name__, tags=entries)


def _format_name(audio: Any) -> str:
    names = {
        "MP3": "MP3",
        "FLAC": "FLAC",
        "OggOpus": "Ogg Opus",
        "OggVorbis": "Ogg Vorbis",
        "MP4": "MP4/M4A",
        "WAVE": "WAV",
        "AIFF": "AIFF",
    }
    return names.get(type(audio).__name__, type(audio).__name__)


def _sniff(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(512)
    if not head:
        return "an empty file"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "unrecognised data"
    return "text"


def _read_id3(base: FileTags, id3: ID3) -> FileTags:
    entries: list[TagEntry] = []
    pictures: list[PictureInfo] = []
    chapters: dict[str, ChapterMark] = {}
    order: list[str] = []
    txxx_names = {
        k.id3.split("+")[0][5:]: n for n, k in FIELDS.items() if k.id3.startswith("TXXX:")
    }
    for frame in id3.values():
        frame_id = frame.FrameID
        if frame_id == "APIC":
            pictures.append(_picture_info(frame.data, frame.mime, frame.type, frame.desc))
        elif frame_id == "CHAP":
            title = frame.sub_frames.get("TIT2")
            links = frame.sub_frames.getall("WXXX")
            chapters[frame.element_id] = ChapterMark(
                frame.start_time / 1000,
                frame.end_time / 1000,
                str(title.text[0]) if title and title.text else "",
                links[0].url if links else None,
            )
        elif frame_id == "CTOC":
            if frame.flags & CTOCFlags.TOP_LEVEL:
                order = list(frame.child_element_ids)
        else:
            name = txxx_names.get(frame.desc) if frame_id == "TXXX" else _ID3_NAMES.get(frame_id)
            entries.append(TagEntry(frame.HashKey, _id3_values(frame), name))
    marks = [chapters[i] for i in order if i in chapters] or sorted(
        chapters.values(), key=lambda m: m.start
    )
    version = f"ID3v2.{id3.version[1]}"
    return replace(
        base,
        tag_format=version if entries or marks or pictures else None,
        tags=tuple(entries),
        chapters=tuple(marks),
        pictures=tuple(pictures),
    )


def _id3_values(frame: Any) -> tuple[str, ...]:
    if hasattr(frame, "url"):
        return (str(frame.url),)
    if hasattr(frame, "text"):
        return tuple(str(t) for t in frame.text)
    if hasattr(frame, "value"):
        return (str(frame.value),)
    return (str(frame),)


_CHAPTER_KEY = re.compile(r"^CHAPTER(\d{3})(NAME|URL)?$")


def _read_vorbis(base: FileTags, audio: Any) -> FileTags:
    grouped: dict[str, list[str]] = {}
    for key, value in audio.tags or []:
        grouped.setdefault(key.upper(), []).append(value)
    pictures = [
        _picture_info(p.data, p.mime, p.type, p.desc) for p in getattr(audio, "pictures", [])
    ]
    for encoded in grouped.pop("METADATA_BLOCK_PICTURE", []):
        try:
            picture = Picture(base64.b64decode(encoded))
        except (ValueError, MutagenError):
            continue
        pictures.append(_picture_info(picture.data, picture.mime, picture.type, picture.desc))
    chapter_fields: dict[str, dict[str, str]] = {}
    for key in list(grouped):
        match = _CHAPTER_KEY.match(key)
        if match:
            chapter_fields.setdefault(match.group(1), {})[match.group(2) or "START"] = grouped.pop(
                key
            )[0]
    starts: list[tuple[float, str, str | None]] = []
    for fields in chapter_fields.values():
        start = _parse_clock(fields.get("START", ""))
        if start is not None:
            starts.append((start, fields.get("NAME", ""), fields.get("URL")))
    starts.sort(key=lambda s: s[0])
    marks = tuple(
        ChapterMark(start, _end(starts, i, base.duration), title, url)
        for i, (start, title, url) in enumerate(starts)
    )
    names = {k.vorbis: n for n, k in FIELDS.items()}
    entries = tuple(TagEntry(k, tuple(v), names.get(k)) for k, v in grouped.items())
    return replace(
        base,
        tag_format="Vorbis comments" if entries or marks or pictures else None,
        tags=entries,
        chapters=marks,
        pictures=tuple(pictures),
    )


def _end(starts: list[tuple[float, str, str | None]], index: int, duration: float | None) -> float:
    if index + 1 < len(starts):
        return float(starts[index + 1][0])
    return float(duration or starts[index][0])


def _parse_clock(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        parts = [float(p) for p in text.strip().split(":")]
    except ValueError:
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def _read_mp4(base: FileTags, audio: MP4) -> FileTags:
    entries: list[TagEntry] = []
    pictures: list[PictureInfo] = []
    names = {k.mp4: n for n, k in FIELDS.items() if k.mp4}
    stored: dict[str, Any] = dict(audio.tags or {})
    for key, value in sorted(stored.items()):
        if key == "covr":
            for cover in value:
                mime = "image/png" if cover.imageformat == MP4Cover.FORMAT_PNG else "image/jpeg"
                pictures.append(_picture_info(bytes(cover), mime, 3, ""))
            continue
        entries.append(TagEntry(key, _strings(value), names.get(key)))
    marks: list[ChapterMark] = []
    chapters = list(getattr(audio, "chapters", None) or [])
    for index, chapter in enumerate(chapters):
        end = chapters[index + 1].start if index + 1 < len(chapters) else base.duration
        marks.append(ChapterMark(chapter.start, float(end or chapter.start), chapter.title))
    return replace(
        base,
        tag_format="MP4 atoms" if entries or marks or pictures else None,
        tags=tuple(entries),
        chapters=tuple(marks),
        pictures=tuple(pictures),
    )


def _strings(value: Any) -> tuple[str, ...]:
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    out = []
    for item in items:
        if isinstance(item, bytes):
            out.append(item.decode("utf-8", "replace"))
        elif isinstance(item, tuple):
            out.append("/".join(str(x) for x in item))
        else:
            out.append(str(item))
    return tuple(out)


_PICTURE_TYPES = {0: "other", 1: "file icon", 2: "other icon", 3: "front cover", 4: "back cover"}


def _picture_info(data: bytes, mime: str, kind: int, desc: str) -> PictureInfo:
    info = describe_image(data)
    return PictureInfo(
        type=_PICTURE_TYPES.get(kind, f"type {kind}"),
        mime=mime,
        size=len(data),
        width=info.width if info else None,
        height=info.height if info else None,
        description=str(desc),
    )
