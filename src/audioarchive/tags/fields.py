"""The tag table: one declaration per field, giving its form in each tag format.

The idea of beets' ``mediafile``: a field is declared once, with its ID3v2.3 frames, its
Vorbis comment keys (FLAC, Ogg Opus, Ogg Vorbis) and its MP4 atoms, and both the writers
(:mod:`audioarchive.tags.write`) and the reader (:mod:`audioarchive.tags.read`) go through
that declaration, so that what is written and what is read back cannot drift apart.

A field may have several forms in one format (the episode number is ``trkn`` and ``tves``
in MP4; the session id is ``TXXX:AUDIOARCHIVE_ID`` and the podcast frame ``TGID`` in ID3):
each is written, and each is named by the field when read. A format with no form for a
field does not carry it (the ISO date with its time zone is in Vorbis ``DATE`` already).

The order of :data:`FIELDS` is the order in which Vorbis comments are written (the bytes
of a tagged file depend on it; ID3 frames and MP4 atoms are sorted by mutagen).

Pure data: nothing here imports mutagen, so the table can be read anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

MP4_FREEFORM = "----:com.apple.iTunes:"


class Value(Enum):
    """The kind of value a field holds in a :class:`~audioarchive.tags.TagSet`."""

    TEXT = "text"  # one or more strings
    NUMBER = "number"  # a whole number (episode, season)
    DATE = "date"  # a date and time with its time zone


FieldValue = tuple[str, ...] | int | datetime


@dataclass(frozen=True)
class ID3Frame:
    """One ID3v2.3 frame of a field.

    ``id`` decides the frame's shape: a text frame (``TIT2``), ``TXXX`` (user text, with
    ``desc``), a URL frame (``W...``), ``COMM`` (a comment in the file's language), or
    ``PCST`` (iTunes' podcast flag, set when the field has a value).
    """

    id: str
    desc: str = ""  # TXXX only
    join: str | None = None  # several values in one string; None: a list ("/" in v2.3)
    language_code: bool = False  # the value is a language, written as ISO 639-2 ("fre")
    label: str | None = None  # how the reader names it, when not by the field's name

    @property
    def key(self) -> str:
        """The frame as the reader finds it: ``TIT2``, ``TXXX:LICENSE``."""
        return f"{self.id}:{self.desc}" if self.id == "TXXX" else self.id


@dataclass(frozen=True)
class ID3DatePart:
    """One of the frames that hold a date in ID3v2.3."""

    id: str  # TYER, TDAT, TIME
    pattern: str  # str.format pattern over the datetime: "{0.year:04d}"
    label: str  # how the reader names the frame when it finds it alone


@dataclass(frozen=True)
class ID3Date:
    """ID3v2.3 has no frame for a whole date: the year, the day and month, and the time are
    three frames. mutagen joins them into ID3v2.4's frame (``read_as``) when it reads."""

    parts: tuple[ID3DatePart, ...]
    read_as: str


@dataclass(frozen=True)
class ChapterFrames:
    """Chapters in ID3: a top-level table of contents and one frame per chapter."""

    toc: str = "CTOC"
    chapter: str = "CHAP"
    title: str = "TIT2"  # sub-frame
    link: str = "WXXX"  # sub-frame


class MP4Shape(Enum):
    """How a value is stored in an MP4 atom."""

    TEXT = "text"  # a list of strings
    FREEFORM = "freeform"  # ----:com.apple.iTunes:NAME, one UTF-8 value per string
    PAIR = "pair"  # (number, total): trkn, disk; the total is left at 0
    INTEGER = "integer"  # tves, tvsn
    FLAG = "flag"  # pcst: true when the field has a value


@dataclass(frozen=True)
class MP4Atom:
    """One MP4 atom of a field."""

    atom: str
    shape: MP4Shape = MP4Shape.TEXT
    join: str | None = None  # several values in one string
    limit: int | None = None  # at most this many characters (desc: 255)
    label: str | None = None  # how the reader names it, when not by the field's name

    @classmethod
    def freeform(cls, name: str) -> MP4Atom:
        return cls(f"{MP4_FREEFORM}{name}", MP4Shape.FREEFORM)


@dataclass(frozen=True)
class TagField:
    """One logical field and its forms in each tag format."""

    name: str
    value: Value
    id3: tuple[ID3Frame | ID3Date, ...]
    vorbis: tuple[str, ...]
    mp4: tuple[MP4Atom, ...]
    note: str = ""


def _text(name: str, *, id3: str, vorbis: str, mp4: str, note: str = "") -> TagField:
    """A text field with one plain form in each format."""
    return TagField(name, Value.TEXT, (ID3Frame(id3),), (vorbis,), (MP4Atom(mp4),), note)


def _custom(name: str, *, txxx: str, vorbis: str, freeform: str, note: str = "") -> TagField:
    """A text field of ours: ``TXXX:<txxx>`` (values joined by "; "), a Vorbis key, and an
    iTunes free-form MP4 atom ``----:com.apple.iTunes:<freeform>``."""
    return TagField(
        name,
        Value.TEXT,
        (ID3Frame("TXXX", txxx, join="; "),),
        (vorbis,),
        (MP4Atom.freeform(freeform),),
        note,
    )


_PODCAST_FLAG = "podcast flag"

#: Bump when a change to :data:`FIELDS` changes the bytes written: above 1 it is part of
#: every episode's tag key, so that files built before are tagged again by the next build
#: (``tests/tags/test_tag_fields.py`` pins the table, and fails until the change is owned).
FIELDS_REVISION = 1

# In the order Vorbis comments are written (see the module's docstring).
FIELDS: tuple[TagField, ...] = (
    _text("title", id3="TIT2", vorbis="TITLE", mp4="©nam"),
    _text("show", id3="TALB", vorbis="ALBUM", mp4="©alb", note="the show's title"),
    _text("album_artist", id3="TPE2", vorbis="ALBUMARTIST", mp4="aART", note="the show's author"),
    _text("artists", id3="TPE1", vorbis="ARTIST", mp4="©ART", note="publishable speakers"),
    _custom("speakers", txxx="SPEAKERS", vorbis="SPEAKERS", freeform="SPEAKERS", note="with roles"),
    _text("genre", id3="TCON", vorbis="GENRE", mp4="©gen", note='"Podcast"'),
    _text("copyright", id3="TCOP", vorbis="COPYRIGHT", mp4="cprt"),
    TagField(
        "publisher",
        Value.TEXT,
        id3=(ID3Frame("TPUB"),),
        vorbis=("ORGANIZATION",),
        mp4=(MP4Atom.freeform("PUBLISHER"),),
        note="the show's owner",
    ),
    TagField(
        "language",
        Value.TEXT,
        id3=(ID3Frame("TLAN", language_code=True),),
        vorbis=("LANGUAGE",),
        mp4=(MP4Atom.freeform("LANGUAGE"),),
        note="ID3: ISO 639-2",
    ),
    _custom("license", txxx="LICENSE", vorbis="LICENSE", freeform="LICENSE", note="SPDX id"),
    TagField(
        "session_id",
        Value.TEXT,
        id3=(ID3Frame("TXXX", "AUDIOARCHIVE_ID", join="; "), ID3Frame("TGID")),
        vorbis=("AUDIOARCHIVE_ID",),
        mp4=(MP4Atom("egid"),),
        note="= feed GUID",
    ),
    _custom(
        "kind",
        txxx="AUDIOARCHIVE_FILE",
        vorbis="AUDIOARCHIVE_FILE",
        freeform="FILE",
        note="episode or master",
    ),
    TagField(
        "topics",
        Value.TEXT,
        id3=(ID3Frame("TXXX", "TOPICS", join="; "), ID3Frame("TKWD", join=",")),
        vorbis=("TOPICS",),
        mp4=(MP4Atom("keyw", join=","),),
    ),
    _custom("venue", txxx="VENUE", vorbis="LOCATION", freeform="VENUE", note="name, address"),
    _custom(
        "venue_geo", txxx="VENUE_GEO", vorbis="VENUE_GEO", freeform="VENUE_GEO", note="lat,lon"
    ),
    _text("category", id3="TCAT", vorbis="PODCASTCATEGORY", mp4="catg"),
    TagField(
        "date_iso",
        Value.DATE,
        id3=(ID3Frame("TXXX", "RECORDING_DATETIME", join="; "),),
        vorbis=(),  # DATE holds it already, with its time zone
        mp4=(MP4Atom.freeform("DATE"),),
        note="ISO 8601 with time zone",
    ),
    TagField(
        "episode",
        Value.NUMBER,
        id3=(ID3Frame("TRCK"),),
        vorbis=("TRACKNUMBER",),
        mp4=(MP4Atom("trkn", MP4Shape.PAIR), MP4Atom("tves", MP4Shape.INTEGER)),
        note="episode number",
    ),
    TagField(
        "season",
        Value.NUMBER,
        id3=(ID3Frame("TPOS"),),
        vorbis=("DISCNUMBER",),
        mp4=(MP4Atom("disk", MP4Shape.PAIR), MP4Atom("tvsn", MP4Shape.INTEGER)),
        note="season number",
    ),
    TagField(
        "date",
        Value.DATE,
        id3=(
            ID3Date(
                (
                    ID3DatePart("TYER", "{0.year:04d}", "year"),
                    ID3DatePart("TDAT", "{0.day:02d}{0.month:02d}", "date (DDMM)"),
                    ID3DatePart("TIME", "{0.hour:02d}{0.minute:02d}", "time (HHMM)"),
                ),
                read_as="TDRC",
            ),
        ),
        vorbis=("DATE",),
        mp4=(MP4Atom("©day"),),
        note="date of the meeting",
    ),
    TagField(
        "description",
        Value.TEXT,
        id3=(ID3Frame("COMM"), ID3Frame("TDES")),
        vorbis=("DESCRIPTION", "COMMENT"),
        mp4=(MP4Atom("desc", limit=255), MP4Atom("ldes"), MP4Atom("©cmt")),
        note="plain text",
    ),
    TagField(
        "url",
        Value.TEXT,
        id3=(ID3Frame("WOAF"),),
        vorbis=("CONTACT",),
        mp4=(MP4Atom.freeform("URL"),),
        note="the episode's page",
    ),
    TagField(
        "feed_url",
        Value.TEXT,
        id3=(ID3Frame("WFED"), ID3Frame("PCST", label=_PODCAST_FLAG)),
        vorbis=("PODCASTURL",),
        mp4=(MP4Atom("purl"), MP4Atom("pcst", MP4Shape.FLAG, label=_PODCAST_FLAG)),
        note="the feed",
    ),
    TagField(
        "license_url",
        Value.TEXT,
        id3=(ID3Frame("WCOP"),),
        vorbis=("LICENSE_URL",),
        mp4=(MP4Atom.freeform("LICENSE_URL"),),
    ),
)


def free_field(key: str) -> TagField:
    """A free key (loudness figures, sources...): ``TXXX:<key>``, ``<KEY>`` in Vorbis, an
    iTunes free-form atom in MP4."""
    return TagField(
        key, Value.TEXT, (ID3Frame("TXXX", key),), (key.upper(),), (MP4Atom.freeform(key),)
    )


@dataclass(frozen=True)
class Pictures:
    """Where the cover goes: an ``APIC`` frame, a FLAC picture block (Ogg: the same block in
    base64 in a comment), an MP4 ``covr`` atom."""

    id3: str = "APIC"
    vorbis_ogg: str = "METADATA_BLOCK_PICTURE"
    mp4: str = "covr"


@dataclass(frozen=True)
class VorbisChapters:
    """Chapters as Vorbis comments: ``CHAPTER001`` (HH:MM:SS.mmm), ``CHAPTER001NAME``,
    ``CHAPTER001URL``; MP4 has none (mutagen cannot write them)."""

    prefix: str = "CHAPTER"
    name: str = "NAME"
    url: str = "URL"

    def keys(self, index: int) -> tuple[str, str, str]:
        base = f"{self.prefix}{index:03d}"
        return base, base + self.name, base + self.url


PICTURES = Pictures()
ID3_CHAPTERS = ChapterFrames()
VORBIS_CHAPTERS = VorbisChapters()


def id3_names() -> dict[str, str]:
    """ID3 frame key (``TIT2``, ``TXXX:LICENSE``) → how the reader names it."""
    names: dict[str, str] = {}
    for tag_field in FIELDS:
        for form in tag_field.id3:
            if isinstance(form, ID3Date):
                names[form.read_as] = tag_field.name
                names.update({part.id: part.label for part in form.parts})
            else:
                names[form.key] = form.label or tag_field.name
    return names


def vorbis_names() -> dict[str, str]:
    """Vorbis comment key → field name."""
    return {key: f.name for f in FIELDS for key in f.vorbis}


def mp4_names() -> dict[str, str]:
    """MP4 atom → how the reader names it."""
    return {atom.atom: atom.label or f.name for f in FIELDS for atom in f.mp4}
