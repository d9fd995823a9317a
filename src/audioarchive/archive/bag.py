"""``bag``: BagIt 1.0 bags (RFC 8493) of sessions or of the whole collection, made and
validated with the Library of Congress's ``bagit`` library (the only module importing it).

A bag's payload mirrors the workspace, so that a collection bag is the union of its
session bags::

    <bag>/bagit.txt, bag-info.txt
    <bag>/manifest-sha256.txt, manifest-sha512.txt          every payload file
    <bag>/tagmanifest-sha256.txt, tagmanifest-sha512.txt    the tag files
    <bag>/data/recordings/<id>/...      the recorder's files, unchanged, and SHA256SUMS
    <bag>/data/archive/<id>/...         masters, sidecar, loudness, transcript, fixity history
    <bag>/data/feed/episodes/<id>/...   the public files: episode audio, chapters, transcripts
    <bag>/data/archive/catalog.json     (collection bag) every episode's full record
    <bag>/data/feed/feed.xml            (collection bag) the public feed

Every copied file is compared with the checksum the workspace recorded for it
(``SHA256SUMS``, ``archive/manifest-sha256.txt``, the build records) or, for the
others, with its source: a damaged file is never bagged. Each bag made is listed in
``.audioarchive/bags.json``, and ``verify`` validates the bags listed there.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit  # type: ignore[import-untyped]

from audioarchive._version import __version__
from audioarchive.archive.fixity import (
    MANIFEST,
    FileCheck,
    is_event_log,
    parse_manifest,
    read_manifest,
)
from audioarchive.archive.sidecar import SIDECAR_VERSION
from audioarchive.common.text import sha256_file
from audioarchive.common.writing import TEMP_PREFIX, write_atomic
from audioarchive.config import RECORDING_SUMS, Paths
from audioarchive.errors import AudioArchiveError, InputError, Problem
from audioarchive.metadata.episode import load_record
from audioarchive.metadata.session import Session, Workspace

log = logging.getLogger(__name__)

CHECKSUMS = ("sha256", "sha512")
BAGIT_VERSION = "1.0"
REGISTRY = "bags.json"
COLLECTION = "collection"


class BagError(AudioArchiveError):
    """A bag could not be made: a source file is damaged, or the copy differs."""


@dataclass(frozen=True)
class BagReport:
    path: Path
    sessions: tuple[str, ...]
    files: int
    bytes: int


# --- making bags ------------------------------------------------------------------------------


def make_bags(
    workspace: Workspace, ids: Sequence[str], dest: Path, *, now: datetime | None = None
) -> list[BagReport]:
    """One bag per session in ``dest/<id>/``, or (no ``ids``) one bag of the whole collection
    in ``dest/collection/``. Refuses a bag folder that exists already."""
    sessions = [workspace.session(i) for i in dict.fromkeys(ids)]
    if ids:
        jobs = [(dest / s.id, [s], False) for s in sessions]
    else:
        jobs = [(dest / COLLECTION, list(workspace.episodes), True)]
    for target, chosen, _ in jobs:
        if target.exists():
            raise InputError(
                f"{target}: exists already; expected a new folder for the bag",
                hint="move or remove the old bag, or choose another DEST",
            )
        for session in chosen:
            if load_record(workspace.paths.state, session.id) is None:
                raise InputError(
                    f"session {session.id}: not built yet; nothing to bag",
                    hint=f"run 'audioarchive build {session.id}' first",
                )
    if not jobs[0][1]:
        raise InputError("no built episode in the workspace; nothing to bag")
    reports = []
    for target, chosen, whole in jobs:
        reports.append(_make_bag(workspace, target, chosen, whole, now))
        _register(workspace.paths, reports[-1:])  # each as soon as it is whole
    return reports


def _make_bag(
    workspace: Workspace,
    target: Path,
    sessions: list[Session],
    whole: bool,
    now: datetime | None,
) -> BagReport:
    paths = workspace.paths
    files = [f for s in sessions for f in session_files(paths, s.id)]
    if whole:
        files += [
            p for p in (paths.archive / "catalog.json", paths.feed / "feed.xml") if p.is_file()
        ]
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f"{TEMP_PREFIX}bag-{target.name}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for source in files:
            copy = staging / paths.rel(source)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
        bag = bagit.make_bag(
            str(staging), bag_info(workspace, sessions, whole, now), checksums=list(CHECKSUMS)
        )
        bag = _declare_version_1(staging)
        _check_copies(paths, bag, files)
        staging.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    size = sum(f.stat().st_size for f in files)
    return BagReport(target, tuple(s.id for s in sessions), len(files), size)


def _declare_version_1(folder: Path) -> Any:
    """bagit 1.9 writes "BagIt-Version: 0.97"; the layout it writes is also BagIt 1.0's
    (RFC 8493), so declare 1.0 and rewrite the tag manifests that cover bagit.txt."""
    (folder / "bagit.txt").write_text(
        f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8"
    )
    bag = bagit.Bag(str(folder))
    bag.save()
    return bag


def session_files(paths: Paths, session_id: str) -> list[Path]:
    """The payload of a session: its recordings, its archive folder, its public files."""
    folders = (
        paths.recordings / session_id,
        paths.archive / session_id,
        paths.feed / "episodes" / session_id,
    )
    out: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            out += sorted(
                p
                for p in folder.rglob("*")
                if p.is_file() and not p.name.startswith((TEMP_PREFIX, "."))
            )
    return out


def bag_info(
    workspace: Workspace, sessions: list[Session], whole: bool, now: datetime | None
) -> dict[str, Any]:
    """``bag-info.txt``'s fields (bagit adds Payload-Oxum and Bag-Software-Agent)."""
    show = workspace.show
    if whole:
        description = f"{show.title}: the whole collection, {len(sessions)} recorded sessions."
        identifier = workspace.settings.site.feed_url
    else:
        (session,) = sessions
        when = f" ({session.date.date().isoformat()})" if session.date else ""
        description = f"{show.title}: {session.title}{when}."
        identifier = session.id
    info: dict[str, Any] = {
        "Source-Organization": show.author,
        "Contact-Name": show.owner.name,
        "External-Description": description,
        "External-Identifier": identifier,
        "Bag-Group-Identifier": show.title,
        "Bagging-Date": (now or datetime.now(UTC)).date().isoformat(),
        "Audioarchive-Version": __version__,
        "Audioarchive-Sidecar-Version": str(SIDECAR_VERSION),
    }
    if show.owner.email:
        info["Contact-Email"] = show.owner.email
    if show.website:
        info["Organization-Address"] = show.website
    return info


def _check_copies(paths: Paths, bag: Any, files: Iterable[Path]) -> None:
    """Each payload file's SHA-256 in the bag's manifest against the workspace's record."""
    recorded = recorded_checksums(paths)
    entries: dict[str, dict[str, str]] = bag.payload_entries()
    for source in files:
        label = paths.rel(source)
        found = entries[f"data/{label}"]["sha256"]
        expected = recorded.get(label) or sha256_file(source)
        if found != expected:
            raise BagError(
                f"{label}: sha256 {found[:16]}… differs from the checksum recorded for it "
                f"({expected[:16]}…); nothing bagged",
                hint="run 'audioarchive verify', and restore the file from a copy",
            )


def recorded_checksums(paths: Paths) -> dict[str, str]:
    """Every checksum the workspace recorded: path relative to the workspace → sha256."""
    out = {
        paths.rel(paths.archive / p): d
        for p, d in read_manifest(paths.archive).items()
        if not is_event_log(p) and p != MANIFEST
    }
    for sums in sorted(paths.recordings.glob(f"*/{RECORDING_SUMS}")):
        try:
            entries, _ = parse_manifest(sums.read_text(encoding="utf-8"), sums.name)
        except (OSError, UnicodeDecodeError):
            continue
        out.update({paths.rel(sums.parent / n): d for n, d in entries.items()})
    records = paths.state / "state"
    for record_file in sorted(records.glob("*.json")) if records.is_dir() else []:
        record = load_record(paths.state, record_file.stem)
        if record is not None:
            out.update({paths.rel(paths.feed / m.path): m.sha256 for m in record.media})
    return out


# --- the registry, and verify -----------------------------------------------------------------


def _register(paths: Paths, reports: Sequence[BagReport]) -> None:
    known = {entry["path"]: entry for entry in registered_bags(paths)}
    for report in reports:
        known[str(report.path.resolve())] = {
            "path": str(report.path.resolve()),
            "sessions": list(report.sessions),
            "made": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    data = json.dumps(sorted(known.values(), key=lambda e: e["path"]), indent=2) + "\n"
    write_atomic(paths.state / REGISTRY, data.encode("utf-8"))


def registered_bags(paths: Paths) -> list[dict[str, Any]]:
    try:
        data = json.loads((paths.state / REGISTRY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [e for e in data if isinstance(e, dict) and isinstance(e.get("path"), str)]


@dataclass(frozen=True)
class BagCheck:
    path: str  # the bag folder
    ok: bool
    checks: tuple[FileCheck, ...]  # one per damaged or missing file
    problems: tuple[Problem, ...]  # the bag itself is unreadable, or gone


def validate_bag(path: Path, *, completeness_only: bool = False) -> BagCheck:
    """Validate one bag with ``bagit`` (every checksum of both manifests, the Oxum, the
    tag manifests; with ``completeness_only``, only that every file is there); each damaged
    or missing file is named."""
    label = str(path)
    try:
        bag = bagit.Bag(str(path))
        bag.validate(processes=1, completeness_only=completeness_only)
    except bagit.BagValidationError as err:
        checks = tuple(_detail_check(path, d) for d in err.details if _is_file_detail(d))
        problems = tuple(Problem(label, "", str(d)) for d in err.details if not _is_file_detail(d))
        if not checks and not problems:
            problems = (Problem(label, "", f"invalid bag: {err.message}"),)
        return BagCheck(label, False, checks, problems)
    except bagit.BagError as err:
        return BagCheck(label, False, (), (Problem(label, "", f"not a valid bag: {err}"),))
    return BagCheck(label, True, (), ())


def _is_file_detail(detail: Any) -> bool:
    return isinstance(detail, bagit.ChecksumMismatch | bagit.FileMissing)


def _detail_check(bag: Path, detail: Any) -> FileCheck:
    where = str(bag / str(detail.path))
    if isinstance(detail, bagit.ChecksumMismatch):
        return FileCheck(where, "changed", "bag manifest", detail.expected, detail.found)
    return FileCheck(where, "missing", "bag manifest")


def check_bags(paths: Paths, include: Callable[[str], bool] | None = None) -> list[BagCheck]:
    """Validate every bag this workspace made that is still where it was written.

    A bag that is gone (moved to other storage, say) is reported by a warning only."""
    out = []
    for entry in registered_bags(paths):
        path = Path(entry["path"])
        if include is not None and not include(str(path)):
            continue
        if not path.is_dir():
            log.warning("%s: bag made by 'audioarchive bag' is no longer there; not checked", path)
            continue
        out.append(validate_bag(path))
    return out
