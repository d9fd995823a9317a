"""Joining the recorder's parts: one filtergraph for every pass, and the lossless master.

Parts are decoded by ffmpeg and joined by its ``concat`` filter, sample-exactly
and in the session's order. A part whose rate or channel count differs from the
first part's is converted to the first part's, with a warning: the master of
such a recording cannot be identical to its parts, and says so in the report.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from audioarchive.errors import AudioInputError
from audioarchive.ffmpeg import AudioInfo

log = logging.getLogger(__name__)

#: Sample formats that a decoder hands out as floating point.
FLOAT_FORMATS = ("flt", "fltp", "dbl", "dblp")
#: Integer formats wider than 16 bits.
WIDE_FORMATS = ("s32", "s32p", "s64", "s64p")


@dataclass(frozen=True)
class MasterFormat:
    """How the FLAC master stores the joined recording."""

    sample_fmt: str  # "s16" or "s32" (with 24 significant bits)
    bits: int  # 16 or 24
    exact: bool  # decoded master == decoded joined parts, sample for sample
    notes: tuple[str, ...] = ()

    def as_report(self) -> dict[str, object]:
        """What the loudness report says of the master."""
        return {"bits": self.bits, "sample_identical": self.exact, "notes": list(self.notes)}


def layout_of(part: AudioInfo) -> str:
    """The part's channel layout as ffmpeg names it (a default one when the file has none)."""
    if part.channel_layout:
        return part.channel_layout.split("(")[0]
    defaults = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 8: "7.1"}
    return defaults.get(part.channels, f"{part.channels}c")


def check_parts(session_id: str, parts: Sequence[AudioInfo]) -> tuple[str, ...]:
    """Refuse parts that cannot be joined; describe the conversions of the others."""
    if not parts:
        raise AudioInputError(f"{session_id}: no recording parts; expected at least one file")
    notes = []
    first = parts[0]
    for part in parts:
        if part.sample_rate <= 0 or part.channels <= 0:
            raise AudioInputError(
                f"{part.path.name}: no usable audio stream (rate {part.sample_rate} Hz, "
                f"{part.channels} channels); expected a decodable recording"
            )
    for part in parts[1:]:
        if part.sample_rate != first.sample_rate or part.channels != first.channels:
            note = (
                f"{part.path.name} ({part.sample_rate} Hz, {part.channels} ch) converted to "
                f"{first.path.name}'s format ({first.sample_rate} Hz, {first.channels} ch) "
                "to join them"
            )
            log.warning("%s: %s", session_id, note)
            notes.append(note)
    return tuple(notes)


#: Bytes per packet when ffmpeg reads a WAV file. Its default, 4 KiB, is about 680
#: frames of 24-bit stereo: a one-hour recording becomes 250,000 packets, and handing
#: them on costs three times the decoding itself. 256 KiB packets decode the same
#: samples with a quarter of the CPU, for 2 MB more memory per process.
WAV_PACKET = 1 << 18


def open_args(part: AudioInfo) -> list[str]:
    """ffmpeg's input options for one part, ending with ``-i PATH``."""
    if part.format_name == "wav":  # also Broadcast Wave and RF64
        return ["-max_size", str(WAV_PACKET), "-i", str(part.path)]
    return ["-i", str(part.path)]


def input_args(parts: Sequence[AudioInfo]) -> list[str]:
    args: list[str] = []
    for part in parts:
        args += open_args(part)
    return args


def join_graph(parts: Sequence[AudioInfo], label: str = "joined") -> str:
    """Filters joining every part's first audio stream into ``[label]``, in order."""
    first = parts[0]
    layout = layout_of(first)
    steps = []
    for index, part in enumerate(parts):
        if part.sample_rate != first.sample_rate or part.channels != first.channels:
            step = f"aresample={first.sample_rate},aformat=channel_layouts={layout}"
        else:
            step = "anull"
        steps.append(f"[{index}:a:0]{step}[p{index}]")
    if len(parts) == 1:
        steps[0] = steps[0].replace("[p0]", f"[{label}]")
        return ";".join(steps)
    labels = "".join(f"[p{i}]" for i in range(len(parts)))
    steps.append(f"{labels}concat=n={len(parts)}:v=0:a=1[{label}]")
    return ";".join(steps)


def master_format(parts: Sequence[AudioInfo]) -> MasterFormat:
    """16-bit sources stay 16-bit; deeper, float and lossy ones are stored in 24 bits.

    FLAC holds integers of up to 24 bits (ffmpeg 5.1). A 24-bit source is kept
    exactly. Float sources (32-bit float WAV) and lossy ones (MP3, AAC, Opus,
    decoded to float) are stored at 24 bits: the quantisation noise (-144 dBFS)
    lies far below any microphone's, but the master is then not bit-identical,
    and samples above full scale are clipped. 32-bit integer sources lose their
    8 lowest bits. The report says which of these happened.
    """
    notes: list[str] = []
    deep = False
    exact = True
    for part in parts:
        name = part.path.name
        if part.sample_fmt in FLOAT_FORMATS:
            deep = True
            if part.lossless:
                exact = False
                notes.append(f"{name}: floating-point samples stored as 24-bit integers")
            else:
                notes.append(
                    f"{name}: lossy {part.codec} source stored as its 24-bit decoded audio "
                    "(keep the original file: it is the true original)"
                )
                exact = False
        elif part.sample_fmt in WIDE_FORMATS or part.bits > 16:
            deep = True
            if part.bits > 24 or (part.bits == 0 and part.sample_fmt in WIDE_FORMATS):
                exact = False
                notes.append(f"{name}: 32-bit integer samples stored as 24 bits")
    first = parts[0]
    if any(p.sample_rate != first.sample_rate or p.channels != first.channels for p in parts):
        exact = False
    return MasterFormat("s32" if deep else "s16", 24 if deep else 16, exact, tuple(notes))


def master_args(parts: Sequence[AudioInfo], fmt: MasterFormat, dest: str) -> list[str]:
    """ffmpeg arguments writing the joined parts to a FLAC master at ``dest``."""
    return [
        "-v",
        "error",
        *input_args(parts),
        "-filter_complex",
        join_graph(parts),
        "-map",
        "[joined]",
        "-map_metadata",
        "-1",
        "-c:a",
        "flac",
        "-sample_fmt",
        fmt.sample_fmt,
        *(["-bits_per_raw_sample", "24"] if fmt.bits == 24 else []),
        "-f",
        "flac",
        dest,
    ]
