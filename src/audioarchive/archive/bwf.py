"""The preservation master as Broadcast WAV (EBU Tech 3285), for ``[archive] master``.

:func:`write_bwf` turns the lossless FLAC master (the joined recording, sample for
sample) into ``archive/<id>/<id>.wav``: the same PCM samples (16 or 24 bits), with

- a ``bext`` chunk (version 1): Description (the session's title), Originator (the
  show's author), OriginatorReference (the session id), OriginationDate and
  OriginationTime (when the recording began: the session's date, local time),
  TimeReference (samples since that midnight), CodingHistory (one line per recorder
  part, then one for the joining, EBU R98 syntax);
- a ``LIST/INFO`` chunk: INAM title, IART author, IPRD show, ICRD date, ICOP
  license/copyright, ICMT the session's description (first 1000 characters);
- the chapters as ``cue `` points with ``LIST/adtl`` ``labl`` labels, at their
  sample positions on the recording (chapter times refer to the joined recording);
- RF64 (EBU Tech 3306) when the file would pass 4 GB (ffmpeg's ``-rf64 auto``).

ffmpeg (through :mod:`audioarchive.ffmpeg`) writes the samples, ``bext`` and
``INFO``; the ``cue `` and ``adtl`` chunks are appended here, and the RIFF (or the
RF64 ``ds64``) size is updated. ``bext`` text is ASCII, as EBU Tech 3285 requires:
accents are dropped there (``INFO`` keeps UTF-8).
"""

from __future__ import annotations

import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from audioarchive._version import __version__
from audioarchive.common.text import markdown_to_text
from audioarchive.common.writing import atomic_path
from audioarchive.errors import AudioArchiveError
from audioarchive.ffmpeg import AudioInfo, Tools, probe, run_ffmpeg
from audioarchive.metadata.licenses import license_url
from audioarchive.metadata.session import Session, Show

BEXT_LIMITS = {"description": 256, "originator": 32, "originator_reference": 32}
_CHANNELS = {1: "mono", 2: "stereo"}


class BwfError(AudioArchiveError):
    """The Broadcast WAV master could not be written or completed."""


@dataclass(frozen=True)
class CuePoint:
    sample: int  # position on the recording, in samples
    label: str


@dataclass(frozen=True)
class BwfMetadata:
    description: str
    originator: str
    originator_reference: str
    origination: datetime | None
    coding_history: str
    info: dict[str, str]  # ffmpeg's metadata keys for LIST/INFO: title, artist, album...
    cues: tuple[CuePoint, ...] = ()


def bwf_metadata(
    show: Show, session: Session, parts: Sequence[AudioInfo], rate: int, bits: int
) -> BwfMetadata:
    """What the master's chunks say, from the show, the session and the recorder's parts."""
    license_ = session.license or show.license
    rights = "; ".join(x for x in (show.copyright, license_, license_url(license_)) if x)
    info = {
        "title": session.title,
        "artist": show.author,
        "album": show.title,
        "date": session.date.date().isoformat() if session.date else "",
        "copyright": rights,
        "comment": markdown_to_text(session.description)[:1000],
    }
    cues = tuple(
        CuePoint(round(chapter.start * rate), chapter.title) for chapter in session.chapters
    )
    return BwfMetadata(
        description=session.title,
        originator=show.author,
        originator_reference=session.id,
        origination=session.date,
        coding_history=coding_history(parts, rate, bits),
        info={k: v for k, v in info.items() if v},
        cues=cues,
    )


def coding_history(parts: Sequence[AudioInfo], rate: int, bits: int) -> str:
    """EBU R98 lines: each recorder part as it came, then the joined master."""
    lines = []
    for part in parts:
        algorithm = "PCM" if part.codec.startswith("pcm_") else part.codec.upper()
        width = f",W={part.bits}" if part.bits else ""
        mode = _CHANNELS.get(part.channels, f"{part.channels}ch")
        lines.append(f"A={algorithm},F={part.sample_rate}{width},M={mode},T={part.path.name}")
    first = parts[0]
    mode = _CHANNELS.get(first.channels, f"{first.channels}ch")
    joined = (
        f"{len(parts)} parts joined in order, sample-exactly" if len(parts) > 1 else "the recording"
    )
    lines.append(
        f"A=PCM,F={rate},W={bits},M={mode},T=audioarchive {__version__}: {joined} "
        "(ffmpeg concat), via the FLAC master"
    )
    return "".join(_ascii(line) + "\r\n" for line in lines)


def write_bwf(tools: Tools, source: Path, dest: Path, meta: BwfMetadata) -> None:
    """Write ``dest`` from ``source`` (the FLAC master, or an earlier BWF master): the same
    samples, new chunks. Atomic: ``dest`` is whole or untouched."""
    info = probe(tools, source)
    codec = "pcm_s16le" if 0 < info.bits <= 16 or info.sample_fmt.startswith("s16") else "pcm_s24le"
    args = ["-v", "error", "-i", str(source), "-map", "0:a:0", "-map_metadata", "-1"]
    args += ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-c:a", codec]
    args += ["-rf64", "auto", "-write_bext", "1"]
    for key, value in _bext_fields(meta, info.sample_rate).items():
        args += ["-metadata", f"{key}={value}"]
    for key, value in meta.info.items():
        args += ["-metadata", f"{key}={value}"]
    with atomic_path(dest) as tmp:
        run_ffmpeg(tools, [*args, "-f", "wav", str(tmp)])
        if meta.cues:
            append_chunks(tmp, cue_chunks(meta.cues))


def _bext_fields(meta: BwfMetadata, rate: int) -> dict[str, str]:
    fields = {
        "description": _ascii(meta.description)[: BEXT_LIMITS["description"]],
        "originator": _ascii(meta.originator)[: BEXT_LIMITS["originator"]],
        "originator_reference": _ascii(meta.originator_reference)[:32],
        "coding_history": meta.coding_history,
    }
    when = meta.origination
    if when is not None:
        fields["origination_date"] = when.strftime("%Y-%m-%d")
        fields["origination_time"] = when.strftime("%H:%M:%S")
        midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
        fields["time_reference"] = str(round((when - midnight).total_seconds() * rate))
    return fields


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.split())


# --- RIFF chunks ------------------------------------------------------------------------------


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    pad = b"\0" if len(payload) % 2 else b""
    return fourcc + struct.pack("<I", len(payload)) + payload + pad


def cue_chunks(cues: Sequence[CuePoint]) -> bytes:
    """A ``cue `` chunk and a ``LIST/adtl`` chunk with one ``labl`` per point (ids from 1)."""
    points = b"".join(
        struct.pack("<II4sIII", number, cue.sample, b"data", 0, 0, cue.sample)
        for number, cue in enumerate(cues, start=1)
    )
    cue = _chunk(b"cue ", struct.pack("<I", len(cues)) + points)
    labels = b"".join(
        _chunk(b"labl", struct.pack("<I", number) + cue.label.encode("utf-8") + b"\0")
        for number, cue in enumerate(cues, start=1)
    )
    return cue + _chunk(b"LIST", b"adtl" + labels)


def append_chunks(path: Path, chunks: bytes) -> None:
    """Append ``chunks`` to a RIFF or RF64 file and update its size field."""
    with path.open("r+b") as handle:
        head = handle.read(12)
        if head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RF64"):
            raise BwfError(f"{path.name}: not a WAVE file; cannot add its cue points")
        handle.seek(0, 2)
        if handle.tell() % 2:
            handle.write(b"\0")
        handle.write(chunks)
        size = handle.tell() - 8
        if head[:4] == b"RIFF":
            if size > 0xFFFFFFFF:
                raise BwfError(f"{path.name}: over 4 GB but not RF64; expected ffmpeg -rf64 auto")
            handle.seek(4)
            handle.write(struct.pack("<I", size))
            return
        handle.seek(12)
        if handle.read(4) != b"ds64":
            raise BwfError(f"{path.name}: RF64 without a ds64 chunk")
        handle.seek(20)  # ds64: size (4), then riffSize (8)
        handle.write(struct.pack("<Q", size))


def chunk_ids(path: Path) -> list[str]:
    """The top-level chunks of a WAVE file, in order (RF64 data sizes read from ds64)."""
    found: list[str] = []
    with path.open("rb") as handle:
        head = handle.read(12)
        if head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RF64"):
            return found
        data_size: int | None = None
        while len(header := handle.read(8)) == 8:
            fourcc, size = header[:4], struct.unpack("<I", header[4:])[0]
            found.append(fourcc.decode("latin-1"))
            if fourcc == b"ds64":
                body = handle.read(size)
                data_size = struct.unpack_from("<Q", body, 8)[0]
                size = 0
            elif fourcc == b"data" and size == 0xFFFFFFFF and data_size is not None:
                size = data_size
            handle.seek(size + size % 2, 1)
    return found
