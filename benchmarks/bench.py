#!/usr/bin/env python3
"""Loudness and speed benchmark on a generated meeting (``make bench``, ``make bench HOURS=3``).

Generates once (cached in bench-results/) a meeting of HOURS hours: 48 kHz/24-bit
stereo WAV, the guest 15 dB below the host, room tone, a minute of lead-in. Then,
from one run, for each contender:

  a  one bare ffmpeg process encoding the same MP3 (mono 44.1 kHz 96k CBR) and FLAC
  b  audioarchive building that episode (``audioarchive build``: master, MP3, tags, feed)
  c  ffmpeg-normalize -t -16 -tp -1 to the same MP3 settings
  d  a naive pydub pipeline (whole file in memory, gain from dBFS, export)

it prints the wall time, the ratios b/a and c/b, the peak memory (RSS of the largest
process, and of the whole process tree, sampled), and the output's integrated loudness,
loudness range and true peak, measured with ffmpeg ``ebur128=peak=true:dualmono=true``
on the decoded file. Results also go to bench-results/results-<HOURS>h.md.

Then the harsh-room table (benchmarks/harsh.py, ``--harsh-minutes``, 5 by default): every
contender on a harsh-room meeting, with the speaker spread, noise floor, hum, STOI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harsh

from audioarchive.config import ToolSettings
from audioarchive.ffmpeg import find_tools
from audioarchive.samples import bench_spec, synthesize_meeting

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MEASURE = [sys.executable, str(ROOT / "benchmarks" / "measure.py")]


@dataclass
class Row:
    name: str
    label: str
    wall: float = 0.0
    largest_mb: float = 0.0
    tree_mb: float = 0.0
    lufs: float | None = None
    lra: float | None = None
    true_peak: float | None = None
    note: str = ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    parser.add_argument(
        "--contenders", default="", help="subset of abcd (default: abcd, or ab above 1 hour)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the last run's files")
    parser.add_argument(
        "--harsh-minutes",
        type=float,
        default=5.0,
        help="length of the harsh-room meeting of the second table (0: skip it)",
    )
    args = parser.parse_args()
    contenders = args.contenders or ("abcd" if args.hours <= 1 else "ab")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    meeting = _meeting(out, args.hours)
    print(f"meeting: {meeting} ({meeting.stat().st_size / 1e9:.2f} GB)", flush=True)
    load_before = _uptime()
    print(f"before: {load_before}", flush=True)
    work = out / f"run-{args.hours:g}h"
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(exist_ok=True)
    runners = {"a": _bare, "b": _audioarchive, "c": _normalize, "d": _pydub}
    rows = [runners[c](meeting, work) for c in contenders]
    load_after = _uptime()
    print(f"after: {load_after}", flush=True)
    table = _table(rows, args.hours, load_before, load_after)
    print()
    print(table)
    (out / f"results-{args.hours:g}h.md").write_text(table + "\n", encoding="utf-8")
    (out / f"results-{args.hours:g}h.json").write_text(
        json.dumps([asdict(r) for r in rows], indent=2) + "\n", encoding="utf-8"
    )
    if args.harsh_minutes > 0:
        print()
        print(harsh.run(out, args.harsh_minutes))
    return 0


def _meeting(out: Path, hours: float) -> Path:
    path = out / f"meeting-{hours:g}h.wav"
    if path.is_file():
        return path
    print(f"generating {path} (once)...", flush=True)
    tmp = path.with_name(f".tmp-{path.name}")
    synthesize_meeting(find_tools(ToolSettings()), tmp, bench_spec(hours))
    tmp.replace(path)
    return path


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def _run(row: Row, cmd: list[str], work: Path) -> None:
    """Run ``cmd`` under measure.py; sample the whole tree's RSS meanwhile."""
    print(f"{row.name}: {row.label}...", flush=True)
    stats = work / f"stats-{row.name}.json"
    proc = subprocess.Popen([*MEASURE, str(stats), "--", *cmd], cwd=work)
    parent = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    if proc.returncode != 0:
        row.note = f"exit {proc.returncode}"
    data = json.loads(stats.read_text())
    row.wall = data["wall"]
    row.largest_mb = data["max_rss_kb"] / 1024
    row.tree_mb = peak / 1e6 / 1.048576


def _measure(row: Row, path: Path) -> None:
    stderr = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            "ebur128=peak=true:dualmono=true:framelog=verbose",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = stderr[stderr.rfind("Summary:") :]
    row.lufs = _number(r"I:\s*(-?[\d.]+) LUFS", summary)
    row.lra = _number(r"LRA:\s*(-?[\d.]+) LU", summary)
    row.true_peak = _number(r"Peak:\s*(-?[\d.]+) dBFS", summary)


def _number(pattern: str, text: str) -> float | None:
    found = re.search(pattern, text)
    return float(found.group(1)) if found else None


MP3 = ["-c:a", "libmp3lame", "-b:a", "96k"]


def _bare(meeting: Path, work: Path) -> Row:
    row = Row("a", "bare ffmpeg: MP3 + FLAC, no processing")
    mp3, flac = work / "a.mp3", work / "a.flac"
    _run(
        row,
        [
            *harsh.FFMPEG,
            "-i",
            str(meeting),
            "-map",
            "0:a",
            "-ac",
            "1",
            "-ar",
            "44100",
            *MP3,
            str(mp3),
            "-map",
            "0:a",
            "-c:a",
            "flac",
            str(flac),
        ],
        work,
    )
    _measure(row, mp3)
    return row


def _audioarchive(meeting: Path, work: Path) -> Row:
    row = Row("b", "audioarchive build (master, MP3, tags, feed, pages)")
    ws = work / "ws"
    subprocess.run([str(BIN / "audioarchive"), "init", str(ws)], check=True, capture_output=True)
    for session in (ws / "metadata" / "sessions").glob("*.yaml"):
        session.unlink()
    recordings = ws / "recordings" / "bench"
    recordings.mkdir(parents=True)
    (recordings / "ZOOM0001.WAV").symlink_to(meeting.resolve())
    (ws / "metadata" / "sessions" / "bench.yaml").write_text(
        "id: bench\ntitle: Benchmark meeting\ndate: 2024-01-01T19:00:00+01:00\n"
        "recording: [ZOOM0001.WAV]\n",
        encoding="utf-8",
    )
    _run(row, [str(BIN / "audioarchive"), "--workspace", str(ws), "-q", "build"], work)
    mp3s = sorted((ws / "feed").glob("episodes/bench/*.mp3"))
    if mp3s:
        _measure(row, mp3s[0])
        report = json.loads((ws / "archive" / "bench" / "bench.loudness.json").read_text())
        row.note = (
            f"trim {report['trim']['start']:.1f}-{report['trim']['end']:.1f} s, "
            f"speech gain {report['gain_db']['min']:+.1f}..{report['gain_db']['max']:+.1f} dB, "
            f"renders {report['renders']}"
        )
    return row


def _normalize(meeting: Path, work: Path) -> Row:
    row = Row("c", "ffmpeg-normalize -t -16 -tp -1, same MP3 settings")
    mp3 = work / "c.mp3"
    _run(
        row,
        harsh.normalize_command(meeting, mp3),
        work,
    )
    if mp3.is_file():
        _measure(row, mp3)
    return row


def _pydub(meeting: Path, work: Path) -> Row:
    row = Row("d", "naive pydub: load, gain to -16 dBFS, export")
    mp3 = work / "d.mp3"
    script = ROOT / "benchmarks" / "naive_pydub.py"
    _run(row, [sys.executable, str(script), str(meeting), str(mp3)], work)
    if mp3.is_file():
        _measure(row, mp3)
    return row


def _table(rows: list[Row], hours: float, before: str, after: str) -> str:
    walls = {r.name: r.wall for r in rows}
    lines = [
        (
            f"Meeting: {hours:g} h, 48 kHz/24-bit stereo WAV, guest 15 dB below the host, "
            "one minute of lead-in. Output: MP3 mono 44.1 kHz 96k CBR."
        ),
        (f"Machine: {os.cpu_count()} cores; load before: {_load(before)}, after: {_load(after)}"),
        "",
        (
            "| | contender | wall (s) | peak RSS, largest process (MB) | peak RSS, "
            "process tree (MB) | integrated (LUFS) | LRA (LU) | true peak (dBTP) |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.label} | {r.wall:.1f} | {r.largest_mb:.0f} | {r.tree_mb:.0f} | "
            f"{_fmt(r.lufs)} | {_fmt(r.lra)} | {_fmt(r.true_peak)} |"
        )
    lines.append("")
    if "a" in walls and "b" in walls:
        lines.append(f"b/a = {walls['b'] / walls['a']:.2f} (target ≤ 1.5)")
    if "b" in walls and "c" in walls:
        lines.append(f"c/b = {walls['c'] / walls['b']:.2f} (target ≥ 4)")
    if "a" in walls and "c" in walls:
        lines.append(f"c/a = {walls['c'] / walls['a']:.2f}")
    if "a" in walls and "d" in walls:
        lines.append(f"d/a = {walls['d'] / walls['a']:.2f}")
    for r in rows:
        if r.note:
            lines.append(f"{r.name}: {r.note}")
    return "\n".join(lines)


def _load(uptime: str) -> str:
    return uptime.rsplit("load average:", maxsplit=1)[-1].strip()


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    sys.exit(main())
