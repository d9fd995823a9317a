"""The library side of ``verify``: local checksums (:mod:`audioarchive.fixity`), the bags
this workspace made (:mod:`audioarchive.bag`), and a "fixity check" event in the history
(:mod:`audioarchive.events`) for every file and bag checked."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from audioarchive.bag import BagCheck, check_bags
from audioarchive.config import Settings
from audioarchive.events import Event, append_events, recently_passed
from audioarchive.fixity import FileCheck, ProgressCallback, VerifyReport, verify_local


def verify_and_record(
    settings: Settings,
    *,
    older_than: timedelta | None = None,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> VerifyReport:
    """:func:`~audioarchive.fixity.verify_local`, then one "fixity check" event per file
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
