"""Reading WAV parts in large packets: the same samples, for a quarter of the CPU.

ffmpeg reads a WAV file 4 KiB at a time by default; every pass of a build (analysis,
master, render, trial excerpts) asks for larger packets instead. The samples that come
out must be exactly those of the default reading, at the edges of a trimmed range and
of an excerpt too; and formats whose reader has no such option must still open.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from audioarchive.audio.assemble import WAV_PACKET, input_args, join_graph, open_args
from audioarchive.ffmpeg import Tools, probe
from tests.helpers import make_tone


def _decoded(tools: Tools, args: list[str]) -> str:
    """SHA-256 of the float samples ffmpeg writes for ``args``."""
    out = subprocess.run(
        [str(tools.ffmpeg), "-hide_banner", "-nostdin", "-v", "error", *args],
        check=True,
        capture_output=True,
    ).stdout
    assert len(out) > 4 * 48000  # more than a second of samples: a real comparison
    return hashlib.sha256(out).hexdigest()


def test_large_packets_decode_the_same_samples(tmp_path: Path, tools: Tools) -> None:
    # two parts of a 24-bit Broadcast Wave recording, cut by the recorder
    parts = []
    for index, frequency in enumerate((330, 440)):
        path = tmp_path / f"ZOOM0001_{index}.WAV"
        codec = ("-c:a", "pcm_s24le", "-write_bext", "1")
        make_tone(path, seconds=9.0, frequency=frequency, codec=codec)
        parts.append(probe(tools, path))
    assert all(p.format_name == "wav" for p in parts)
    fast = input_args(parts)
    assert fast.count("-max_size") == 2
    assert str(WAV_PACKET) in fast
    plain = [arg for part in parts for arg in ("-i", str(part.path))]
    tail = (
        ";[joined]atrim=start_sample=12345:end_sample=801234,asetpts=PTS-STARTPTS,"
        "aformat=sample_fmts=flt:channel_layouts=mono,highpass=f=80,aresample=44100[out]"
    )
    graph = join_graph(parts) + tail
    output = ["-filter_complex", graph, "-map", "[out]", "-f", "f32le", "pipe:1"]
    assert _decoded(tools, [*fast, *output]) == _decoded(tools, [*plain, *output])
    # an excerpt, as the trial render and the noise profile read them
    cut = ["-ss", "3.210000", "-t", "4.500000"]
    excerpt = ["-af", "aformat=sample_fmts=flt:channel_layouts=mono", "-f", "f32le", "pipe:1"]
    assert _decoded(tools, [*cut, *open_args(parts[1]), *excerpt]) == _decoded(
        tools, [*cut, "-i", str(parts[1].path), *excerpt]
    )


def test_other_formats_are_opened_without_the_wav_option(tmp_path: Path, tools: Tools) -> None:
    # FLAC's reader has no packet size option: ffmpeg would refuse it
    flac = probe(tools, make_tone(tmp_path / "part.flac", seconds=2.0, codec=("-c:a", "flac")))
    assert open_args(flac) == ["-i", str(flac.path)]
    output = ["-af", "aformat=sample_fmts=flt", "-f", "f32le", "pipe:1"]
    assert _decoded(tools, [*open_args(flac), *output])
