"""Writing a :class:`TagSet` into a file with mutagen, through the one table of fields.

ID3v2.3 for MP3 (what podcast apps and car stereos read best) with CHAP/CTOC chapters and
an APIC cover; Vorbis comments for FLAC and Ogg (chapters as ``CHAPTERnnn`` and
``CHAPTERnnnNAME``, the cover as a picture block); MP4 atoms for M4A. Every field goes
where :data:`~audioarchive.tags.fields.FIELDS` says, in each of its forms.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.flac import FLAC, Picture
from mutagen.id3 import (
    COMM,
    ID3,
    PCST,
    TXXX,
    CTOCFlags,
    Encoding,
    Frames,
    ID3NoHeaderError,
    PictureType,
)
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from audioarchive.common.formats import clock_time
from audioarchive.errors import TaggingError
from audioarchive.tags.artwork import image_info
from audioarchive.tags.fields import (
    FIELDS,
    ID3_CHAPTERS,
    PICTURES,
    VORBIS_CHAPTERS,
    FieldValue,
    ID3Date,
    ID3Frame,
    MP4Atom,
    MP4Shape,
    TagField,
    free_field,
)
from audioarchive.tags.tagset import ChapterMark, Cover, TagSet

_FRAMES: Mapping[str, type[Any]] = Frames
_UTF16 = Encoding.UTF16
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


def write_tags(path: Path, tags: TagSet) -> None:
    """Replace every tag of ``path`` (MP3, FLAC, Opus, Ogg Vorbis or M4A) with ``tags``."""
    suffix = path.suffix.lower()
    writers: dict[str, Callable[[Path, TagSet], None]] = {
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


def _fields_with_values(tags: TagSet) -> list[tuple[TagField, FieldValue]]:
    """The fields of the table that have a value in ``tags``, in order, then its free keys."""
    values = tags.values()
    found = [(f, values[f.name]) for f in FIELDS if f.name in values]
    return found + [(free_field(key), (text,)) for key, text in tags.extra]


def _texts(value: FieldValue) -> tuple[str, ...]:
    """A field's value as text: numbers in decimal, dates in ISO 8601 with their time zone."""
    if isinstance(value, datetime):
        return (value.isoformat(),)
    if isinstance(value, int):
        return (str(value),)
    return value


# --- ID3 (MP3) --------------------------------------------------------------------------------


def _write_id3(path: Path, tags: TagSet) -> None:
    with contextlib.suppress(ID3NoHeaderError):
        ID3(path).delete(path)
    id3 = ID3()
    for tag_field, value in _fields_with_values(tags):
        for form in tag_field.id3:
            for frame in _id3_frames(form, value, tags.language):
                id3.add(frame)
    if tags.cover:
        id3.add(
            _FRAMES[PICTURES.id3](
                encoding=_UTF16,
                mime=tags.cover.mime,
                type=PictureType.COVER_FRONT,
                desc="Cover",
                data=tags.cover.data,
            )
        )
    _add_id3_chapters(id3, tags.chapters)
    id3.save(path, v2_version=3, v1=0, v23_sep="/")


def _id3_frames(form: ID3Frame | ID3Date, value: FieldValue, language: str | None) -> list[Any]:
    if isinstance(form, ID3Date):
        if not isinstance(value, datetime):
            raise TypeError(f"{form.read_as}: expected a date, not {value!r}")
        return [
            _FRAMES[part.id](encoding=_UTF16, text=[part.pattern.format(value)])
            for part in form.parts
        ]
    texts = _texts(value)
    if form.language_code:
        texts = tuple(_iso639_2(code, code) for code in texts)
    if form.join is not None:
        texts = (form.join.join(texts),)
    if form.id == "TXXX":
        return [TXXX(encoding=_UTF16, desc=form.desc, text=list(texts))]
    if form.id == "COMM":
        lang = _iso639_2(language or "", "XXX")
        return [COMM(encoding=_UTF16, lang=lang, desc="", text=list(texts))]
    if form.id == "PCST":
        return [PCST(value=1)]
    if form.id.startswith("W"):
        return [_FRAMES[form.id](url=texts[0])]
    return [_FRAMES[form.id](encoding=_UTF16, text=list(texts))]


def _iso639_2(code: str, default: str) -> str:
    """ID3 wants ISO 639-2 language codes: ``fre`` for ``fr`` or ``fr-CA``."""
    return _ISO639_2.get(code.split("-", maxsplit=1)[0], default)


def _add_id3_chapters(id3: ID3, chapters: tuple[ChapterMark, ...]) -> None:
    if not chapters:
        return
    frames = ID3_CHAPTERS
    ids = [f"chp{i}" for i in range(len(chapters))]
    id3.add(
        _FRAMES[frames.toc](
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[_FRAMES[frames.title](encoding=_UTF16, text=["Chapters"])],
        )
    )
    for element_id, mark in zip(ids, chapters, strict=True):
        sub: list[Any] = [_FRAMES[frames.title](encoding=_UTF16, text=[mark.title])]
        if mark.url:
            sub.append(_FRAMES[frames.link](encoding=_UTF16, desc="", url=mark.url))
        id3.add(
            _FRAMES[frames.chapter](
                element_id=element_id,
                start_time=round(mark.start * 1000),
                end_time=round(mark.end * 1000),
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=sub,
            )
        )


# --- Vorbis comments (FLAC, Ogg) --------------------------------------------------------------


def vorbis_comments(tags: TagSet) -> dict[str, list[str]]:
    """The Vorbis comments of ``tags`` (FLAC and Ogg), key -> values, in the table's order."""
    comments: dict[str, list[str]] = {}
    for tag_field, value in _fields_with_values(tags):
        for key in tag_field.vorbis:
            comments[key] = list(_texts(value))
    for index, mark in enumerate(tags.chapters, start=1):
        start, name, url = VORBIS_CHAPTERS.keys(index)
        comments[start] = [clock_time(mark.start)]
        comments[name] = [mark.title]
        if mark.url:
            comments[url] = [mark.url]
    return comments


def _picture(cover: Cover) -> Picture:
    picture = Picture()
    picture.type = PictureType.COVER_FRONT
    picture.mime = cover.mime
    picture.desc = "Cover"
    picture.data = cover.data
    info = image_info(cover.data)
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
        audio[PICTURES.vorbis_ogg] = [encoded]
    audio.save()


# --- MP4 atoms (M4A) --------------------------------------------------------------------------


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


def _mp4_atoms(tags: TagSet) -> dict[str, Any]:
    atoms: dict[str, Any] = {}
    for tag_field, value in _fields_with_values(tags):
        for atom in tag_field.mp4:
            atoms[atom.atom] = _mp4_value(atom, value)
    if tags.cover:
        kind = MP4Cover.FORMAT_PNG if tags.cover.mime == "image/png" else MP4Cover.FORMAT_JPEG
        atoms[PICTURES.mp4] = [MP4Cover(tags.cover.data, imageformat=kind)]
    return atoms


def _mp4_value(atom: MP4Atom, value: FieldValue) -> Any:
    if atom.shape in (MP4Shape.PAIR, MP4Shape.INTEGER):
        if not isinstance(value, int):
            raise TypeError(f"{atom.atom}: expected a number, not {value!r}")
        return [(value, 0)] if atom.shape is MP4Shape.PAIR else [value]
    if atom.shape is MP4Shape.FLAG:
        return True
    texts = _texts(value)
    if atom.join is not None:
        texts = (atom.join.join(texts),)
    if atom.limit is not None:
        texts = tuple(text[: atom.limit] for text in texts)
    if atom.shape is MP4Shape.FREEFORM:
        return [MP4FreeForm(text.encode("utf-8")) for text in texts]
    return list(texts)
