from __future__ import annotations

import math
from pathlib import Path

import pytest

from audioarchive.config import ToolSettings
from audioarchive.errors import AudioInputError, ToolNotFoundError
from audioarchive.ffmpeg import (
    Tools,
    find_tools,
    measure_loudness,
    parse_ebur128,
    parse_encoders,
    parse_probe,
    parse_progress_line,
    probe,
)
from tests.helpers import ffmpeg

SUMMARY = """
[Parsed_ebur128_0 @ 0x1] Summary:

  Integrated loudness:
    I:         -18.7 LUFS
    Threshold: -28.7 LUFS

  Loudness range:
    LRA:        20.0 LU
    Threshold: -38.7 LUFS
    LRA low:   -38.7 LUFS
    LRA high:  -18.7 LUFS

  True peak:
    Peak:      -18.1 dBFS
"""


def test_parse_ebur128_summary() -> None:
    loudness = parse_ebur128("noise before\n" + SUMMARY)
    assert (loudness.integrated, loudness.lra, loudness.true_peak) == (-18.7, 20.0, -18.1)


def test_parse_ebur128_silence_has_minus_inf_peak() -> None:
    text = SUMMARY.replace(
        "-18.7 LUFS\n    Threshold: -28.7", "-70.0 LUFS\n    Threshold: 3.0"
    ).replace("-18.1 dBFS", "-inf dBFS")
    loudness = parse_ebur128(text)
    assert loudness.integrated == -70.0
    assert math.isinf(loudness.true_peak)
    assert loudness.true_peak < 0
    assert loudness.as_dict()["true_peak_dbtp"] is None


def test_parse_ebur128_without_summary() -> None:
    with pytest.raises(ValueError, match="no ebur128 summary"):
        parse_ebur128("nothing here")


@pytest.mark.parametrize(
    ("line", "seconds"),
    [
        ("out_time_us=1500000", 1.5),
        ("out_time_ms=2000000", 2.0),
        ("out_time_us=N/A", None),
        ("progress=end", None),
    ],
)
def test_parse_progress_line(line: str, seconds: float | None) -> None:
    assert parse_progress_line(line) == seconds


def test_parse_encoders() -> None:
    text = "Encoders:\n V..... = Video\n ------\n A....D libmp3lame   MP3\n A..X.. opus  Opus\n"
    assert {"libmp3lame", "opus"} <= parse_encoders(text)


def test_parse_probe_refuses_files_without_audio() -> None:
    with pytest.raises(ValueError, match="no audio stream"):
        parse_probe(Path("x.wav"), {"streams": [], "format": {}})
    with pytest.raises(ValueError, match="zero length"):
        parse_probe(
            Path("x.wav"), {"streams": [{"codec_name": "pcm_s16le"}], "format": {"duration": "0"}}
        )


def test_missing_ffmpeg_is_an_environment_error() -> None:
    with pytest.raises(ToolNotFoundError) as caught:
        find_tools(ToolSettings(ffmpeg="ffmpeg-that-does-not-exist"))
    assert caught.value.exit_code == 3
    assert "apt-get install ffmpeg" in str(caught.value)


def test_probe_and_measure_a_real_file(tools: Tools, tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:duration=3:sample_rate=48000",
        "-c:a",
        "pcm_s24le",
        str(path),
    )
    info = probe(tools, path)
    assert (info.sample_rate, info.channels, info.bits, info.codec) == (48000, 1, 24, "pcm_s24le")
    assert info.duration == pytest.approx(3.0, abs=0.01)
    loudness = measure_loudness(tools, path)
    # a 1 kHz sine peaking at -18.06 dBFS (1/8) reads -21.1 LUFS as one channel,
    # +3.01 dB as dual-mono: the same figure as its peak, the textbook check of R128 meters
    assert loudness.true_peak == pytest.approx(-18.06, abs=0.2)
    assert loudness.integrated == pytest.approx(-18.06, abs=0.2)


def test_probe_names_a_file_that_is_not_audio(tools: Tools, tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("not audio at all")
    with pytest.raises(AudioInputError, match=r"^notes.wav: not a readable audio file"):
        probe(tools, path)
