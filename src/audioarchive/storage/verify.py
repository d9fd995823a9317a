"""``verify --remote``: the remote objects compared with the manifest (fixity of what is published).

For each object the manifest says we put: present, same size, same ETag as when
sent, SHA-256 metadata, Content-Type and Cache-Control as sent; with ``deep``,
the object is downloaded and re-hashed. Read-only: nothing is sent or removed.
"""

from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from audioarchive.metadata.session import Workspace
from audioarchive.storage.manifest import RemoteEntry
from audioarchive.storage.plan import RemoteObject
from audioarchive.storage.publisher import PhaseProgress, open_buckets, plan_jobs

if TYPE_CHECKING:
    from audioarchive.storage.s3 import Bucket


@dataclass(frozen=True)
class RemoteProblem:
    target: str  # "storage" or "archive_storage"
    url: str  # s3://bucket/key
    problem: str

    def __str__(self) -> str:
        return f"{self.url}: {self.problem}"


@dataclass(frozen=True)
class RemoteVerifyReport:
    targets: tuple[str, ...]  # the s3:// URLs checked
    checked: int  # objects compared
    problems: tuple[RemoteProblem, ...]
    unknown: tuple[str, ...]  # objects under the prefix that the manifest does not know
    deep: bool
    bytes_read: int = 0
    requests: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_remote(
    workspace: Workspace, *, deep: bool = False, progress: PhaseProgress | None = None
) -> RemoteVerifyReport:
    """Compare every object of the manifests with what storage holds; raise exit 3 if down."""
    started = time.monotonic()
    jobs = plan_jobs(workspace)
    outcome = _Outcome(deep=deep, progress=progress)
    for job in jobs:
        probe, bucket = open_buckets(job.target)
        try:  # the patient client: a deep check downloads every object
            _verify_target(bucket, job.manifest.objects, outcome)
        finally:
            outcome.requests += bucket.requests
            probe.close()
            bucket.close()
    return RemoteVerifyReport(
        targets=tuple(j.target.url for j in jobs),
        checked=outcome.checked,
        problems=tuple(outcome.problems),
        unknown=tuple(outcome.unknown),
        deep=deep,
        bytes_read=outcome.read.value,
        requests=outcome.requests,
        seconds=round(time.monotonic() - started, 3),
    )


@dataclass
class _Bytes:
    value: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def add(self, count: int) -> int:
        with self.lock:
            self.value += count
            return self.value


@dataclass
class _Outcome:
    deep: bool
    progress: PhaseProgress | None
    checked: int = 0
    requests: int = 0
    total: int = 0  # bytes to re-hash, for the progress bar
    problems: list[RemoteProblem] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    read: _Bytes = field(default_factory=_Bytes)


def _verify_target(bucket: Bucket, entries: dict[str, RemoteEntry], outcome: _Outcome) -> None:
    target = bucket.target
    remote = bucket.list_objects()
    if not entries:
        outcome.problems.append(RemoteProblem(target.section, target.url, "nothing published yet"))
    outcome.total = sum(e.size for e in entries.values()) if outcome.deep else 0
    items = sorted(entries.items())

    def check(item: tuple[str, RemoteEntry]) -> str | None:
        return _check(bucket, item[1], remote.get(item[0]), outcome)

    with ThreadPoolExecutor(max_workers=target.concurrency) as pool:
        results = list(pool.map(check, items))
    for (_relpath, entry), problem in zip(items, results, strict=True):
        if problem is not None:
            url = f"s3://{target.bucket}/{entry.key}"
            outcome.problems.append(RemoteProblem(target.section, url, problem))
    outcome.checked += len(items)
    outcome.unknown.extend(
        f"s3://{target.bucket}/{obj.key}"
        for relpath, obj in sorted(remote.items())
        if relpath not in entries
    )


def _check(
    bucket: Bucket, entry: RemoteEntry, listed: RemoteObject | None, outcome: _Outcome
) -> str | None:
    if listed is None:
        return "missing"
    if listed.size != entry.size:
        return f"holds {listed.size} bytes, the manifest says {entry.size}"
    found = bucket.head(entry.key)
    if found is None:
        return "missing"
    if found.sha256 != entry.sha256:
        return f"SHA-256 metadata is {found.sha256 or 'absent'}, the manifest says {entry.sha256}"
    if found.content_type.split(";")[0].strip() != entry.content_type.split(";")[0].strip():
        return f'Content-Type is "{found.content_type}", expected "{entry.content_type}"'
    if (found.cache_control or None) != entry.cache_control:
        return f'Cache-Control is "{found.cache_control}", expected "{entry.cache_control}"'
    if listed.etag != entry.etag:
        return f"replaced since it was published (ETag {listed.etag}, was {entry.etag})"
    if not outcome.deep:
        return None
    digest = hashlib.sha256()
    for chunk in bucket.read_chunks(entry.key):
        digest.update(chunk)
        done = outcome.read.add(len(chunk))
        if outcome.progress is not None and outcome.total:
            outcome.progress("verify", min(1.0, done / outcome.total))
    if digest.hexdigest() != entry.sha256:
        return f"content does not match its SHA-256 (re-hashed: {digest.hexdigest()})"
    return None
