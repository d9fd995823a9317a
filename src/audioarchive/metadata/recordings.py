"""Checks on the recorder's files that need ffprobe: readable audio, times within the recording."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from audioarchive.common.validation import format_time
from audioarchive.common.writing import write_atomic
from audioarchive.errors import AudioInputError, Problem, SessionError
from audioarchive.ffmpeg import AudioInfo, Tools, probe
from audioarchive.metadata.session import Session, Workspace
from audioarchive.metadata.transcript import check_transcript

log = logging.getLogger(__name__)

#: Shorter than this, a recording is refused: there is nothing to publish.
MIN_DURATION = 1.0


def probe_recordings(
    workspace: Workspace, tools: Tools, sessions: Iterable[Session], *, remember: bool = True
) -> dict[str, tuple[AudioInfo, ...]]:
    """Probe every part of ``sessions``; raise ``SessionError`` listing every problem.

    ``remember=False`` (dry runs, validate) writes nothing, not even the probe cache.
    """
    problems: list[Problem] = []
    found: dict[str, tuple[AudioInfo, ...]] = {}
    cache = _ProbeCache(workspace.paths.state / "probe-cache.json")
    rel = workspace.paths.rel  # names in messages only: it resolves both paths
    for session in sessions:
        infos: list[AudioInfo] = []
        for part in session.recording:
            stat = part.stat()
            if stat.st_size == 0:
                problems.append(
                    Problem(
                        rel(part), "", "empty file (0 bytes); expected a recording: copy it again"
                    )
                )
                continue
            try:
                infos.append(cache.probe(tools, part, stat, rel))
            except AudioInputError as err:
                message = err.message.removeprefix(f"{part.name}: ")
                problems.append(Problem(rel(part), "", message))
        if len(infos) != len(session.recording):
            continue
        problems.extend(check_times(workspace, session, infos))
        if session.transcript is not None:
            problems.extend(check_transcript(session.transcript, rel(session.transcript)))
        found[session.id] = tuple(infos)
    if remember:
        cache.save()
    if problems:
        raise SessionError(problems)
    return found


class _ProbeCache:
    """ffprobe's answers by path, size and modification time: an unchanged file is not probed
    again (a build with nothing to do stays fast for a collection of hundreds of parts)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self.changed = False
        self.folders: dict[str, str] = {}  # each folder's real path, found once
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self.entries = data
        except (OSError, ValueError):
            pass

    def probe(
        self, tools: Tools, part: Path, stat: os.stat_result, rel: Callable[[Path], str]
    ) -> AudioInfo:
        key = real_path(str(part), self.folders)
        entry = self.entries.get(key)
        if (
            entry
            and entry.get("size") == stat.st_size
            and entry.get("mtime_ns") == stat.st_mtime_ns
        ):
            try:
                return AudioInfo(**{**entry["info"], "path": part})
            except TypeError:
                pass  # written by another version
        info = probe(tools, part)
        _warn_if_truncated(part, rel(part))
        fields = {k: v for k, v in asdict(info).items() if k != "path"}
        self.entries[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "info": fields}
        self.changed = True
        return info

    def save(self) -> None:
        if self.changed:  # the first build too: else the second one probes everything again
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(self.entries, sort_keys=True, indent=1)
            write_atomic(self.path, text.encode("utf-8"))


def real_path(path: str, folders: dict[str, str]) -> str:
    """``str(Path(path).resolve())``, each folder resolved once for all the parts below it
    (kept in ``folders``): a link is followed where it is, any other name is added to its
    folder's real path. 500 sessions' parts: one ``lstat`` each instead of one per folder
    of their path."""
    # os.path, not pathlib: no Path object made for each of thousands of parts
    parent, name = os.path.split(path)
    if name in ("", ".", "..") or os.path.islink(path):  # noqa: PTH114
        return os.path.realpath(path)
    real = folders.get(parent)
    if real is None:
        real = folders[parent] = real_path(parent, folders) if parent else os.getcwd()  # noqa: PTH109
    return os.path.join(real, name)  # noqa: PTH118


def wav_data_shortfall(path: Path) -> int:
    """Bytes a RIFF/WAVE file's ``data`` chunk announces but does not hold (0 if complete)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(12)
            if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
                return 0
            while chunk := handle.read(8):
                if len(chunk) < 8:
                    return 0
                kind, size = chunk[:4], int.from_bytes(chunk[4:], "little")
                if kind == b"data":
                    if size == 0xFFFFFFFF:  # RF64 and streaming writers: size unknown here
                        return 0
                    available = path.stat().st_size - handle.tell()
                    return max(0, size - available)
                handle.seek(size + (size & 1), 1)
    except OSError:
        return 0
    return 0


def _warn_if_truncated(part: Path, label: str) -> None:
    missing = wav_data_shortfall(part)
    if missing:
        log.warning(
            "%s: the file is shorter than its header announces (%d bytes missing): the recorder "
            "probably stopped abruptly; publishing what it holds",
            label,
            missing,
        )


def check_times(workspace: Workspace, session: Session, infos: list[AudioInfo]) -> list[Problem]:
    """Trims, redactions and chapters must fall within the joined recording."""
    total = sum(i.duration for i in infos)
    found: list[tuple[str, str]] = []  # (field, message)
    if total < MIN_DURATION:
        found.append(
            ("recording", f"lasts {total:.2f} s; expected at least {MIN_DURATION:.0f} s of audio")
        )
    starts = [("trim.start", session.trim.start)] if session.trim.start is not None else []
    starts += [(f"redactions[{i}].start", r.start) for i, r in enumerate(session.redactions)]
    starts += [(f"{c.label(i + 1)}, start", c.start) for i, c in enumerate(session.chapters)]
    length = format_time(total)
    found.extend(
        (field, f"{format_time(start)} is past the end of the recording ({length})")
        for field, start in starts
        if start >= total
    )
    if not found:
        return []
    label = workspace.paths.rel(session.source)
    return [Problem(label, field, message) for field, message in found]
