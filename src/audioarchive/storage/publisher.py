"""Publishing ``feed/`` (and ``archive/``) to S3-compatible storage, in a safe order.

1. Preflight: list each target's prefix. Wrong credentials, a missing bucket or an
   unreachable endpoint stop here (exit 3), before anything is sent.
2. Plan: local files against the manifest and the listing (see :mod:`.plan`).
3. Clean up the multipart uploads an interrupted run left behind.
4. Media (content-addressed audio and images), then their verification: a HEAD
   (size, type, cache rule, SHA-256 metadata) and a ranged GET on the public URL,
   which must answer 206. Then pages and JSON, then the feed, in one PUT each.
5. Only then remove what is no longer published, so a removed episode leaves
   the feed before its media disappear.
6. The masters go to ``[archive_storage]`` (private; never removed automatically).

A run killed at any point leaves the public feed referring only to complete
objects (S3 makes an object visible only once it is whole), and the next run
finishes the job. The manifest is saved as the work goes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from audioarchive.common.mediatypes import media_type
from audioarchive.config import CONFIG_FILE, DEFAULT_BASE_URL, Settings
from audioarchive.errors import (
    AudioArchiveError,
    ConfigError,
    InputError,
    Problem,
    StorageError,
)
from audioarchive.metadata.session import Workspace
from audioarchive.storage.manifest import (
    LocalHash,
    Manifest,
    RemoteEntry,
    load_manifest,
    manifest_path,
    now_utc,
    save_manifest,
)
from audioarchive.storage.plan import (
    Change,
    Forecast,
    LocalFile,
    ObjectHeaders,
    Phase,
    RemoteHead,
    RemoteObject,
    plan_changes,
    resolve_checks,
    scan_tree,
)
from audioarchive.storage.providers import Target, resolve_target
from audioarchive.storage.public import fetch_range, public_url, range_problem
from audioarchive.storage.transfer import send_files

if TYPE_CHECKING:
    from audioarchive.storage.s3 import Bucket

log = logging.getLogger(__name__)

#: (what is being sent: "media", "pages", "feed", "archive"; fraction of its bytes)
PhaseProgress = Callable[[str, float], None]
ReportAction = Literal["upload", "replace", "adopt", "delete", "keep"]
_SAVE_EVERY = 2.0  # seconds between manifest saves while sending
_PLAN_WORDS = {
    "upload": "new",
    "replace": "changed",
    "adopt": "already there",
    "unchanged": "unchanged",
    "delete": "to remove",
    "keep": "left alone",
}


@dataclass(frozen=True)
class ObjectChange:
    """One object a publish sent, recorded, removed or left alone (or would, with --dry-run)."""

    target: str  # "storage" or "archive_storage"
    url: str  # s3://bucket/key
    relpath: str  # path in feed/ or archive/
    action: ReportAction
    size: int
    reason: str


@dataclass(frozen=True)
class UploadReport:
    changes: tuple[ObjectChange, ...] = ()
    unchanged: int = 0
    bytes_sent: int = 0
    requests: int = 0  # HTTP requests to storage, retries included
    seconds: float = 0.0
    cleaned_uploads: int = 0  # incomplete multipart uploads aborted
    dry_run: bool = False

    def of(self, *actions: ReportAction) -> tuple[ObjectChange, ...]:
        return tuple(c for c in self.changes if c.action in actions)

    @property
    def uploaded(self) -> tuple[str, ...]:
        return tuple(c.url for c in self.of("upload", "replace"))

    @property
    def deleted(self) -> tuple[str, ...]:
        return tuple(c.url for c in self.of("delete"))


@dataclass
class _Job:
    """One target and its tree, with what the run learns about it."""

    target: Target
    root: Path
    manifest_file: Path
    public_base: str | None  # where the tree's objects are read by anyone (public target only)
    manifest: Manifest
    bucket: Bucket | None = None  # sends, with patient retries (made when first needed)
    probe: Bucket | None = None  # lists and HEADs, failing fast
    open_bucket: Callable[[], Bucket] | None = None  # makes ``bucket``
    remote: dict[str, RemoteObject] = field(default_factory=dict)
    local: dict[str, LocalFile] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    sent_bytes: int = 0
    cleaned: int = 0
    last_save: float = 0.0
    hashes_before: dict[str, LocalHash] = field(default_factory=dict)  # the checksum cache, loaded

    def of(self, *actions: str, phase: Phase | None = None) -> list[Change]:
        return [
            c
            for c in self.changes
            if c.action in actions and (phase is None or (c.local and c.local.phase == phase))
        ]


def publish_tree(
    workspace: Workspace,
    *,
    dry_run: bool = False,
    force: bool = False,
    progress: PhaseProgress | None = None,
) -> UploadReport:
    """Upload ``feed/`` to ``[storage]`` and ``archive/`` to ``[archive_storage]``."""
    with connect(workspace) as connection:
        return connection.publish(dry_run=dry_run, force=force, progress=progress)


@contextmanager
def connect(workspace: Workspace) -> Iterator[Connection]:
    """Open each target and list it: the preflight, which raises exit 3 before any work.

    ``publish`` connects first, then builds, then sends: wrong credentials or an
    unreachable endpoint are reported at once, not after the audio work.
    """
    connection = Connection(plan_jobs(workspace))
    try:
        connection.open()
        yield connection
    finally:
        connection.close()


class Connection:
    """The configured targets, listed; :meth:`publish` plans and sends."""

    def __init__(self, jobs: list[_Job]) -> None:
        self.jobs = jobs
        self.preflight_seconds = 0.0

    def open(self) -> None:
        started = time.monotonic()
        for job in self.jobs:
            job.probe, job.open_bucket = open_probe(job.target)
        for job in self.jobs:
            job.remote = _probe(job).list_objects()
        self.preflight_seconds = time.monotonic() - started

    def publish(
        self,
        *,
        dry_run: bool = False,
        force: bool = False,
        progress: PhaseProgress | None = None,
        forecast: Forecast | None = None,
    ) -> UploadReport:
        """Plan and send; with ``dry_run``, ``forecast`` says what the skipped build would
        change in ``feed/``, so that the plan names the files the real publish sends."""
        started = time.monotonic() - self.preflight_seconds  # the time spent, build excluded
        for job in self.jobs:
            _plan(
                job, force=force, dry_run=dry_run, forecast=forecast if job.target.public else None
            )
        if not dry_run:
            for job in self.jobs:
                _run(job, progress or (lambda _label, _fraction: None))
        return _report(self.jobs, started, dry_run=dry_run)

    def close(self) -> None:
        for job in self.jobs:
            for client in (job.probe, job.bucket):
                if client is not None:
                    client.close()


def open_buckets(target: Target) -> tuple[Bucket, Bucket]:
    """Two clients for ``target``: one failing fast (preflight, HEADs), one patient (sends)."""
    probe, open_bucket = open_probe(target)
    return probe, open_bucket()


def open_probe(target: Target) -> tuple[Bucket, Callable[[], Bucket]]:
    """The client failing fast (preflight, listings, HEADs), and what makes the patient one
    (sends): a publish with nothing to send never makes it.

    boto3 is imported here, when storage is actually used: it takes a third of a
    second, which only publish and verify --remote pay.
    """
    from audioarchive.storage.s3 import Bucket, new_session  # noqa: PLC0415

    session = new_session(target)
    return Bucket(target, preflight=True, session=session), lambda: Bucket(target, session=session)


def _bucket(job: _Job) -> Bucket:
    if job.bucket is None:
        if job.open_bucket is None:
            raise RuntimeError("the storage client is not open")
        job.bucket = job.open_bucket()
    return job.bucket


def _probe(job: _Job) -> Bucket:
    if job.probe is None:
        raise RuntimeError("the storage client is not open")
    return job.probe


def plan_jobs(workspace: Workspace) -> list[_Job]:
    """The configured targets with their trees and manifests; ``ConfigError`` if unusable."""
    settings = workspace.settings
    paths = workspace.paths
    jobs = []
    if settings.storage is not None:
        target = resolve_target(settings.storage, "storage")
        jobs.append(_job(target, paths.feed, paths.state, _public_base(settings)))
    if settings.archive_storage is not None:
        target = resolve_target(settings.archive_storage, "archive_storage")
        _check_private(settings, target)
        jobs.append(_job(target, paths.archive, paths.state, None))
    return jobs


def _job(target: Target, root: Path, state: Path, public_base: str | None) -> _Job:
    path = manifest_path(state, target.section)
    return _Job(target, root, path, public_base, load_manifest(path, target.identity))


def _public_base(settings: Settings) -> str:
    storage = settings.storage
    if settings.site.base_url.rstrip("/") == DEFAULT_BASE_URL:
        raise ConfigError(
            [
                Problem(
                    CONFIG_FILE,
                    "site.base_url",
                    f'is still "{DEFAULT_BASE_URL}": the feed would send listeners to this '
                    "computer; expected the public address of the published tree, e.g. "
                    '"https://BUCKET.s3.fr-par.scw.cloud/PREFIX" or your own domain',
                )
            ]
        )
    base = storage.public_url if storage and storage.public_url else settings.site.base_url
    return base.rstrip("/")


def _check_private(settings: Settings, archive: Target) -> None:
    storage = settings.storage
    if storage is not None and storage.bucket == archive.bucket:
        same_endpoint = (storage.endpoint_url or "") == (archive.endpoint_url or "") or (
            archive.endpoint_url is None or storage.endpoint_url is None
        )
        if same_endpoint:
            raise ConfigError(
                [
                    Problem(
                        CONFIG_FILE,
                        "archive_storage.url",
                        f'uses the bucket "{archive.bucket}" of [storage]; expected a private '
                        "bucket of its own: masters never go to public storage",
                    )
                ]
            )


# --- planning -------------------------------------------------------------------------------


def _plan(
    job: _Job, *, force: bool, dry_run: bool = False, forecast: Forecast | None = None
) -> None:
    job.hashes_before = dict(job.manifest.hashes)
    job.local = scan_tree(job.root, job.manifest.hashes, public=job.target.public)
    if forecast is not None and dry_run:
        job.local = forecast.apply(job.local, public=job.target.public)
    changes = plan_changes(
        job.local,
        job.manifest,
        job.remote,
        key_of=job.target.key,
        allow_delete=job.target.public,
        force=force,
    )
    head: Callable[[str], RemoteHead | None] = _probe(job).head
    job.changes = resolve_checks(changes, head)
    if forecast is not None and dry_run:
        job.changes = forecast.explain(job.changes)
    if job.target.public:
        try:
            _check_tree(job)
        except InputError as err:
            if not dry_run:
                raise
            log.warning("%s (%s)", err.message, err.hint)
    counts = {a: sum(1 for c in job.changes if c.action == a) for a in _PLAN_WORDS}
    summary = ", ".join(f"{n} {_PLAN_WORDS[a]}" for a, n in counts.items() if n)
    log.info("storage: %s: %s", job.target.url, summary or "empty")


def _check_tree(job: _Job) -> None:
    """Refuse a tree that would empty the published podcast: most likely a machine without
    the recordings (nothing built), not a wish to remove every episode."""
    if "feed.xml" not in job.local:
        raise InputError(
            f"{job.root.name}/feed.xml is missing: there is nothing to publish",
            hint="run 'audioarchive build' first",
        )
    audio = [f for f in job.local.values() if f.content_type.startswith("audio/")]
    deleted = (c for c in job.changes if c.action == "delete")
    removed = [c for c in deleted if media_type(c.relpath).startswith("audio/")]
    if removed and not audio:
        raise InputError(
            f"publishing would remove every published episode ({len(removed)} audio files) "
            f"from {job.target.url}, and send none: are the recordings on this computer?",
            hint="'audioarchive list' shows which sessions have recordings; to take the whole "
            "podcast down, delete the objects with your provider's tools",
        )


# --- running --------------------------------------------------------------------------------


def _run(job: _Job, progress: PhaseProgress) -> None:
    job.cleaned = _clean_incomplete(job)
    if _nothing_to_do(job):
        # no run recorded: the manifest is written only when its checksum cache changed
        if job.manifest.hashes != job.hashes_before:
            _save(job)
        return
    job.manifest.run += 1
    for change in job.of("adopt"):
        _record(job, change, change.etag)
    if job.target.public:
        _publish_public(job, progress)
    else:
        _send(job, job.of("upload", "replace"), "archive", progress)
        _verify(job, [c.local for c in job.of("upload", "replace", "adopt") if c.local])
    job.manifest.completed_at = now_utc()
    _save(job)


def _nothing_to_do(job: _Job) -> bool:
    """Nothing to send, record, verify or remove, and the last run finished (its feed went
    up): a publish with nothing changed makes no request beyond the listings."""
    if job.cleaned or job.of("upload", "replace", "adopt", "delete"):
        return False
    if job.target.public:
        return job.manifest.feed_run == job.manifest.run and not _unverified_media(job)
    return True


def _publish_public(job: _Job, progress: PhaseProgress) -> None:
    sending = ("upload", "replace")
    _send(job, job.of(*sending, phase="media"), "media", progress)
    _verify(job, _unverified_media(job))
    _send(job, job.of(*sending, phase="pages"), "pages", progress)
    feeds = sorted(job.of(*sending, phase="feed"), key=lambda c: c.relpath == "feed.xml")
    _send(job, feeds, "feed", progress, allow_multipart=False)
    job.manifest.feed_run = job.manifest.run
    _save(job)
    _delete(job, job.of("delete"))


def _clean_incomplete(job: _Job) -> int:
    uploads = _probe(job).incomplete_uploads()  # a listing, as the preflight's
    for key, upload_id in uploads:
        _bucket(job).abort_multipart(key, upload_id)
        log.info("storage: removed an incomplete upload of %s left by an interrupted run", key)
    return len(uploads)


def _send(
    job: _Job,
    changes: list[Change],
    label: str,
    progress: PhaseProgress,
    *,
    allow_multipart: bool = True,
) -> None:
    if not changes:
        return
    acl = job.target.acl
    total = sum(c.size for c in changes)
    log.info("storage: sending %s: %d file(s), %s", label, len(changes), human_size(total))

    def sent(change: Change, etag: str) -> None:
        _record(job, change, etag)
        if time.monotonic() - job.last_save > _SAVE_EVERY:
            _save(job)

    job.sent_bytes += send_files(
        _bucket(job),
        changes,
        lambda file: ObjectHeaders(file.content_type, file.cache_control, file.sha256, acl),
        on_sent=sent,
        on_progress=lambda done, whole: progress(label, done / whole if whole else 1.0),
        allow_multipart=allow_multipart,
    )
    _save(job)


def _record(job: _Job, change: Change, etag: str) -> None:
    file = change.local
    if file is None:
        return
    job.manifest.objects[change.relpath] = RemoteEntry(
        key=change.key,
        size=file.size,
        sha256=file.sha256,
        etag=etag,
        content_type=file.content_type,
        cache_control=file.cache_control,
        run=job.manifest.run,
        verified=False,
    )


def _unverified_media(job: _Job) -> list[LocalFile]:
    out = []
    for relpath, file in sorted(job.local.items()):
        entry = job.manifest.objects.get(relpath)
        if file.phase == "media" and entry is not None and not entry.verified:
            out.append(file)
    return out


def _verify(job: _Job, files: list[LocalFile]) -> None:
    """HEAD each object, and GET a byte range of its public URL; raise before the feed if wrong."""
    if not files:
        return
    log.info("storage: verifying %d object(s) (HEAD, and a byte range of public ones)", len(files))
    with ThreadPoolExecutor(max_workers=job.target.concurrency) as pool:
        problems = [p for p in pool.map(lambda f: _check_object(job, f), files) if p]
    if problems:
        _save(job)
        access = any("publicly readable" in p or "404" in p for p in problems)
        raise StorageError(
            f"storage: {len(problems)} object(s) failed verification, so the feed was not "
            "updated:\n" + "\n".join(f"  {p}" for p in problems),
            bucket=job.target.bucket,
            hint=job.target.public_hint if access else None,
        )
    for file in files:
        entry = job.manifest.objects[file.relpath]
        job.manifest.objects[file.relpath] = replace(entry, verified=True)
    _save(job)


def _check_object(job: _Job, file: LocalFile) -> str | None:
    key = job.target.key(file.relpath)
    found = _bucket(job).head(key)
    problem = head_problem(file, found)
    if problem is not None:
        return f"s3://{job.target.bucket}/{key}: {problem}"
    if job.public_base is None:
        return None
    url = public_url(job.public_base, file.relpath)
    try:
        answer = fetch_range(url, timeout=job.target.timeout)
    except OSError as err:
        return f"{url}: cannot be read ({err})"
    problem = range_problem(
        answer,
        size=file.size,
        content_type=file.content_type,
        require_206=file.content_type.startswith("audio/"),
    )
    return f"{url} {problem}" if problem else None


def head_problem(file: LocalFile, found: RemoteHead | None) -> str | None:
    """What differs between the object and the file it should hold, or ``None``."""
    if found is None:
        return "missing"
    if found.size != file.size:
        return f"holds {found.size} bytes, expected {file.size}"
    if found.sha256 != file.sha256:
        return f"SHA-256 metadata is {found.sha256 or 'absent'}, expected {file.sha256}"
    if _type(found.content_type) != _type(file.content_type):
        return f'Content-Type is "{found.content_type}", expected "{file.content_type}"'
    if (found.cache_control or None) != file.cache_control:
        return f'Cache-Control is "{found.cache_control}", expected "{file.cache_control}"'
    return None


def _type(value: str) -> str:
    return ";".join(part.strip() for part in value.lower().split(";"))


def _delete(job: _Job, changes: list[Change]) -> None:
    if not changes:
        return
    bucket = _bucket(job)
    log.info("storage: removing %d object(s) no longer published", len(changes))
    failures = []

    def remove(change: Change) -> str | None:
        try:
            bucket.delete(change.key)
        except AudioArchiveError as err:
            return err.message
        return None

    with ThreadPoolExecutor(max_workers=job.target.concurrency) as pool:
        results = list(pool.map(remove, changes))
    for change, failure in zip(changes, results, strict=True):
        if failure is None:
            job.manifest.objects.pop(change.relpath, None)
        else:
            failures.append(failure)
    _save(job)
    if failures:
        raise StorageError(
            f"storage: {len(failures)} old object(s) could not be removed (the feed is up to "
            "date; the next publish tries again):\n" + "\n".join(f"  {f}" for f in failures),
            bucket=job.target.bucket,
        )


def _save(job: _Job) -> None:
    save_manifest(job.manifest_file, job.manifest)
    job.last_save = time.monotonic()


# --- reporting ------------------------------------------------------------------------------


def _report(jobs: list[_Job], started: float, *, dry_run: bool) -> UploadReport:
    changes = []
    unchanged = 0
    for job in jobs:
        for change in job.changes:
            if change.action == "unchanged":
                unchanged += 1
                continue
            action: ReportAction = change.action  # type: ignore[assignment]
            changes.append(
                ObjectChange(
                    target=job.target.section,
                    url=f"s3://{job.target.bucket}/{change.key}",
                    relpath=change.relpath,
                    action=action,
                    size=change.size,
                    reason=change.reason,
                )
            )
    return UploadReport(
        changes=tuple(changes),
        unchanged=unchanged,
        bytes_sent=sum(j.sent_bytes for j in jobs),
        requests=sum(
            (j.probe.requests if j.probe else 0) + (j.bucket.requests if j.bucket else 0)
            for j in jobs
        ),
        seconds=round(time.monotonic() - started, 3),
        cleaned_uploads=sum(j.cleaned for j in jobs),
        dry_run=dry_run,
    )


def human_size(size: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"
