"""Intro and outro jingles: short clips, level-matched to the programme.

ffmpeg decodes the clip into the public file's rate and layout (its resampler
is better than pydub's); pydub holds the short clip and shapes its edges; its
gain is set in floating point from its measured integrated loudness, so it
lands on the target like the programme, and the limiter that follows keeps its
peaks under the ceiling.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
from pydub import AudioSegment

from audioarchive.audio.limit import Samples
from audioarchive.errors import AudioInputError
from audioarchive.ffmpeg import Tools, measure_loudness, run_ffmpeg

log = logging.getLogger(__name__)

#: Fades at a jingle's edges, against clicks when it is cut hard (ms).
EDGE_FADE_MS = 10
#: A jingle quieter than this is silence: it is kept as it is, not amplified.
SILENT_LUFS = -60.0


def load_jingle(
    tools: Tools, path: Path, workdir: Path, *, rate: int, channels: int, target_lufs: float
) -> Samples:
    """The clip as float samples (frames x channels) at the target loudness."""
    if not path.is_file():
        raise AudioInputError(f"{path.name}: jingle not found; expected an audio file")
    wav = workdir / f"jingle-{path.stem}.wav"
    layout = "mono" if channels == 1 else "stereo"
    run_ffmpeg(
        tools,
        [
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            f"aformat=sample_fmts=flt:channel_layouts={layout},aresample={rate}",
            "-c:a",
            "pcm_s32le",
            str(wav),
        ],
    )
    try:
        loudness = measure_loudness(tools, wav)
        with wav.open("rb") as handle:
            segment = AudioSegment.from_wav(handle)
    finally:
        wav.unlink(missing_ok=True)
    segment = segment.fade_in(EDGE_FADE_MS).fade_out(EDGE_FADE_MS)
    samples = np.array(segment.get_array_of_samples(), dtype=np.float32)
    samples /= float(1 << (8 * segment.sample_width - 1))
    gain_db = 0.0
    if math.isfinite(loudness.integrated) and loudness.integrated > SILENT_LUFS:
        gain_db = target_lufs - loudness.integrated
    else:
        log.warning("%s: the jingle is silent; it is kept as it is", path.name)
    samples *= np.float32(10 ** (gain_db / 20))
    return samples.reshape(-1, channels)
