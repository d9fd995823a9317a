"""Who speaks when, from a recorder that kept one microphone per track.

When a session lists its ``microphones`` (the speaker on each channel of the
recording), the joined raw recording is read once more, at a low rate, and for
every :data:`FRAME` seconds the channel that clearly dominates (by
:data:`MARGIN_DB` over every other, above :data:`FLOOR_DB`) is noted; ``-1`` where
none does (silence, crosstalk, two people at once). A word's speaker is then the
microphone that dominates most of its frames. The result is small (one byte-sized
number per 100 ms) and cached with the machine transcript.
"""

from __future__ import annotations

from collections.abc import Sequence

from audioarchive.ffmpeg import PIPE, AudioInfo, FFmpegProcess, Tools

FRAME = 0.1  # seconds
RATE = 8000  # Hz: enough to tell whose microphone is loudest
FLOOR_DB = -50.0  # dBFS: quieter than this is nobody
MARGIN_DB = 6.0  # the loudest channel must lead every other by this much


def dominant_channels(tools: Tools, parts: Sequence[AudioInfo]) -> tuple[int, ...]:
    """For each :data:`FRAME` of the joined raw recording, the dominant channel or -1."""
    channels = parts[0].channels
    if channels < 2:
        return ()
    # imported here: the public transcripts (feed, pages, search) use speaker_of only, and
    # must not load numpy and the audio stage
    from audioarchive.audio.assemble import input_args, join_graph  # noqa: PLC0415

    graph = join_graph(parts, "joined") + f";[joined]aresample={RATE}[low]"
    args = ["-v", "error", *input_args(parts), "-filter_complex", graph, "-map", "[low]"]
    args += ["-c:a", "pcm_s16le", "-f", "s16le", "pipe:1"]
    samples = int(RATE * FRAME)
    block = samples * channels * 2 * 100  # 10 s at a time
    out: list[int] = []
    with FFmpegProcess(tools, args, stdout=PIPE) as proc:
        rest = b""
        while True:
            data = rest + proc.stdout.read(block)
            whole = len(data) // (samples * channels * 2) * samples * channels * 2
            if whole:
                out.extend(_frames(data[:whole], channels, samples))
            rest = data[whole:]
            if len(data) < block:
                break
        proc.finish()
    return tuple(out)


def _frames(data: bytes, channels: int, samples: int) -> list[int]:
    import numpy as np  # noqa: PLC0415 (see dominant_channels)

    pcm = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    frames = pcm.reshape(-1, samples, channels)
    rms = np.sqrt(np.mean(frames**2, axis=1)) + 1e-9
    level = 20 * np.log10(rms)
    order = np.sort(level, axis=1)
    best = np.argmax(level, axis=1)
    clear = (order[:, -1] > FLOOR_DB) & (order[:, -1] - order[:, -2] >= MARGIN_DB)
    return [int(c) if ok else -1 for c, ok in zip(best, clear, strict=True)]


def speaker_of(
    dominant: Sequence[int], microphones: Sequence[str], start: float, end: float
) -> str | None:
    """The microphone that dominates most of the raw range ``[start, end)``, if any."""
    first, last = int(start / FRAME), max(int(start / FRAME) + 1, int(end / FRAME + 0.5))
    votes: dict[int, int] = {}
    for channel in dominant[first:last]:
        if 0 <= channel < len(microphones):
            votes[channel] = votes.get(channel, 0) + 1
    if not votes:
        return None
    return microphones[max(votes, key=lambda c: (votes[c], -c))]
