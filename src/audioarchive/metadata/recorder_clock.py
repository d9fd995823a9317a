"""When a recording began, by the recorder's own clock first and the file's times last.

Sources, most trusted first:

1. the Broadcast Wave ``bext`` chunk's origination date and time (field recorders: Zoom,
   Tascam, Sound Devices write the moment they started the file, in their local time);
2. the iXML chunk's ``BWF_ORIGINATION_DATE``/``BWF_ORIGINATION_TIME`` (the same, when a
   recorder writes only iXML);
3. the MP4/M4A container's ``creation_time`` (phones: in UTC);
4. the file's modification time (when the recorder closed it) less its duration.

A recorder's clock has no time zone: it is read in the workspace's (``[site] time_zone``,
default the machine's). The RIFF chunks are read here, in pure Python; the container's
``creation_time`` comes from ffprobe (:class:`~audioarchive.ffmpeg.AudioInfo`).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from audioarchive.ffmpeg import AudioInfo

_RIFF_IDS = (b"RIFF", b"RF64", b"BW64")
_BEXT_DATE = slice(320, 330)  # after Description (256), Originator (32), Reference (32)
_BEXT_TIME = slice(330, 338)
_DATE = re.compile(r"(\d{4})\D(\d{2})\D(\d{2})")
_TIME = re.compile(r"(\d{2})\D(\d{2})\D(\d{2})")
_IXML_DATE = re.compile(rb"<BWF_ORIGINATION_DATE>([^<]{0,32})</BWF_ORIGINATION_DATE>")
_IXML_TIME = re.compile(rb"<BWF_ORIGINATION_TIME>([^<]{0,32})</BWF_ORIGINATION_TIME>")
_MAX_CHUNK_SCAN = 64  # chunks read before giving up (the data chunk is skipped, not read)


@dataclass(frozen=True)
class RecordingStart:
    """When a recording began, and which clock said so (shown to the organiser)."""

    when: datetime
    source: str  # e.g. 'the recorder's clock (Broadcast Wave bext of ZOOM0001.WAV)'


def recorder_clock(path: Path, zone: tzinfo | None) -> RecordingStart | None:
    """The start of ``path`` by the clock of the device that made it, from its RIFF chunks."""
    chunks = _riff_chunks(path, (b"bext", b"iXML"))
    bext = chunks.get(b"bext")
    if bext is not None and len(bext) >= _BEXT_TIME.stop:
        when = _local(bext[_BEXT_DATE], bext[_BEXT_TIME], zone)
        if when is not None:
            return RecordingStart(
                when, f"the recorder's clock (Broadcast Wave bext of {path.name})"
            )
    ixml = chunks.get(b"iXML")
    if ixml is not None:
        when = _ixml_start(ixml, zone)
        if when is not None:
            return RecordingStart(when, f"the recorder's clock (iXML of {path.name})")
    return None


def container_clock(info: AudioInfo, zone: tzinfo | None) -> RecordingStart | None:
    """The start by the container's ``creation_time`` (MP4/M4A phone recordings, in UTC)."""
    text = info.creation_time
    if not text or "T" not in text:
        return None  # a WAV's "creation_time" is bext's time alone: read by recorder_clock
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None or when.year < 1990:  # an unset clock (1904, 1970) is no date
        return None
    return RecordingStart(
        when.astimezone(zone), f"the device's clock (creation_time of {info.path.name})"
    )


def file_clock(path: Path, duration: float, zone: tzinfo | None) -> RecordingStart:
    """The file's modification time (when it was closed) less its duration: the last resort."""
    closed = datetime.fromtimestamp(path.stat().st_mtime, zone).astimezone(zone)
    return RecordingStart(
        closed - timedelta(seconds=duration),
        f"the file's modification time less its duration ({path.name}); no recorder clock",
    )


def _local(date_bytes: bytes, time_bytes: bytes, zone: tzinfo | None) -> datetime | None:
    date_match = _DATE.fullmatch(date_bytes.decode("ascii", "replace").strip("\x00 "))
    time_match = _TIME.fullmatch(time_bytes.decode("ascii", "replace").strip("\x00 "))
    if date_match is None or time_match is None:
        return None
    year, month, day = (int(g) for g in date_match.groups())
    hour, minute, second = (int(g) for g in time_match.groups())
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    if naive.year < 1990:  # a recorder whose clock was never set
        return None
    return naive.replace(tzinfo=zone) if zone is not None else naive.astimezone()


def _ixml_start(data: bytes, zone: tzinfo | None) -> datetime | None:
    """Two elements of the iXML document, found by name (no XML parser on a file's bytes)."""
    date, time = _IXML_DATE.search(data), _IXML_TIME.search(data)
    if date is None or time is None:
        return None
    return _local(date.group(1).strip(), time.group(1).strip(), zone)


def _riff_chunks(path: Path, wanted: tuple[bytes, ...]) -> dict[bytes, bytes]:
    """The ``wanted`` chunks of a RIFF/RF64 WAVE file (others are skipped without reading)."""
    found: dict[bytes, bytes] = {}
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
            if len(head) < 12 or head[:4] not in _RIFF_IDS or head[8:12] != b"WAVE":
                return found
            for _ in range(_MAX_CHUNK_SCAN):
                header = handle.read(8)
                if len(header) < 8:
                    break
                chunk_id, size = header[:4], struct.unpack("<I", header[4:])[0]
                if chunk_id in wanted:
                    found[chunk_id] = handle.read(min(size, 1 << 20))
                    handle.seek(size - len(found[chunk_id]), 1)
                else:
                    handle.seek(size, 1)
                if size % 2:
                    handle.seek(1, 1)
                if size == 0xFFFFFFFF:  # RF64: the real size is in ds64; nothing follows
                    break
    except OSError:
        return {}
    return found
