"""The only module that spawns external programs: ffmpeg, ffprobe (and espeak-ng for samples).

Commands are argument lists, never shell strings, always with ``-hide_banner
-nostdin``; each is logged with :func:`shlex.join` at debug level. Parsing of
their output is done by pure functions (``parse_*``) with unit tests of their
own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import shlex
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

from audioarchive.common.writing import write_atomic
from audioarchive.config import ToolSettings

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None  # type: ignore[assignment]
from audioarchive.errors import AudioInputError, FFmpegError, ToolNotFoundError

log = logging.getLogger(__name__)

#: Pass as ``stdin``/``stdout`` of :class:`FFmpegProcess` for a pipe to this process.
PIPE = subprocess.PIPE
#: Where a workspace's state folder keeps what ffmpeg answered (:func:`find_tools`).
TOOLS_CACHE = "tools.json"
INSTALL_HINT = "install it with 'apt-get install ffmpeg' (Debian/Ubuntu) or 'brew install ffmpeg'"
Fraction = Callable[[float], None]


@dataclass(frozen=True)
class Tools:
    ffmpeg: str
    ffprobe: str
    version: str


@dataclass(frozen=True)
class AudioInfo:
    """What ffprobe says about the first audio stream of a file."""

    path: Path
    duration: float
    sample_rate: int
    channels: int
    channel_layout: str
    codec: str
    sample_fmt: str
    bits: int  # bits per raw sample when lossless (16, 24, 32), else 0
    format_name: str
    creation_time: str | None = None  # the container's, as written (MP4/M4A: UTC)

    @property
    def lossless(self) -> bool:
        return self.codec.startswith("pcm_") or self.codec in _LOSSLESS


@dataclass(frozen=True)
class Loudness:
    """EBU R128 figures of one file, as ffmpeg's ebur128 filter reports them."""

    integrated: float  # LUFS; -70.0 for silence
    lra: float  # LU
    true_peak: float  # dBTP; -inf for digital silence
    threshold: float = -70.0

    def as_dict(self) -> dict[str, float | None]:
        return {
            "integrated_lufs": _finite(self.integrated),
            "loudness_range_lu": _finite(self.lra),
            "true_peak_dbtp": _finite(self.true_peak),
        }


_LOSSLESS = {"flac", "alac", "wavpack", "tta", "ape", "mlp", "truehd"}
_SUMMARY = re.compile(
    r"Integrated loudness:\s*I:\s*(?P<i>-?[\d.]+|-?inf|nan) LUFS"
    r"\s*Threshold:\s*(?P<t>-?[\d.]+|-?inf) LUFS"
    r".*?Loudness range:\s*LRA:\s*(?P<lra>-?[\d.]+|-?inf|nan) LU"
    r"(?:.*?True peak:\s*Peak:\s*(?P<tp>-?[\d.]+|-?inf|nan) dBFS)?",
    re.S,
)


def _finite(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


# --- finding the tools -------------------------------------------------------------------------


def find_tools(
    settings: ToolSettings,
    *,
    encoders: Iterable[str] = ("libmp3lame", "flac"),
    cache: Path | None = None,
) -> Tools:
    """Resolve ffmpeg and ffprobe, check the encoders a run needs; else ``ToolNotFoundError``.

    ``cache``: a file that keeps ffmpeg's version and encoders by its path, size and time,
    so that a run with nothing to encode starts no process (a new or updated ffmpeg is
    asked again).
    """
    return _find_tools(settings.ffmpeg, settings.ffprobe, tuple(sorted(encoders)), cache)


@cache
def _find_tools(
    ffmpeg_name: str, ffprobe_name: str, encoders: tuple[str, ...], cache: Path | None
) -> Tools:
    ffmpeg, ffprobe = _which(ffmpeg_name), _which(ffprobe_name)
    identity = _identity(ffmpeg)
    known = _read_tools_cache(cache, identity) if cache is not None else None
    if known is not None:
        version, available = known
    else:
        version_out = _capture([ffmpeg, "-hide_banner", "-version"])
        version = version_out.split("\n", 1)[0].removeprefix("ffmpeg version ").split(" ")[0]
        available = parse_encoders(_capture([ffmpeg, "-hide_banner", "-encoders"]))
        if cache is not None and identity is not None:
            _write_tools_cache(cache, identity, version, available)
    missing = [e for e in encoders if e not in available]
    if missing:
        raise ToolNotFoundError(
            f"ffmpeg {version} lacks the encoder(s) {', '.join(missing)}",
            hint="install a full ffmpeg build, e.g. Debian's 'ffmpeg' package",
        )
    return Tools(ffmpeg, ffprobe, version)


_TOOLS_CACHE_VERSION = 1


def _identity(program: str) -> list[Any] | None:
    """The program's real path, size, time and inode: any of them changes with a new build."""
    try:
        real = os.path.realpath(program)
        info = os.stat(real)  # noqa: PTH116
    except OSError:
        return None
    return [real, info.st_size, info.st_mtime_ns, info.st_ino]


def _read_tools_cache(cache: Path, identity: list[Any] | None) -> tuple[str, set[str]] | None:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data["version"] != _TOOLS_CACHE_VERSION or identity is None:
            return None
        if data["ffmpeg"] != identity:
            return None
        return str(data["ffmpeg_version"]), {str(e) for e in data["encoders"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_tools_cache(cache: Path, identity: list[Any], version: str, encoders: set[str]) -> None:
    data = {
        "version": _TOOLS_CACHE_VERSION,
        "ffmpeg": identity,
        "ffmpeg_version": version,
        "encoders": sorted(encoders),
    }
    try:
        write_atomic(cache, (json.dumps(data, indent=1) + "\n").encode("utf-8"))
    except OSError as err:  # a read-only state folder: asked again next time
        log.debug("%s: not written (%s)", cache, err)


def _which(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ToolNotFoundError(f"{name} was not found on PATH", hint=INSTALL_HINT)
    return found


def _capture(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as err:
        raise ToolNotFoundError(f"{cmd[0]} does not run: {err}", hint=INSTALL_HINT) from err


def parse_encoders(text: str) -> set[str]:
    """Encoder names from ``ffmpeg -encoders``."""
    names = set()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 6 and parts[0][0] in "AVS":
            names.add(parts[1])
    return names


# --- probing -----------------------------------------------------------------------------------


def probe(tools: Tools, path: Path) -> AudioInfo:
    """Describe the audio of ``path``; raise ``AudioInputError`` naming it when there is none."""
    cmd = [
        tools.ffprobe,
        "-hide_banner",
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        "-select_streams",
        "a:0",
        str(path),
    ]
    log.debug("%s", shlex.join(cmd))
    result = subprocess.run(
        cmd, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "unreadable"
        reason = reason.replace(str(path), "").strip(": ") or "unreadable"
        raise AudioInputError(f"{path.name}: not a readable audio file ({reason})")
    try:
        return parse_probe(path, json.loads(result.stdout))
    except ValueError as err:
        raise AudioInputError(f"{path.name}: {err}") from None


def find_damage(tools: Tools, info: AudioInfo) -> list[tuple[float, float]]:
    """Stretches of ``path`` the decoder had to skip (damaged frames), as (start, end) seconds.

    Decodes every frame with ffprobe and looks for jumps in their timestamps; a
    clean file has none. Meant for lossy sources, whose frames can be damaged
    one by one; costs about a second per ten minutes of audio.
    """
    cmd = [
        tools.ffprobe,
        "-hide_banner",
        "-v",
        "quiet",
        "-select_streams",
        "a:0",
        "-show_entries",
        "frame=pts_time,nb_samples",
        "-of",
        "csv=p=0",
        str(info.path),
    ]
    log.debug("%s", shlex.join(cmd))
    result = subprocess.run(
        cmd, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    return parse_frame_gaps(result.stdout, info.sample_rate)


def parse_frame_gaps(
    text: str, sample_rate: int, tolerance: float = 0.002
) -> list[tuple[float, float]]:
    """Gaps between decoded frames, from ffprobe's ``pts_time,nb_samples`` lines."""
    gaps: list[tuple[float, float]] = []
    expected: float | None = None
    for line in text.splitlines():
        fields = line.strip().split(",")
        if len(fields) < 2 or sample_rate <= 0:
            continue
        try:
            start, samples = float(fields[0]), int(fields[1])
        except ValueError:
            continue
        if expected is not None and start - expected > tolerance:
            gaps.append((round(expected, 3), round(start, 3)))
        expected = start + samples / sample_rate
    return gaps


def parse_probe(path: Path, data: dict[str, Any]) -> AudioInfo:
    """An :class:`AudioInfo` from ffprobe's JSON; ``ValueError`` when there is no usable audio."""
    streams = data.get("streams") or []
    if not streams:
        raise ValueError("no audio stream; expected a recording")
    stream = streams[0]
    fmt = data.get("format") or {}
    duration = _float(stream.get("duration")) or _float(fmt.get("duration"))
    if duration is None or duration <= 0:
        raise ValueError("no audio (zero length); expected a recording")
    bits = int(stream.get("bits_per_raw_sample") or stream.get("bits_per_sample") or 0)
    return AudioInfo(
        path=path,
        duration=duration,
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        channel_layout=str(stream.get("channel_layout") or ""),
        codec=str(stream.get("codec_name") or ""),
        sample_fmt=str(stream.get("sample_fmt") or ""),
        bits=bits,
        format_name=str(fmt.get("format_name") or ""),
        creation_time=_tag(fmt, "creation_time"),
    )


def _tag(fmt: dict[str, Any], name: str) -> str | None:
    tags = fmt.get("tags") or {}
    value = next((v for k, v in tags.items() if str(k).lower() == name), None)
    return str(value).strip() or None if value is not None else None


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# --- running -----------------------------------------------------------------------------------


def run_ffmpeg(
    tools: Tools,
    args: Sequence[str],
    *,
    duration: float | None = None,
    progress: Fraction | None = None,
    stdout: IO[bytes] | None = None,
) -> str:
    """Run ffmpeg with ``args``; report progress fractions; return its stderr (``-v info``).

    ``stdout`` receives raw output when the command writes to ``pipe:1``; then
    progress is not available.
    """
    want_progress = progress is not None and duration and stdout is None
    cmd = [tools.ffmpeg, "-hide_banner", "-nostdin", "-y"]
    if want_progress:
        cmd += ["-progress", "pipe:1", "-nostats"]
    else:
        cmd += ["-nostats"]
    cmd += list(args)
    log.debug("%s", shlex.join(cmd))
    with subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        if proc.stdout is None or proc.stderr is None:  # pragma: no cover (PIPE always gives both)
            raise RuntimeError("ffmpeg pipes are missing")
        tail: deque[str] = deque(maxlen=400)
        reader = threading.Thread(target=_drain, args=(proc.stderr, tail), daemon=True)
        reader.start()
        if stdout is not None:
            shutil.copyfileobj(proc.stdout, stdout, 1 << 20)
        elif want_progress and progress is not None and duration:
            for raw in proc.stdout:
                seconds = parse_progress_line(raw.decode("ascii", "replace"))
                if seconds is not None:
                    progress(min(1.0, seconds / duration))
        else:
            proc.stdout.read()
        proc.wait()
        reader.join()
    stderr = "".join(tail)
    if proc.returncode != 0:
        raise FFmpegError(cmd, proc.returncode, stderr[-2000:])
    if progress is not None:
        progress(1.0)
    return stderr


def _drain(stream: IO[bytes], tail: deque[str]) -> None:
    for raw in stream:
        tail.append(raw.decode("utf-8", "replace"))


def parse_progress_line(line: str) -> float | None:
    """Seconds of output done, from one ``-progress`` line (``out_time_us=...``)."""
    key, _, value = line.strip().partition("=")
    if key not in ("out_time_us", "out_time_ms"):
        return None
    try:
        micros = int(value)
    except ValueError:
        return None
    return micros / 1_000_000 if micros >= 0 else None


def parse_ebur128(stderr: str) -> Loudness:
    """The summary of ffmpeg's ebur128 filter; ``ValueError`` if there is none."""
    matches = list(_SUMMARY.finditer(stderr))
    if not matches:
        raise ValueError("no ebur128 summary in ffmpeg's output")
    m = matches[-1]
    return Loudness(
        integrated=float(m["i"]),
        lra=float(m["lra"]),
        true_peak=float(m["tp"]) if m["tp"] is not None else float("nan"),
        threshold=float(m["t"]),
    )


def measure_loudness(
    tools: Tools,
    path: Path,
    *,
    duration: float | None = None,
    progress: Fraction | None = None,
    dualmono: bool = True,
) -> Loudness:
    """Integrated loudness, range and true peak of ``path``, measured on its decoded audio."""
    stderr = run_ffmpeg(
        tools,
        [
            "-v",
            "info",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            f"ebur128=peak=true:dualmono={'true' if dualmono else 'false'}:framelog=verbose",
            "-f",
            "null",
            "-",
        ],
        duration=duration,
        progress=progress,
    )
    return parse_ebur128(stderr)


def speak(text: str, voice: str, out: Path, *, speed: int = 150) -> bool:
    """Synthesise ``text`` with espeak-ng into a WAV; ``False`` when espeak-ng is absent."""
    program = shutil.which("espeak-ng")
    if program is None:
        return False
    cmd = [program, "-v", voice, "-s", str(speed), "-w", str(out), text]
    log.debug("%s", shlex.join(cmd))
    subprocess.run(cmd, check=True, capture_output=True)
    return True


# --- streaming processes (the audio stage's passes) --------------------------------------------

#: Pipe buffers between the audio passes: fewer wake-ups than the default 64 KiB (Linux).
PIPE_SIZE = 1 << 20


def _widen(pipe: IO[bytes]) -> None:
    """Enlarge a pipe's kernel buffer where the system allows it; harmless elsewhere."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is None:
        return
    with contextlib.suppress(OSError, ValueError):
        fcntl.fcntl(pipe.fileno(), set_size, PIPE_SIZE)


_FRAME = re.compile(
    r"\bt:\s*(?P<t>\d+(?:\.\d+)?)\s+TARGET:.*?\bM:\s*(?P<m>-?(?:[\d.]+|inf)|nan)"
    r"\s+S:\s*(?P<s>-?(?:[\d.]+|inf)|nan)"
)


@dataclass(frozen=True)
class LoudnessFrame:
    """One line of ebur128's frame log: momentary (400 ms) and short-term (3 s) loudness."""

    t: float  # seconds of audio read when the frame was logged (end of the windows)
    momentary: float  # LUFS; ebur128 logs -120.7 for digital silence
    short_term: float


def parse_ebur128_frame(line: str) -> LoudnessFrame | None:
    """A :class:`LoudnessFrame` from one ``framelog=verbose`` line, else ``None``."""
    m = _FRAME.search(line)
    if m is None:
        return None
    return LoudnessFrame(float(m["t"]), float(m["m"]), float(m["s"]))


def parse_sample_peak(stderr: str) -> float | None:
    """The ``Sample peak`` of an ebur128 summary (``peak=sample``), in dBFS."""
    found = re.findall(r"Sample peak:\s*Peak:\s*(-?(?:[\d.]+|inf))\s*dBFS", stderr)
    return float(found[-1]) if found else None


class FFmpegProcess:
    """A running ffmpeg whose stderr a thread drains: progress, log lines, a tail for errors.

    ``stdin``/``stdout`` are passed to :class:`subprocess.Popen` (``subprocess.PIPE``, a
    file object, another process's pipe, or ``None`` for none). Progress comes from
    ``-progress pipe:2``, so stdout stays free for audio. Use as a context manager: on an
    exception the process is killed; :meth:`finish` waits and raises ``FFmpegError``.
    """

    def __init__(
        self,
        tools: Tools,
        args: Sequence[str],
        *,
        stdin: int | IO[bytes] | None = None,
        stdout: int | IO[bytes] | None = None,
        duration: float | None = None,
        progress: Fraction | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        self.cmd = [tools.ffmpeg, "-hide_banner", "-nostdin", "-y", "-nostats"]
        if progress is not None and duration:
            self.cmd += ["-progress", "pipe:2"]
        self.cmd += list(args)
        self._duration = duration
        self._progress = progress
        self._on_line = on_line
        self.tail: deque[str] = deque(maxlen=200)
        log.debug("%s", shlex.join(self.cmd))
        self.proc = subprocess.Popen(
            self.cmd,
            stdin=subprocess.DEVNULL if stdin is None else stdin,
            stdout=subprocess.DEVNULL if stdout is None else stdout,
            stderr=subprocess.PIPE,
        )
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                _widen(pipe)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    @property
    def stdin(self) -> IO[bytes]:
        """The pipe to the process (when started with ``stdin=PIPE``)."""
        if self.proc.stdin is None:
            raise RuntimeError("this ffmpeg has no stdin pipe")
        return self.proc.stdin

    @property
    def stdout(self) -> IO[bytes]:
        if self.proc.stdout is None:
            raise RuntimeError("this ffmpeg has no stdout pipe")
        return self.proc.stdout

    def _drain(self) -> None:
        stream = self.proc.stderr
        if stream is None:  # pragma: no cover (PIPE always gives one)
            return
        for raw in stream:
            line = raw.decode("utf-8", "replace")
            seconds = parse_progress_line(line)
            if seconds is not None:
                if self._progress is not None and self._duration:
                    self._progress(min(1.0, seconds / self._duration))
                continue
            if "=" in line and " " not in line.strip():
                continue  # the other -progress keys
            self.tail.append(line)
            if self._on_line is not None:
                self._on_line(line)

    def finish(self) -> str:
        """Wait for the end; return the stderr tail, or raise ``FFmpegError``."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        returncode = self.proc.wait()
        self._reader.join()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        stderr = "".join(self.tail)
        if returncode != 0:
            raise FFmpegError(self.cmd, returncode, stderr[-2000:])
        if self._progress is not None:
            self._progress(1.0)
        return stderr

    def kill(self) -> None:
        """Stop the process (after an error elsewhere) and release its pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None and not pipe.closed:
                with contextlib.suppress(OSError):  # a broken pipe to a dead process
                    pipe.close()
        self.proc.wait()
        self._reader.join()
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def __enter__(self) -> FFmpegProcess:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.kill()


#: What the speech recognisers read: 16 kHz mono signed 16-bit little-endian PCM.
SPEECH_RATE = 16000


def decode_speech(tools: Tools, path: Path, *, offset: float = 0.0) -> FFmpegProcess:
    """A running ffmpeg writing ``path`` from ``offset`` seconds on to its stdout as
    :data:`SPEECH_RATE` Hz mono 16-bit PCM (the recognisers' input), read as it comes."""
    args = ["-v", "error"]
    if offset > 0:
        args += ["-ss", f"{offset:.3f}"]
    args += ["-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(SPEECH_RATE)]
    args += ["-c:a", "pcm_s16le", "-f", "s16le", "pipe:1"]
    return FFmpegProcess(tools, args, stdout=subprocess.PIPE)
