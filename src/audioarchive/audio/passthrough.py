"""A lossy source already at target is published as it is: no second generation.

Re-encoding an MP3 costs quality (a second generation of encoder loss) for no
gain when the file is already what we would make. An episode is passed through
when it is a single MP3 part, published whole (``trim: false``, no redaction,
no intro or outro, no extra format) and its decoded loudness is within
:data:`TOLERANCE_LU` of the target with its true peak at or under the ceiling.
Its audio frames are then copied unchanged (only the tags are ours); the FLAC
master is still made from it. Anything else is levelled and encoded once, from
the decoded source, as every other recording.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from audioarchive.audio.assemble import master_args, master_format
from audioarchive.audio.report import LoudnessReport, TrimReport
from audioarchive.common.writing import atomic_path
from audioarchive.ffmpeg import Loudness, Tools, measure_loudness, run_ffmpeg
from audioarchive.metadata.timeline import Timeline

if TYPE_CHECKING:
    from audioarchive.audio.process import AudioJob, AudioResult

log = logging.getLogger(__name__)

#: How far from the loudness target a source may be and still be passed through (LU).
TOLERANCE_LU = 1.0
Progress = Callable[[str, float], None]


def can_pass_through(job: AudioJob) -> bool:
    """Whether the episode's shape allows it (its loudness is checked next)."""
    return (
        len(job.parts) == 1
        and job.parts[0].codec == "mp3"
        and not job.trim.enabled
        and not job.redactions
        and job.intro is None
        and job.outro is None
        and not job.profile.extra_formats
    )


def pass_through(tools: Tools, job: AudioJob, report: Progress) -> AudioResult | None:
    """The episode with its MP3 frames copied, or ``None`` when it must be levelled."""
    if not can_pass_through(job):
        return None
    part = job.parts[0]
    profile = job.profile
    loud = measure_loudness(
        tools, part.path, duration=part.duration, progress=lambda f: report("measure", f)
    )
    if abs(loud.integrated - profile.target_lufs) > TOLERANCE_LU or not (
        loud.true_peak <= profile.true_peak
    ):
        log.info(
            "%s: MP3 at %.1f LUFS, %.1f dBTP: levelled and encoded (target %.1f LUFS, %.1f dBTP)",
            job.session_id,
            loud.integrated,
            loud.true_peak,
            profile.target_lufs,
            profile.true_peak,
        )
        return None
    job.workdir.mkdir(parents=True, exist_ok=True)
    public = job.workdir / "public.mp3"
    with atomic_path(public) as tmp:
        copy = ["-v", "error", "-i", str(part.path), "-map", "0:a:0", "-c:a", "copy"]
        run_ffmpeg(tools, [*copy, "-map_metadata", "-1", "-f", "mp3", str(tmp)])
    master, master_info = _master(tools, job, report)
    return _passed(job, loud, public, master, master_info)


def _master(tools: Tools, job: AudioJob, report: Progress) -> tuple[Path | None, dict[str, object]]:
    """The FLAC master of the MP3 (when the job wants one) and what the report says of it."""
    fmt = master_format(job.parts)
    if not job.want_master:  # kept from an earlier build of the same parts: the same format
        return None, fmt.as_report()
    master = job.workdir / "master.flac"
    with atomic_path(master) as tmp:
        run_ffmpeg(
            tools,
            master_args(job.parts, fmt, str(tmp)),
            duration=job.parts[0].duration,
            progress=lambda f: report("master", f),
        )
    return master, fmt.as_report()


def _passed(
    job: AudioJob,
    loud: Loudness,
    public: Path,
    master: Path | None,
    master_info: dict[str, object],
) -> AudioResult:
    from audioarchive.audio.process import AudioResult  # noqa: PLC0415 (process imports us)

    note = (
        f"passed through: the MP3 was already at {loud.integrated:.1f} LUFS and "
        f"{loud.true_peak:.1f} dBTP; its frames are published unchanged (not re-encoded)"
    )
    log.info("%s: %s", job.session_id, note)
    duration = job.parts[0].duration
    return AudioResult(
        public={"mp3": public},
        master=master,
        timeline=Timeline(0.0, duration),
        report=LoudnessReport(
            input=loud,
            output=loud,
            outputs={"mp3": loud},
            gain_db_min=0.0,
            gain_db_max=0.0,
            trim=TrimReport(0.0, duration, duration, (), None),
            target_lufs=job.profile.target_lufs,
            target_true_peak=job.profile.true_peak,
            limiter_ceiling=job.profile.true_peak,
            master=master_info,
            renders=0,
            notes=(note,),
        ),
    )
