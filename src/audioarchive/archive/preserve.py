"""The library side of ``verify``: local checksums (:mod:`audioarchive.archive.fixity`), the bags
this workspace made (:mod:`audioarchive.archive.bag`), and a "fixity check" event in the history
(:mod:`audioarchive.archive.events`) for every file and bag checked."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from audioarchive.archive.bag import BagCheck, check_bags, registered_bags, validate_bag
from audioarchive.archive.bwf import chunk_ids
from audioarchive.archive.events import (
    Event,
    append_events,
    check_chain,
    event_logs,
    recently_passed,
)
from audioarchive.archive.fixity import FileCheck, ProgressCallback, VerifyReport, verify_local
from audioarchive.config import Paths, Settings
from audioarchive.errors import Problem
from audioarchive.metadata.episode import load_record


def verify_and_record(
    settings: Settings,
    *,
    older_than: timedelta | None = None,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> VerifyReport:
    """:func:`~audioarchive.archive.fixity.verify_local`, then one "fixity check" event per file
    checked. With ``older_than``, only files not checked successfully since then (never
    checked, or failed last time) are checked; the others are reported as skipped."""
    paths = settings.paths
    include: Callable[[str], bool] | None = None
    if older_than is not None:
        cutoff = (now or datetime.now(UTC)) - older_than
        recent = recently_passed(paths, cutoff)
        include = lambda label: label not in recent  # noqa: E731
    report = verify_local(settings, progress, include=include)
    append_events(paths, (_check_event(check) for check in report.checks if _logged(check)))
    bags = check_bags(paths, include)
    append_events(paths, (_bag_event(bag) for bag in bags))
    return dataclasses.replace(
        report,
        checks=report.checks
        + tuple(c for bag in bags for c in bag.checks)
        + tuple(FileCheck(bag.path, "ok", "bag manifest") for bag in bags if bag.ok),
        problems=report.problems + tuple(p for bag in bags for p in bag.problems),
    )


def _bag_event(bag: BagCheck) -> Event:
    if bag.ok:
        return Event("fixity check", bag.path, None, "success", "bagit: valid bag")
    named = [c.path for c in bag.checks] + [p.message for p in bag.problems]
    return Event("fixity check", bag.path, None, "failure", "bagit: " + "; ".join(named))


def _logged(check: FileCheck) -> bool:
    return check.status in ("ok", "changed", "missing")


def _check_event(check: FileCheck) -> Event:
    if check.status == "ok":
        return Event("fixity check", check.path, check.actual, "success", f"{check.source}")
    detail = (
        f"missing; listed in the {check.source}"
        if check.status == "missing"
        else f"differs from the {check.source} (expected sha256:{check.expected})"
    )
    return Event("fixity check", check.path, check.actual, "failure", detail)


# --- validate ---------------------------------------------------------------------------------


def archive_problems(paths: Paths, session_ids: list[str]) -> list[Problem]:
    """What ``validate`` checks in the archive, without hashing: every history's hash chain,
    the chunks of each Broadcast WAV master, and that each bag made is still complete."""
    problems = []
    for log in event_logs(paths):
        for line in check_chain(log):
            problems.append(
                Problem(
                    paths.rel(log),
                    f"line {line}",
                    "does not follow the line before (an edited or removed event); "
                    "expected an append-only history",
                )
            )
    for session_id in session_ids:
        record = load_record(paths.state, session_id)
        for master in (record.master, record.preservation) if record else ():
            if master is not None and master.path.endswith(".wav"):
                problems += _bwf_problems(paths, paths.archive / master.path)
    for entry in registered_bags(paths):
        path = Path(entry["path"])
        if path.is_dir():
            check = validate_bag(path, completeness_only=True)
            problems += list(check.problems) + [
                Problem(c.path, "", f"{c.status} (bag manifest)") for c in check.checks
            ]
    return problems


def _bwf_problems(paths: Paths, master: Path) -> list[Problem]:
    if not master.is_file():
        return []  # verify reports missing files
    chunks = chunk_ids(master)
    missing = [c for c in ("bext", "data") if c not in chunks]
    if missing:
        return [
            Problem(
                paths.rel(master),
                "",
                f"no {' or '.join(missing)} chunk; expected a Broadcast WAV master "
                "(rebuild it with 'audioarchive build --force')",
            )
        ]
    return []
