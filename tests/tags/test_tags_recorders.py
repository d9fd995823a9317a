"""What recorders write, shown as people say it: mono phones, Broadcast Wave chunks (#19)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from audioarchive.tags.audioformats import format_words
from tests.helpers import Ws, ffmpeg

IXML = (
    b'<?xml version="1.0" encoding="UTF-8"?><BWFXML><IXML_VERSION>1.5</IXML_VERSION>'
    b"<PROJECT>Conseil municipal</PROJECT><SCENE>2</SCENE><TAKE>7</TAKE>"
    b"<NOTE>micro table</NOTE><SPEED><TIMECODE_RATE>25/1</TIMECODE_RATE></SPEED></BWFXML>"
)


def _with_chunk(path: Path, chunk_id: bytes, body: bytes) -> None:
    """Append a chunk to a RIFF file and fix the RIFF size, as recorders place iXML last."""
    data = bytearray(path.read_bytes())
    chunk = chunk_id + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")
    data += chunk
    data[4:8] = struct.pack("<I", len(data) - 8)
    path.write_bytes(bytes(data))


def test_a_mono_phone_recording_says_one_channel(built: Ws, tmp_path: Path) -> None:
    m4a = tmp_path / "phone.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=2", "-ac", "1", "-c:a", "aac", str(m4a))
    result = built.run("tags", str(m4a))
    assert result.exit_code == 0, result.output
    assert "audio: AAC, 0:00:02" in result.stdout
    assert ", 1 channel\n" in result.stdout
    assert json.loads(built.run("tags", str(m4a), "--json").stdout)["channels"] == 1


def test_broadcast_wave_chunks_are_shown(built: Ws, tmp_path: Path) -> None:
    wav = tmp_path / "ZOOM0001.WAV"
    ffmpeg(
        "-f", "lavfi", "-i", "sine=duration=2:sample_rate=48000", "-c:a", "pcm_s24le",
        "-write_bext", "1", "-metadata", "originator=ZOOM H6",
        "-metadata", "origination_date=2024-06-01", "-metadata", "origination_time=19:02:00",
        "-metadata", "comment=Salle des fêtes", str(wav),
    )  # fmt: skip
    _with_chunk(wav, b"iXML", IXML)
    result = built.run("tags", str(wav))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "tags: none" not in out
    assert "tags: bext + INFO + iXML" in out
    assert "audio: WAV, 24 bits, 0:00:02.000, 48000 Hz, 1 channel" in out
    assert "bext:Originator (recorder): ZOOM H6" in out
    assert "bext:OriginationDate (recorded at): 2024-06-01 19:02:00" in out
    assert "INFO:ICMT (comment): Salle des fêtes" in out
    assert "iXML:PROJECT: Conseil municipal" in out
    assert "iXML:TAKE: 7" in out
    assert "iXML:SPEED/TIMECODE_RATE: 25/1" in out
    assert "no tags" not in result.stderr
    data = json.loads(built.run("tags", str(wav), "--json").stdout)
    assert {"key": "bext:Originator", "values": ["ZOOM H6"], "name": "recorder"} in data["tags"]


def test_the_public_page_names_the_recording_format_in_words(built: Ws) -> None:
    page = (built.root / "feed/episodes/2022-10-25-a/index.html").read_text()
    assert "ZOOM0001.WAV (WAV, 16 bits, 48 kHz" in page
    assert "pcm_s16le" not in page
    phone = (built.root / "feed/episodes/2023-01-19-c/index.html").read_text()
    assert "phone.m4a (AAC, " in phone


def test_format_words() -> None:
    assert format_words("ZOOM0001.WAV", "pcm_s24le") == "WAV, 24 bits"
    assert format_words("take.aiff", "pcm_s16be") == "AIFF, 16 bits"
    assert format_words("a.wav", "pcm_f32le", floating="virgule flottante") == (
        "WAV, 32 bits (virgule flottante)"
    )
    assert format_words("meeting.flac", "flac") == "FLAC"
