#!/usr/bin/env python3
"""Create the sample recordings of the workspace's three held sessions, if missing.

Usage: python scripts/make_samples.py [WORKSPACE]

Recordings are never committed (docs/explanation/architecture.md, "Tests"); these are
synthesised with ffmpeg and espeak-ng (a speech-like noise stands in when espeak-ng is
absent), in the formats recorders produce: a 48 kHz/24-bit stereo WAV split in two parts, a
44.1 kHz/16-bit mono FLAC, and an AAC file from a phone.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from audioarchive.config import ToolSettings
from audioarchive.ffmpeg import find_tools
from audioarchive.samples import MeetingSpec, Turn, default_turns, synthesize_meeting, write_vtt


@dataclass(frozen=True)
class Sample:
    session: str
    names: tuple[str, ...]
    spec: MeetingSpec
    transcript: dict[str, str] | None = None


SAMPLES = (
    Sample(
        "2022-10-25-non-recours",
        ("ZOOM0001.WAV", "ZOOM0002.WAV"),
        MeetingSpec(default_turns(12.0), lead=4.0, tail=3.0, parts=2, seed=1),
        {"host": "Le Mouton Numérique", "guest": "Clara Deville"},
    ),
    Sample(
        "2022-11-24-travail-social",
        ("rencontre-2022-11-24.flac",),
        MeetingSpec(
            (
                Turn("Bonsoir, et bienvenue à cette deuxième rencontre.", "host", "fr", -4.0, 1.0),
                Turn(
                    "Les logiciels de gestion imposent leur rythme au travail social.",
                    "guest",
                    "fr+f2",
                    -14.0,
                    1.5,
                ),
                Turn("Place aux échanges avec la salle.", "host", "fr", -4.0, 1.0),
            ),
            lead=2.0,
            tail=2.0,
            rate=44100,
            channels=1,
            bits=16,
            seed=2,
        ),
    ),
    Sample(
        "2023-01-19-controle-caf",
        ("telephone-2023-01-19.m4a",),
        MeetingSpec(default_turns(8.0)[:4], lead=3.0, tail=2.0, rate=48000, channels=1, seed=3),
    ),
)


def make_samples(root: Path) -> list[Path]:
    tools = find_tools(ToolSettings(), encoders=("flac", "aac", "pcm_s24le"))
    made: list[Path] = []
    for sample in SAMPLES:
        folder = root / "recordings" / sample.session
        targets = [folder / name for name in sample.names]
        if all(t.is_file() for t in targets):
            continue
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"sample{Path(sample.names[0]).suffix.lower()}"
            meeting = synthesize_meeting(tools, out, sample.spec)
            for part, target in zip(meeting.parts, targets, strict=True):
                part.replace(target)
                made.append(target)
        if sample.transcript:
            write_vtt(meeting.cues, folder / "transcript.vtt", sample.transcript)
            made.append(folder / "transcript.vtt")
    return made


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    for path in make_samples(root):
        print(f"made {path.relative_to(root)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
