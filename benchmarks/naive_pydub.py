#!/usr/bin/env python3
"""The naive pipeline people write first: the whole file in one AudioSegment.

Usage: naive_pydub.py INPUT OUTPUT.mp3

It downmixes, resamples, sets the gain so that the RMS level reads -16 dBFS
(taking dBFS for LUFS), clips what goes over, and exports a 96k MP3.
"""

from __future__ import annotations

import sys

from pydub import AudioSegment


def main() -> int:
    source, dest = sys.argv[1:3]
    audio = AudioSegment.from_file(source)
    audio = audio.set_channels(1).set_frame_rate(44100)
    audio = audio.apply_gain(-16.0 - audio.dBFS)
    audio.export(dest, format="mp3", bitrate="96k")
    return 0


if __name__ == "__main__":
    sys.exit(main())
