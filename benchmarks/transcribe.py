#!/usr/bin/env python3
"""Transcription benchmark (part of ``make bench``): real-time factor and peak memory.

Generates once (cached in bench-results/) an English meeting of MINUTES minutes made
with espeak-ng (the sentences of the test suite, looped, over room tone), then runs
the transcription stage on it (ffmpeg streaming into the recogniser, segments saved
as they come) with each engine available here: pocketsphinx always, faster-whisper
when it is installed and --whisper-model names a model folder. Prints, per engine:
wall time, real-time factor (wall / audio duration; below 1 is faster than real
time), CPU time, and the peak RSS of the process tree (sampled every 0.2 s).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from audioarchive.config import ToolSettings
from audioarchive.ffmpeg import Tools, find_tools, probe
from audioarchive.samples import MeetingSpec, Turn, synthesize_meeting
from audioarchive.transcribe.engines import EngineChoice
from audioarchive.transcribe.stage import transcribe_episode

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = (
    ("The council will meet again next week.", "host"),
    ("Housing is the main problem in this city.", "guest"),
    ("We ask the council to publish the rules of the algorithm.", "host"),
    ("Thank you very much, we now take questions from the room.", "guest"),
)


@dataclass
class Result:
    engine: str
    wall: float
    cpu: float
    peak_mb: float
    words: int


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    parser.add_argument("--whisper-model", type=Path, default=None)
    args = parser.parse_args()
    tools = find_tools(ToolSettings())
    args.out.mkdir(parents=True, exist_ok=True)
    audio = _meeting(tools, args.out, args.minutes)
    duration = probe(tools, audio).duration
    choices = []
    if importlib.util.find_spec("pocketsphinx") is not None:
        choices.append(EngineChoice("pocketsphinx", "en-us", "en", None))
    if args.whisper_model and importlib.util.find_spec("faster_whisper") is not None:
        folder = args.whisper_model.resolve()
        choices.append(EngineChoice("faster-whisper", folder.name, "en", folder))
    if not choices:
        print("no speech recogniser installed: pip install -e '.[bench]'")
        return 1
    rows = [_run(tools, audio, duration, choice, args.out) for choice in choices]
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    lines = [
        (
            f"Transcription: {duration / 60:.1f} min of English espeak-ng speech (16 kHz mono "
            f"stream from ffmpeg). Machine: {psutil.cpu_count()} cores; {uptime.strip()}"
        ),
        "",
        (
            "| engine | wall (s) | real-time factor | CPU (s) | CPU / audio time | "
            "peak RSS, process tree (MB) | words |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.engine} | {r.wall:.1f} | {r.wall / duration:.2f} | {r.cpu:.1f} | "
            f"{r.cpu / duration:.2f} | {r.peak_mb:.0f} | {r.words} |"
        )
    table = "\n".join(lines)
    print(table)
    (args.out / f"results-transcribe-{args.minutes:g}min.md").write_text(table + "\n")
    return 0


def _meeting(tools: Tools, out: Path, minutes: float) -> Path:
    path = out / f"english-{minutes:g}min.wav"
    if not path.is_file():
        print(f"generating {path} (once)...", flush=True)
        turns = tuple(Turn(text, who, "en-us", -3.0, 1.0) for text, who in SENTENCES)
        spec = MeetingSpec(turns=turns, lead=2.0, tail=2.0, minutes=minutes, channels=1, bits=16)
        tmp = path.with_name(f".tmp-{path.name}")
        synthesize_meeting(tools, tmp, spec)
        tmp.replace(path)
    return path


def _run(tools: Tools, audio: Path, duration: float, choice: EngineChoice, out: Path) -> Result:
    print(f"{choice.label}...", flush=True)
    state = out / "transcribe-state"
    shutil.rmtree(state, ignore_errors=True)
    me = psutil.Process()
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                procs = [me, *me.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu_before = _cpu(me)
    start = time.monotonic()
    transcript = transcribe_episode(
        tools, state, "bench", audio, duration=duration, audio_key="bench", choice=choice
    )
    wall = time.monotonic() - start
    cpu = _cpu(me) - cpu_before
    done.set()
    sampler.join()
    words = sum(len(s.words) for s in transcript.segments)
    shutil.rmtree(state, ignore_errors=True)
    return Result(choice.label, wall, cpu, peak / 1048576, words)


def _cpu(process: psutil.Process) -> float:
    """User + system seconds of this process and its finished children (ffmpeg)."""
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


if __name__ == "__main__":
    raise SystemExit(main())
