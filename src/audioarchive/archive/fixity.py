"""Fixity: the archive's checksum manifest, and ``verify``.

``archive/manifest-sha256.txt`` lists every file of ``archive/`` (but itself) as
``<sha256>  <path relative to archive/>``, sorted: BagIt's manifest format, which is also
what ``sha256sum -c`` reads (``cd archive && sha256sum -c manifest-sha256.txt``).

:func:`verify_local` recomputes the checksum of every file the workspace knows one for:
``archive/`` against that manifest, the public media in ``feed/`` against the build
records, and the recorder's files against each ``recordings/<id>/SHA256SUMS`` (written by
``ingest`` when it copies a file, and by the first build that uses a file copied by hand).
It returns a typed :class:`VerifyReport`; other checks (remote storage, decoding) can add
their :class:`FileCheck` rows to it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from audioarchive.common.text import natural_key, sha256_file
from audioarchive.common.writing import TEMP_PREFIX, write_atomic
from audioarchive.config import RECORDING_SUMS, Paths, Settings
from audioarchive.errors import Problem
from audioarchive.metadata.episode import load_record

MANIFEST = "manifest-sha256.txt"
#: The fixity history (audioarchive.archive.events): grows by design, so never in the manifest.
EVENTS_SUFFIX = ".events.jsonl"
COLLECTION_EVENTS = "events.jsonl"
_LINE = re.compile(r"^([0-9a-fA-F]{64})[ \t]+\*?(.+)$")
_CHUNK = 1 << 20

FileStatus = Literal["ok", "changed", "missing", "untracked"]
Source = Literal["archive manifest", "build record", "recordings SHA256SUMS", "bag manifest"]


@dataclass(frozen=True)
class FileCheck:
    path: str  # relative to the workspace
    status: FileStatus
    source: Source  # where the expected checksum comes from
    expected: str | None = None
    actual: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "source": self.source,
            "expected": self.expected,
            "actual": self.actual,
        }


@dataclass(frozen=True)
class VerifyReport:
    checks: tuple[FileCheck, ...] = ()
    problems: tuple[Problem, ...] = ()  # a missing or unreadable manifest, a bad line
    skipped: tuple[str, ...] = ()  # not checked: checked recently (verify --older-than)

    @property
    def failed(self) -> tuple[FileCheck, ...]:
        """Files whose bytes differ from their checksum, or that are gone."""
        return tuple(c for c in self.checks if c.status in ("changed", "missing"))

    @property
    def untracked(self) -> tuple[FileCheck, ...]:
        return tuple(c for c in self.checks if c.status == "untracked")

    @property
    def verified(self) -> tuple[FileCheck, ...]:
        return tuple(c for c in self.checks if c.status == "ok")

    @property
    def ok(self) -> bool:
        return not self.failed and not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verified": len(self.verified),
            "failed": [c.as_dict() for c in self.failed],
            "untracked": [c.path for c in self.untracked],
            "problems": [str(p) for p in self.problems],
            "skipped": list(self.skipped),
            "checks": [c.as_dict() for c in self.checks],
        }


ProgressCallback = Callable[[float], None]  # the fraction of bytes hashed so far


# --- the manifest -----------------------------------------------------------------------------


def render_manifest(entries: Mapping[str, str]) -> bytes:
    """Manifest lines for ``{path relative to archive/: sha256}``, sorted by path."""
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(entries.items())).encode()


def parse_manifest(text: str, label: str) -> tuple[dict[str, str], list[Problem]]:
    """``{path: sha256}`` from manifest text, and a problem for each line that is not one."""
    entries: dict[str, str] = {}
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        path = match.group(2).strip() if match else ""
        pure = PurePosixPath(path)
        if match is None or pure.is_absolute() or ".." in pure.parts:
            problems.append(
                Problem(label, f"line {number}", "expected '<sha256>  <relative path>'")
            )
            continue
        entries[path] = match.group(1).lower()
    return entries, problems


# --- the recorder's files ----------------------------------------------------------------------


def read_recording_sums(folder: Path) -> dict[str, str]:
    """``{file name: sha256}`` of ``recordings/<id>/SHA256SUMS``; empty when absent."""
    try:
        text = (folder / RECORDING_SUMS).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return parse_manifest(text, RECORDING_SUMS)[0]


def write_recording_sums(folder: Path, sums: Mapping[str, str]) -> None:
    """``SHA256SUMS`` in the recorder's natural order (``sha256sum -c SHA256SUMS`` reads it)."""
    lines = [
        f"{digest}  {name}\n"
        for name, digest in sorted(sums.items(), key=lambda item: natural_key(item[0]))
    ]
    write_atomic(folder / RECORDING_SUMS, "".join(lines).encode("utf-8"))


def record_recording_sums(parts: Iterable[Path]) -> list[Path]:
    """Add the checksum of each part that its folder's ``SHA256SUMS`` does not list yet.

    A recording copied into ``recordings/<id>/`` by hand gets its checksum the first time a
    build uses it, as one that came through ``ingest`` got it when copied: from then on
    ``verify`` checks it. A listed part is never re-hashed here (that is ``verify``'s job).
    Returns the parts recorded now.
    """
    by_folder: dict[Path, list[Path]] = {}
    for part in parts:
        by_folder.setdefault(part.parent, []).append(part)
    recorded: list[Path] = []
    for folder, files in sorted(by_folder.items()):
        sums = read_recording_sums(folder)
        new = [f for f in files if f.name not in sums and f.is_file()]
        for part in new:
            sums[part.name] = sha256_file(part)
        if new:
            write_recording_sums(folder, sums)
            recorded.extend(new)
    return recorded


def is_event_log(relpath: str) -> bool:
    """Whether ``relpath`` (inside ``archive/``) is a fixity history log."""
    return relpath == COLLECTION_EVENTS or relpath.endswith(EVENTS_SUFFIX)


def read_manifest(archive: Path) -> dict[str, str]:
    """The entries of ``archive/manifest-sha256.txt``; empty when absent or unreadable."""
    try:
        text = (archive / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return parse_manifest(text, MANIFEST)[0]


# --- verify -----------------------------------------------------------------------------------


@dataclass
class _Job:
    """A file to hash, and what to compare it with."""

    path: Path
    label: str
    source: Source
    expected: str


@dataclass
class _Run:
    paths: Paths
    jobs: list[_Job] = field(default_factory=list)
    checks: list[FileCheck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    include: Callable[[str], bool] | None = None  # None: every file
    skipped: list[str] = field(default_factory=list)

    def expect(self, path: Path, source: Source, expected: str) -> None:
        label = self.paths.rel(path)
        if self.include is not None and not self.include(label):
            self.skipped.append(label)
        elif path.is_file():
            self.jobs.append(_Job(path, label, source, expected))
        else:
            self.checks.append(FileCheck(label, "missing", source, expected))


def verify_local(
    settings: Settings,
    progress: ProgressCallback | None = None,
    *,
    include: Callable[[str], bool] | None = None,
) -> VerifyReport:
    """Recompute every local checksum and compare: ``archive/`` with its manifest, ``feed/``
    media with the build records, recordings with their ``SHA256SUMS``.

    Needs only the settings (not valid metadata): fixity is checked even when a
    session file no longer loads. ``include`` (a path relative to the workspace → bool)
    limits the files hashed; the others are listed as skipped.
    """
    run = _Run(settings.paths, include=include)
    _plan_archive(run)
    _plan_feed(run)
    _plan_recordings(run)
    total = sum(job.path.stat().st_size for job in run.jobs) or 1
    done = 0
    for job in run.jobs:
        base = done

        def report(read: int, base: int = base) -> None:
            _report(progress, (base + read) / total)

        actual = _hash(job.path, report)
        done += job.path.stat().st_size
        status: FileStatus = "ok" if actual == job.expected else "changed"
        run.checks.append(FileCheck(job.label, status, job.source, job.expected, actual))
    if progress is not None and run.jobs:
        progress(1.0)
    order = {"missing": 0, "changed": 1, "untracked": 2, "ok": 3}
    checks = sorted(run.checks, key=lambda c: (order[c.status], c.path))
    return VerifyReport(tuple(checks), tuple(run.problems), tuple(run.skipped))


def _report(progress: ProgressCallback | None, fraction: float) -> None:
    if progress is not None:
        progress(min(fraction, 1.0))


def _hash(path: Path, progress: Callable[[int], None]) -> str:
    digest = hashlib.sha256()
    read = 0
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
            read += len(block)
            progress(read)
    return digest.hexdigest()


def _plan_archive(run: _Run) -> None:
    archive = run.paths.archive
    files = [f for f in _files(archive) if not is_event_log(f)]  # histories: never listed
    manifest_path = archive / MANIFEST
    if not manifest_path.is_file():
        if files:
            run.problems.append(
                Problem(
                    run.paths.rel(manifest_path),
                    "",
                    "missing; expected the checksums of archive/ (run 'audioarchive build')",
                )
            )
        return
    label = run.paths.rel(manifest_path)
    try:
        text = manifest_path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        run.problems.append(Problem(label, "", "not UTF-8 text; expected '<sha256>  <path>' lines"))
        return
    entries, problems = parse_manifest(text, label)
    run.problems.extend(problems)
    for relpath, digest in sorted(entries.items()):
        run.expect(archive / relpath, "archive manifest", digest)
    for relpath in sorted(set(files) - set(entries) - {MANIFEST}):
        if is_event_log(relpath):
            continue
        run.checks.append(
            FileCheck(run.paths.rel(archive / relpath), "untracked", "archive manifest")
        )


def _plan_feed(run: _Run) -> None:
    folder = run.paths.state / "state"
    for record_file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        record = load_record(run.paths.state, record_file.stem)
        if record is None:
            continue
        for media in record.media:
            run.expect(run.paths.feed / media.path, "build record", media.sha256)


def _plan_recordings(run: _Run) -> None:
    recordings = run.paths.recordings
    for sums in sorted(recordings.glob(f"*/{RECORDING_SUMS}")) if recordings.is_dir() else []:
        label = run.paths.rel(sums)
        try:
            text = sums.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            run.problems.append(Problem(label, "", "unreadable; expected '<sha256>  <name>' lines"))
            continue
        entries, problems = parse_manifest(text, label)
        run.problems.extend(problems)
        for name, digest in sorted(entries.items()):
            run.expect(sums.parent / name, "recordings SHA256SUMS", digest)


def _files(folder: Path) -> list[str]:
    """Every file under ``folder`` (relative, POSIX), but temporary ones."""
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(TEMP_PREFIX)
    )


def archive_entries(archive: Path | None, generated: Mapping[str, str]) -> dict[str, str]:
    """The manifest for ``archive/``: ``generated`` (path → sha256 of what the build writes
    or recorded when it wrote it), plus the previous manifest's entries for files that are
    still there but no longer generated (a removed session's master stays, and so does
    its checksum). Nothing is ever re-hashed from disk here: that would hide damage.
    """
    entries = dict(generated)
    if archive is not None:
        for path, digest in read_manifest(archive).items():
            if path not in entries and (archive / path).is_file():
                entries[path] = digest
    entries.pop(MANIFEST, None)
    return {path: digest for path, digest in entries.items() if not is_event_log(path)}
