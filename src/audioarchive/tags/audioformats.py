"""Audio formats in people's words, and what recorders write in a WAV file besides the audio.

:func:`format_words` names a codec as a person would ("WAV, 24 bits", not ``pcm_s24le``).

The rest reads ``bext``, ``LIST/INFO`` and ``iXML``: pure functions over the bytes of a
RIFF/WAVE or RF64 file, so that ``audioarchive tags``
shows a Broadcast Wave file's own metadata (the recorder, when it started, the take)
instead of "tags: none". Read only: the Broadcast WAV master's chunks are written by
:mod:`audioarchive.archive.bwf`, not through the tag table.

- ``bext`` (EBU Tech 3285): Description, Originator, OriginatorReference,
  OriginationDate and OriginationTime, TimeReference (samples since midnight),
  CodingHistory.
- ``LIST`` of type ``INFO``: four-letter fields (``INAM`` title, ``IART`` artist,
  ``ICMT`` comment, ``ICRD`` creation date, ``ISFT`` software...).
- ``iXML``: the first-level text elements (``PROJECT``, ``SCENE``, ``TAKE``, ``NOTE``...),
  and a few of ``SPEED`` and ``BEXT``.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree  # a local file; expat refuses external entities

_MAX_CHUNK = 1 << 20  # metadata chunks are small; a bigger one is skipped, not read
_INFO_NAMES = {
    "INAM": "title",
    "IART": "artist",
    "ICMT": "comment",
    "ICRD": "date",
    "ISFT": "software",
    "IPRD": "album",
    "IGNR": "genre",
    "ICOP": "copyright",
    "IENG": "engineer",
    "ISRC": "source",
    "ITCH": "technician",
    "IKEY": "keywords",
    "ISBJ": "subject",
}
_IXML_NESTED = ("SPEED", "HISTORY", "FILE_SET")


_CODEC_WORDS = {
    "flac": "FLAC",
    "mp3": "MP3",
    "aac": "AAC",
    "alac": "ALAC",
    "opus": "Opus",
    "vorbis": "Vorbis",
    "wavpack": "WavPack",
}
_PCM = re.compile(r"^pcm_([suf])(\d+)(le|be)?(_planar)?$")
_AIFF_SUFFIXES = (".aif", ".aiff", ".aifc")


def format_words(name: str, codec: str, *, floating: str = "float") -> str:
    """``WAV, 24 bits`` for ``pcm_s24le``; ``FLAC`` for ``flac``; the codec itself otherwise.

    ``name`` (the file's name) tells WAV from AIFF; ``floating`` is the word for
    floating-point samples in the reader's language.
    """
    match = _PCM.match(codec)
    if match:
        container = "AIFF" if Path(name).suffix.lower() in _AIFF_SUFFIXES else "WAV"
        kind = f" ({floating})" if match.group(1) == "f" else ""
        return f"{container}, {match.group(2)} bits{kind}"
    return _CODEC_WORDS.get(codec, codec.upper() if len(codec) <= 4 else codec)


@dataclass(frozen=True)
class ChunkField:
    key: str  # "bext:Originator", "INFO:INAM", "iXML:PROJECT"
    value: str
    name: str | None = None  # in words, where one fits


@dataclass(frozen=True)
class WaveChunks:
    chunks: tuple[str, ...]  # which of "bext", "INFO", "iXML" were found, in file order
    fields: tuple[ChunkField, ...]


def read_wave_chunks(path: Path) -> WaveChunks:
    """The metadata chunks of a WAV/RF64 file (nothing found: empty, never an error)."""
    try:
        with path.open("rb") as handle:
            return _read(handle)
    except (OSError, struct.error, ValueError):
        return WaveChunks((), ())


def _read(handle: BinaryIO) -> WaveChunks:
    head = handle.read(12)
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64", b"BW64") or head[8:12] != b"WAVE":
        return WaveChunks((), ())
    data_size: int | None = None
    found: list[str] = []
    fields: list[ChunkField] = []
    while True:
        header = handle.read(8)
        if len(header) < 8:
            break
        chunk_id, size = header[:4], struct.unpack("<I", header[4:])[0]
        if chunk_id == b"data" and size == 0xFFFFFFFF:
            if data_size is None:
                break  # RF64 without ds64: the rest cannot be found
            size = data_size
        if chunk_id == b"ds64" and size >= 16:
            body = handle.read(size)
            data_size = struct.unpack("<Q", body[8:16])[0]
        elif chunk_id in (b"bext", b"LIST", b"iXML") and size <= _MAX_CHUNK:
            body = handle.read(size)
            parsed = _parse(chunk_id, body)
            if parsed:
                found.append(parsed[0])
                fields.extend(parsed[1])
        else:
            handle.seek(size, 1)
        if size % 2:
            handle.seek(1, 1)
    return WaveChunks(tuple(found), tuple(fields))


def _parse(chunk_id: bytes, body: bytes) -> tuple[str, list[ChunkField]] | None:
    if chunk_id == b"bext":
        return "bext", parse_bext(body)
    if chunk_id == b"LIST" and body[:4] == b"INFO":
        return "INFO", parse_info(body[4:])
    if chunk_id == b"iXML":
        return "iXML", parse_ixml(body)
    return None


def _text(raw: bytes) -> str:
    text = raw.split(b"\0", 1)[0]
    try:
        return text.decode("utf-8").strip()
    except UnicodeDecodeError:
        return text.decode("latin-1").strip()


def parse_bext(body: bytes) -> list[ChunkField]:
    """The fields of a ``bext`` chunk (EBU Tech 3285), blank ones left out."""
    if len(body) < 346:
        return []
    out = [
        ChunkField("bext:Description", _text(body[0:256]), "description"),
        ChunkField("bext:Originator", _text(body[256:288]), "recorder"),
        ChunkField("bext:OriginatorReference", _text(body[288:320]), "reference"),
    ]
    date, time = _text(body[320:330]), _text(body[330:338])
    if date:
        out.append(ChunkField("bext:OriginationDate", f"{date} {time}".strip(), "recorded at"))
    low, high = struct.unpack("<II", body[338:346])
    reference = (high << 32) | low
    if reference:
        out.append(ChunkField("bext:TimeReference", str(reference), "samples since midnight"))
    if len(body) > 602:
        history = _text(body[602:])
        out.append(ChunkField("bext:CodingHistory", history, "coding history"))
    return [f for f in out if f.value]


def parse_info(body: bytes) -> list[ChunkField]:
    """The sub-chunks of a ``LIST``/``INFO`` chunk."""
    out: list[ChunkField] = []
    offset = 0
    while offset + 8 <= len(body):
        key = body[offset : offset + 4].decode("latin-1")
        size = struct.unpack("<I", body[offset + 4 : offset + 8])[0]
        value = _text(body[offset + 8 : offset + 8 + size])
        if value:
            out.append(ChunkField(f"INFO:{key}", value, _INFO_NAMES.get(key)))
        offset += 8 + size + (size % 2)
    return out


def parse_ixml(body: bytes) -> list[ChunkField]:
    """The first-level text elements of an ``iXML`` chunk (and those of SPEED...)."""
    text = body.rstrip(b"\0 \r\n\t")
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
        return [ChunkField("iXML", "not read (declares entities)")]
    try:
        root = ElementTree.fromstring(text)  # noqa: S314  # no DTD, no entities: nothing to expand
    except (ElementTree.ParseError, ValueError):
        return [ChunkField("iXML", "unreadable XML")]
    out: list[ChunkField] = []
    for element in root:
        if element.tag in _IXML_NESTED:
            for child in element:
                if child.text and child.text.strip() and len(child) == 0:
                    out.append(ChunkField(f"iXML:{element.tag}/{child.tag}", child.text.strip()))
        elif len(element) == 0 and element.text and element.text.strip():
            out.append(ChunkField(f"iXML:{element.tag}", element.text.strip()))
    return out
