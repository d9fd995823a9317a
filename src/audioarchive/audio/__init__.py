"""Stage 1, audio: join the recorder's parts, trim, redact, normalise, limit, encode.

The entry point is :func:`process_audio`, which turns an :class:`AudioJob` into
an :class:`AudioResult`: untagged public encodes, an untagged FLAC master and
the loudness report. Tagging is the next stage's job.
"""

from __future__ import annotations

from audioarchive.audio.process import (
    AudioJob,
    AudioResult,
    LoudnessReport,
    master_job_key,
    process_audio,
)

__all__ = ["AudioJob", "AudioResult", "LoudnessReport", "master_job_key", "process_audio"]
