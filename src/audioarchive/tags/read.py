"""Reading the tags of any audio file, ours or not, for ``audioarchive tags``.

Keys that the tag table (:data:`~audioarchive.tags.fields.FIELDS`) declares are named by
their field, in every form the writers use; others are shown as they are stored. A WAV
file's ``bext``, ``LIST/INFO`` and ``iXML`` chunks are shown as tags too.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import mutagen
from mutagen import MutagenError
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp4 import MP4, MP4Cover

from audioarchive.errors import AudioInputError, InputError
from audioarchive.ffmpeg import Tools, probe
from audioarchive.tags.artwork import image_info
from audioarchive.tags.audioformats import format_words, read_wave_chunks
from audioarchive.tags.fields import (
    ID3_CHAPTERS,
    PICTURES,
    VORBIS_CHAPTERS,
    id3_names,
    mp4_names,
    vorbis_names,
)
from audioarchive.tags.tagset import ChapterMark


@dataclass(frozen=True)
class TagEntry:
    key: str  # as stored: "TIT2", "TXXX:LICENSE", "TITLE", "©nam"
    values: tuple[str, ...]
    name: str | None = None  # our logical name, when the key is one of ours

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "values": list(self.values)}


@dataclass(frozen=True)
class PictureInfo:
    """A picture embedded in an audio file, as ``audioarchive tags`` shows it."""

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
# Frames of others that the reader names too (encoders write them).
_OTHER_ID3_NAMES = {"TSSE": "encoder settings", "TENC": "encoded by", "TCOM": "composer"}
_ID3_NAMES = {**_OTHER_ID3_NAMES, **id3_names()}
_VORBIS_NAMES = vorbis_names()
_MP4_NAMES = mp4_names()


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
    for frame in id3.values():
        frame_id = frame.FrameID
        if frame_id == PICTURES.id3:
            pictures.append(_picture_info(frame.data, frame.mime, frame.type, frame.desc))
        elif frame_id == ID3_CHAPTERS.chapter:
            chapters[frame.element_id] = _id3_chapter(frame)
        elif frame_id == ID3_CHAPTERS.toc:
            if frame.flags & CTOCFlags.TOP_LEVEL:
                order = list(frame.child_element_ids)
        else:
            key = f"TXXX:{frame.desc}" if frame_id == "TXXX" else frame_id
            entries.append(TagEntry(frame.HashKey, _id3_values(frame), _ID3_NAMES.get(key)))
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


def _id3_chapter(frame: Any) -> ChapterMark:
    title = frame.sub_frames.get(ID3_CHAPTERS.title)
    links = frame.sub_frames.getall(ID3_CHAPTERS.link)
    return ChapterMark(
        frame.start_time / 1000,
        frame.end_time / 1000,
        str(title.text[0]) if title and title.text else "",
        links[0].url if links else None,
    )


def _id3_values(frame: Any) -> tuple[str, ...]:
    if hasattr(frame, "url"):
        return (str(frame.url),)
    if hasattr(frame, "text"):
        return tuple(str(t) for t in frame.text)
    if hasattr(frame, "value"):
        return (str(frame.value),)
    return (str(frame),)


_CHAPTER_KEY = re.compile(
    rf"^{VORBIS_CHAPTERS.prefix}(\d{{3}})({VORBIS_CHAPTERS.name}|{VORBIS_CHAPTERS.url})?$"
)


def _read_vorbis(base: FileTags, audio: Any) -> FileTags:
    grouped: dict[str, list[str]] = {}
    for key, value in audio.tags or []:
        grouped.setdefault(key.upper(), []).append(value)
    pictures = [
        _picture_info(p.data, p.mime, p.type, p.desc) for p in getattr(audio, "pictures", [])
    ]
    for encoded in grouped.pop(PICTURES.vorbis_ogg, []):
        try:
            picture = Picture(base64.b64decode(encoded))
        except (ValueError, MutagenError):
            continue
        pictures.append(_picture_info(picture.data, picture.mime, picture.type, picture.desc))
    marks = _vorbis_chapters(grouped, base.duration)
    entries = tuple(TagEntry(k, tuple(v), _VORBIS_NAMES.get(k)) for k, v in grouped.items())
    return replace(
        base,
        tag_format="Vorbis comments" if entries or marks or pictures else None,
        tags=entries,
        chapters=marks,
        pictures=tuple(pictures),
    )


def _vorbis_chapters(
    grouped: dict[str, list[str]], duration: float | None
) -> tuple[ChapterMark, ...]:
    """The chapters of ``CHAPTERnnn`` comments, taken out of ``grouped``."""
    chapter_fields: dict[str, dict[str, str]] = {}
    for key in list(grouped):
        match = _CHAPTER_KEY.match(key)
        if match:
            part = match.group(2) or "START"
            chapter_fields.setdefault(match.group(1), {})[part] = grouped.pop(key)[0]
    starts: list[tuple[float, str, str | None]] = []
    for fields in chapter_fields.values():
        start = _parse_clock(fields.get("START", ""))
        if start is not None:
            name, url = VORBIS_CHAPTERS.name, VORBIS_CHAPTERS.url
            starts.append((start, fields.get(name, ""), fields.get(url)))
    starts.sort(key=lambda s: s[0])
    return tuple(
        ChapterMark(start, _end(starts, i, duration), title, url)
        for i, (start, title, url) in enumerate(starts)
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
    stored: dict[str, Any] = dict(audio.tags or {})
    for key, value in sorted(stored.items()):
        if key == PICTURES.mp4:
            for cover in value:
                mime = "image/png" if cover.imageformat == MP4Cover.FORMAT_PNG else "image/jpeg"
                pictures.append(_picture_info(bytes(cover), mime, 3, ""))
            continue
        entries.append(TagEntry(key, _strings(value), _MP4_NAMES.get(key)))
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
    info = image_info(data)
    return PictureInfo(
        type=_PICTURE_TYPES.get(kind, f"type {kind}"),
        mime=mime,
        size=len(data),
        width=info.width if info else None,
        height=info.height if info else None,
        description=str(desc),
    )
