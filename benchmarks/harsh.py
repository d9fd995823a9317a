#!/usr/bin/env python3
"""The harsh-room table of ``make bench``: every contender on the same harsh-room meeting.

The meeting (``audioarchive.samples.harsh.harsh_spec``, looped to MINUTES): a host near -26 LUFS,
a second speaker 6 dB under, a guest only ~3.5 LU above the room (ventilation noise and a
50 Hz hum with two harmonics), a door slam and applause. Contenders, all to MP3 mono
44.1 kHz 96k:

  raw   the recording itself (no output: the reference figures)
  n     ffmpeg-normalize -t -16 -tp -1
  f     ffmpeg afftdn (noise tracking) + loudnorm (I=-16, TP=-1, LRA=8)
  r     noisereduce (spectral gating, whole file in memory) + loudnorm
  p     audioarchive with denoise = false (levelling only)
  A     audioarchive (defaults: voice detector, hum notches, room-noise gate)

Each output is measured on the decoded MP3 with ``audioarchive.samples.harsh.measure_room``.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from audioarchive.audio import AudioJob, process_audio
from audioarchive.config import AudioSettings, ToolSettings
from audioarchive.ffmpeg import Tools, find_tools, probe
from audioarchive.metadata.session import Trim
from audioarchive.samples import Meeting, synthesize_meeting
from audioarchive.samples.harsh import RoomFigures, harsh_spec, measure_room

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MP3 = ["-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "96k"]
LOUDNORM = "loudnorm=I=-16:TP=-1:LRA=8"
#: Every ffmpeg command line of the benchmarks starts so.
FFMPEG = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args()
    table = run(args.out, args.minutes)
    print(table)
    return 0


def run(out: Path, minutes: float) -> str:
    tools = find_tools(ToolSettings())
    work = out / f"harsh-{minutes:g}min"
    work.mkdir(parents=True, exist_ok=True)
    print(f"harsh room: generating a {minutes:g}-minute meeting...", flush=True)
    meeting = synthesize_meeting(tools, work / "harsh.wav", harsh_spec(minutes))
    source = meeting.parts[0]
    rows: list[tuple[str, str, RoomFigures, float]] = []

    def add(name: str, label: str, path: Path, offset: float, seconds: float) -> None:
        figures = measure_room(tools, path, meeting, offset=offset, stoi=path != source)
        rows.append((name, label, figures, seconds))

    add("raw", "the raw recording (reference)", source, 0.0, 0.0)
    seconds, mp3 = _timed(lambda: _normalize(source, work / "n.mp3"))
    add("n", "ffmpeg-normalize -t -16 -tp -1", mp3, 0.0, seconds)
    seconds, mp3 = _timed(lambda: _ffmpeg(source, work / "f.mp3", f"afftdn=tn=1,{LOUDNORM}"))
    add("f", "ffmpeg afftdn + loudnorm", mp3, 0.0, seconds)
    seconds, mp3 = _timed(lambda: _noisereduce(tools, source, work))
    add("r", "noisereduce + loudnorm", mp3, 0.0, seconds)
    for name, label, denoise in (
        ("p", "audioarchive, denoise = false", False),
        ("A", "audioarchive", True),
    ):
        start = time.monotonic()
        result = _audioarchive(tools, meeting, work / name, denoise)
        add(name, label, result[0], result[1], time.monotonic() - start)
    table = _table(rows, meeting, minutes)
    (out / f"harsh-{minutes:g}min.md").write_text(table + "\n", encoding="utf-8")
    return table


def _timed(action: object) -> tuple[float, Path]:
    start = time.monotonic()
    path = action()  # type: ignore[operator]
    return time.monotonic() - start, path


def _ffmpeg(source: Path, dest: Path, chain: str) -> Path:
    return _encode(["-i", str(source)], f"aformat=channel_layouts=mono,{chain}", dest)


def _encode(inputs: list[str], chain: str, dest: Path) -> Path:
    """One ffmpeg run: ``inputs`` through the filter ``chain`` to the contenders' MP3."""
    subprocess.run([*FFMPEG, *inputs, "-af", chain, *MP3, str(dest)], check=True)
    return dest


def normalize_command(source: Path, dest: Path) -> list[str]:
    """The ffmpeg-normalize contender: -16 LUFS, -1 dBTP, mono MP3 at 96 kb/s (both tables)."""
    return [
        str(BIN / "ffmpeg-normalize"),
        str(source),
        "-t",
        "-16",
        "-tp",
        "-1",
        "-f",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "96k",
        "-ar",
        "44100",
        "-e=-ac 1",
        "-o",
        str(dest),
    ]


def _normalize(source: Path, dest: Path) -> Path:
    subprocess.run(
        normalize_command(source, dest),
        check=True,
        capture_output=True,
    )
    return dest


def _noisereduce(tools: Tools, source: Path, work: Path) -> Path:
    import noisereduce  # noqa: PLC0415 (bench extra)

    from audioarchive.samples.harsh import _decode  # noqa: PLC0415

    samples = _decode(tools, source, 44100).astype(np.float32)
    reduced = noisereduce.reduce_noise(y=samples, sr=44100, stationary=False)
    raw = work / "r.f32"
    raw.write_bytes(np.asarray(reduced, dtype="<f4").tobytes())
    try:
        f32 = ["-f", "f32le", "-ar", "44100", "-ac", "1", "-i", str(raw)]
        return _encode(f32, LOUDNORM, work / "r.mp3")
    finally:
        raw.unlink()


def _audioarchive(
    tools: Tools, meeting: Meeting, workdir: Path, denoise: bool
) -> tuple[Path, float]:
    job = AudioJob(
        session_id="harsh",
        parts=tuple(probe(tools, p) for p in meeting.parts),
        trim=Trim(),
        redactions=(),
        profile=replace(AudioSettings(), denoise=denoise),
        workdir=workdir,
        want_master=False,
    )
    result = process_audio(tools, job)
    return result.public["mp3"], result.timeline.start


def _table(
    rows: list[tuple[str, str, RoomFigures, float]], meeting: Meeting, minutes: float
) -> str:
    raw = rows[0][2]
    lines = [
        (
            f"Harsh room: {minutes:g} min, host {raw.speakers.get('host', math.nan):.1f}, "
            f"second {raw.speakers.get('second', math.nan):.1f}, guest "
            f"{raw.speakers.get('guest', math.nan):.1f} LUFS, room {raw.floor_lufs:.1f} LUFS "
            f"(ventilation + 50 Hz hum), {len(meeting.events)} events (doors slammed, applause)."
        ),
        (
            "Spread: loudest minus quietest speaker over their turns. Floor, hum: dB under "
            "the speech (more is better; the gain over raw in brackets). STOI against the "
            "clean voices."
        ),
        "",
        (
            "| | contender | spread (LU) | floor under speech (dB) | hum under speech (dB) | "
            "STOI | integrated (LUFS) | LRA (LU) | true peak (dBTP) | time (s) |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, label, f, seconds in rows:
        floor_gain = f.floor_below_speech - raw.floor_below_speech
        hum_gain = f.hum_below_speech - raw.hum_below_speech
        lines.append(
            f"| {name} | {label} | {f.spread:.1f} | {f.floor_below_speech:.1f} "
            f"({floor_gain:+.1f}) | {f.hum_below_speech:.1f} ({hum_gain:+.1f}) | "
            f"{_fmt(f.stoi, 3)} | {f.loudness.integrated:.1f} | {f.loudness.lra:.1f} | "
            f"{f.loudness.true_peak:.1f} | {seconds:.1f} |"
        )
    lines += [
        "",
        (
            "Targets (audioarchive): spread ≤ 3 LU (±3 LU of each other), floor ≥ +10 dB, "
            "hum ≥ +20 dB, STOI ≥ that of p, -16 ± 0.5 LUFS, LRA ≤ 8 LU, true peak ≤ -1 dBTP."
        ),
    ]
    return "\n".join(lines)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    sys.exit(main())
