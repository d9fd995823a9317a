"""Stage 2, tags: every output file tells its own story.

:func:`episode_tags` turns a session into a :class:`TagSet` of logical fields;
:func:`write_tags` writes it with mutagen through one table mapping each
logical field to its ID3 frame and its Vorbis comment key (mediafile's idea,
without its descriptors). mutagen is used nowhere else.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.flac import FLAC, Picture
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TCOP,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TPE2,
    TPOS,
    TRCK,
    TXXX,
    WOAF,
    WXXX,
    CTOCFlags,
    Encoding,
    ID3NoHeaderError,
    PictureType,
)
from mutagen.oggopus import OggOpus

from audioarchive.episode import public_chapters
from audioarchive.errors import TaggingError
from audioarchive.session import Session, Show
from audioarchive.text import markdown_to_text
from audioarchive.timeline import Timeline


@dataclass(frozen=True)
class ChapterMark:
    start: float  # seconds on the published timeline
    end: float
    title: str
    url: str | None = None


@dataclass(frozen=True)
class TagSet:
    """The logical fields written into every output of one episode."""

    title: str
    show: str
    album_artist: str
    session_id: str
    artists: tuple[str, ...] = ()
    episode: int | None = None
    season: int | None = None
    date: str | None = None
    description: str = ""
    genre: str = "Podcast"
    url: str | None = None
    license: str | None = None
    copyright: str | None = None
    language: str | None = None
    chapters: tuple[ChapterMark, ...] = ()
    artwork: Path | None = None
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def fingerprint(self) -> str:
        data = asdict(self)
        data["artwork"] = _file_digest(self.artwork) if self.artwork else None
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


# logical field -> (ID3 frame class, Vorbis comment key)
TEXT_FIELDS: dict[str, tuple[type[Any], str]] = {
    "title": (TIT2, "TITLE"),
    "show": (TALB, "ALBUM"),
    "album_artist": (TPE2, "ALBUMARTIST"),
    "genre": (TCON, "GENRE"),
    "date": (TDRC, "DATE"),
    "copyright": (TCOP, "COPYRIGHT"),
    "language": (TLAN, "LANGUAGE"),
}


def episode_tags(
    show: Show,
    session: Session,
    timeline: Timeline,
    *,
    page_url: str | None = None,
    extra: dict[str, str] | None = None,
) -> TagSet:
    """The tags of one episode. Speakers who may not be named are left out."""
    chapters = public_chapters(session.chapters, timeline)
    marks = tuple(
        ChapterMark(
            c.start,
            chapters[i + 1].start if i + 1 < len(chapters) else timeline.duration,
            c.title,
            c.url,
        )
        for i, c in enumerate(chapters)
    )
    return TagSet(
        title=session.title,
        show=show.title,
        album_artist=show.author,
        session_id=session.id,
        artists=tuple(s.name for s in session.public_speakers),
        episode=session.episode,
        season=session.season,
        date=session.date.isoformat() if session.date else None,
        description=markdown_to_text(session.description),
        url=page_url,
        license=session.license or show.license,
        copyright=show.copyright,
        language=show.language,
        chapters=marks,
        artwork=session.artwork or show.artwork,
        extra=tuple(sorted((extra or {}).items())),
    )


def write_tags(path: Path, tags: TagSet) -> None:
    """Replace every tag of ``path`` (MP3, FLAC or Opus) with ``tags``."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".mp3":
            _write_id3(path, tags)
        elif suffix == ".flac":
            _write_flac(path, tags)
        elif suffix == ".opus":
            _write_opus(path, tags)
        else:
            raise TaggingError(f"{path.name}: cannot tag {suffix} files")
    except (MutagenError, OSError) as err:
        raise TaggingError(f"{path.name}: could not write tags ({err})") from err


def _write_id3(path: Path, tags: TagSet) -> None:
    try:
        id3 = ID3(path)
        id3.delete(path)
    except ID3NoHeaderError:
        pass
    id3 = ID3()
    for name, (frame, _key) in TEXT_FIELDS.items():
        value = getattr(tags, name)
        if value:
            id3.add(frame(encoding=Encoding.UTF16, text=[str(value)]))
    if tags.artists:
        id3.add(TPE1(encoding=Encoding.UTF16, text=["/".join(tags.artists)]))
    if tags.episode is not None:
        id3.add(TRCK(encoding=Encoding.UTF16, text=[str(tags.episode)]))
    if tags.season is not None:
        id3.add(TPOS(encoding=Encoding.UTF16, text=[str(tags.season)]))
    if tags.description:
        id3.add(COMM(encoding=Encoding.UTF16, lang="XXX", desc="", text=[tags.description]))
    if tags.url:
        id3.add(WOAF(url=tags.url))
    if tags.license:
        id3.add(TXXX(encoding=Encoding.UTF16, desc="LICENSE", text=[tags.license]))
    id3.add(TXXX(encoding=Encoding.UTF16, desc="AUDIOARCHIVE_ID", text=[tags.session_id]))
    for key, value in tags.extra:
        id3.add(TXXX(encoding=Encoding.UTF16, desc=key, text=[value]))
    if tags.artwork:
        id3.add(
            APIC(
                encoding=Encoding.UTF16,
                mime=_mime(tags.artwork),
                type=PictureType.COVER_FRONT,
                desc="Cover",
                data=tags.artwork.read_bytes(),
            )
        )
    _add_id3_chapters(id3, tags.chapters)
    id3.save(path, v2_version=3, v1=0)


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


def _vorbis_comments(tags: TagSet) -> dict[str, list[str]]:
    comments: dict[str, list[str]] = {}
    for name, (_frame, key) in TEXT_FIELDS.items():
        value = getattr(tags, name)
        if value:
            comments[key] = [str(value)]
    if tags.artists:
        comments["ARTIST"] = list(tags.artists)
    if tags.episode is not None:
        comments["TRACKNUMBER"] = [str(tags.episode)]
    if tags.season is not None:
        comments["DISCNUMBER"] = [str(tags.season)]
    if tags.description:
        comments["DESCRIPTION"] = [tags.description]
    if tags.url:
        comments["CONTACT"] = [tags.url]
    if tags.license:
        comments["LICENSE"] = [tags.license]
    comments["AUDIOARCHIVE_ID"] = [tags.session_id]
    for key, value in tags.extra:
        comments[key.upper()] = [value]
    for index, mark in enumerate(tags.chapters, start=1):
        comments[f"CHAPTER{index:03d}"] = [_chapter_time(mark.start)]
        comments[f"CHAPTER{index:03d}NAME"] = [mark.title]
        if mark.url:
            comments[f"CHAPTER{index:03d}URL"] = [mark.url]
    return comments


def _picture(artwork: Path) -> Picture:
    picture = Picture()
    picture.type = PictureType.COVER_FRONT
    picture.mime = _mime(artwork)
    picture.desc = "Cover"
    picture.data = artwork.read_bytes()
    return picture


def _write_flac(path: Path, tags: TagSet) -> None:
    audio = FLAC(path)
    audio.delete()
    audio.clear_pictures()
    for key, values in _vorbis_comments(tags).items():
        audio[key] = values
    if tags.artwork:
        audio.add_picture(_picture(tags.artwork))
    audio.save()


def _write_opus(path: Path, tags: TagSet) -> None:
    audio = OggOpus(path)
    audio.delete()
    for key, values in _vorbis_comments(tags).items():
        audio[key] = values
    if tags.artwork:
        encoded = base64.b64encode(_picture(tags.artwork).write()).decode("ascii")
        audio["METADATA_BLOCK_PICTURE"] = [encoded]
    audio.save()


def _chapter_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _mime(path: Path) -> str:
    return "image/png" if path.suffix.lower() == ".png" else "image/jpeg"


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
