"""Stage 1, audio: join the recorder's parts, trim, redact, level, normalise, limit, encode.

The entry point is :func:`process_audio`, which turns an :class:`AudioJob` into
an :class:`AudioResult`: untagged public encodes, an untagged FLAC master and
the loudness report. Tagging is the next stage's job.

Modules: :mod:`.assemble` (joining parts, the master), :mod:`.analyse` (the
loudness series, speech, trims), :mod:`.level` (the gain curve),
:mod:`.limit` (the true-peak limiter), :mod:`.jingles`, :mod:`.render` (the
streaming render and check), :mod:`.report`, :mod:`.process` (the order of it all).
"""

from __future__ import annotations

from audioarchive.audio.process import AUDIO_VERSION, AudioJob, AudioResult, process_audio
from audioarchive.audio.report import LoudnessReport

__all__ = [
    "AUDIO_VERSION",
    "AudioJob",
    "AudioResult",
    "LoudnessReport",
    "process_audio",
]
