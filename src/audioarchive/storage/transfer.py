"""Sending files: one PUT each, or a multipart upload for large ones, with bounded concurrency.

The calling thread submits the work to a pool of ``Target.concurrency`` threads
(whole small files and the parts of large ones alike, so that no task ever waits
for another), reports progress, and completes each multipart upload when its last
part is in. Retries with exponential backoff happen inside botocore (standard
mode, per request, so a failed part is retried alone). If anything fails, the
pending work is cancelled and every multipart upload started here is aborted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from audioarchive.errors import AudioArchiveError, StorageError
from audioarchive.storage.plan import Change, LocalFile, ObjectHeaders

if TYPE_CHECKING:
    from audioarchive.storage.s3 import Bucket

log = logging.getLogger(__name__)

SentCallback = Callable[[Change, str], None]  # the change and the object's ETag
BytesProgress = Callable[[int, int], None]  # bytes sent so far, bytes to send


@dataclass
class _Counter:
    value: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, count: int) -> None:
        with self.lock:
            self.value += count


@dataclass
class _Multipart:
    change: Change
    upload_id: str
    etags: list[str]
    remaining: int
    done: bool = False


@dataclass(frozen=True)
class _Job:
    change: Change
    multipart: _Multipart | None = None
    number: int = 0  # the part number, for a multipart job


def part_ranges(size: int, part_size: int) -> list[tuple[int, int, int]]:
    """``(number, offset, length)`` of each part; numbers start at 1."""
    ranges = []
    offset, number = 0, 1
    while offset < size:
        length = min(part_size, size - offset)
        ranges.append((number, offset, length))
        offset += length
        number += 1
    return ranges


def send_files(
    bucket: Bucket,
    changes: Sequence[Change],
    headers_for: Callable[[LocalFile], ObjectHeaders],
    *,
    on_sent: SentCallback,
    on_progress: BytesProgress | None = None,
    allow_multipart: bool = True,
) -> int:
    """Send the local file of each change to its key; return the bytes sent."""
    total = sum(c.size for c in changes)
    sender = _Sender(bucket, on_sent, allow_multipart=allow_multipart)
    try:
        for change in changes:
            if change.local is not None:
                sender.submit(change, headers_for(change.local))
        while sender.jobs:
            sender.collect()
            if on_progress is not None:
                on_progress(min(sender.counter.value, total), total)
    except BaseException:
        sender.cancel()
        raise
    sender.pool.shutdown(wait=True)
    if on_progress is not None:
        on_progress(total, total)
    return total


class _Sender:
    """The pool, the pending jobs and the multipart uploads of one :func:`send_files`."""

    def __init__(self, bucket: Bucket, on_sent: SentCallback, *, allow_multipart: bool) -> None:
        self.bucket = bucket
        self.target = bucket.target
        self.on_sent = on_sent
        self.allow_multipart = allow_multipart
        self.counter = _Counter()
        self.jobs: dict[Future[str], _Job] = {}
        self.multiparts: list[_Multipart] = []
        self.pool = ThreadPoolExecutor(
            max_workers=self.target.concurrency, thread_name_prefix="upload"
        )

    def submit(self, change: Change, headers: ObjectHeaders) -> None:
        file = change.local
        if file is None:
            return
        log.debug("storage: sending %s (%d bytes, %s)", change.key, file.size, change.reason)
        if not (self.allow_multipart and self.target.uses_multipart(file.size)):
            future = self.pool.submit(
                self.bucket.put_file, change.key, file.path, headers, self.counter.add
            )
            self.jobs[future] = _Job(change)
            return
        part_size = self.target.part_size_for(file.size)
        ranges = part_ranges(file.size, part_size)
        if len(ranges) > self.target.max_parts:
            raise StorageError(
                f"storage: {file.path} is too large for this provider ({len(ranges)} parts "
                f"of {part_size} bytes; at most {self.target.max_parts} parts)",
                bucket=self.target.bucket,
                key=change.key,
            )
        upload_id = self.bucket.start_multipart(change.key, headers)
        upload = _Multipart(change, upload_id, [""] * len(ranges), len(ranges))
        self.multiparts.append(upload)
        for number, offset, length in ranges:
            future = self.pool.submit(
                _send_part, self.bucket, change.key, upload_id, file.path, number, offset,
                length, self.counter.add,
            )  # fmt: skip
            self.jobs[future] = _Job(change, upload, number)

    def collect(self) -> None:
        """Wait a little for jobs to end; record them, completing finished multipart uploads."""
        done, _ = wait(list(self.jobs), timeout=0.2, return_when=FIRST_COMPLETED)
        for future in done:
            job = self.jobs.pop(future)
            etag = future.result()
            upload = job.multipart
            if upload is None:
                self.on_sent(job.change, etag)
                continue
            upload.etags[job.number - 1] = etag
            upload.remaining -= 1
            if upload.remaining == 0:
                key, upload_id = upload.change.key, upload.upload_id
                final = self.bucket.finish_multipart(key, upload_id, upload.etags)
                upload.done = True
                self.on_sent(upload.change, final)

    def cancel(self) -> None:
        for future in self.jobs:
            future.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)
        _abort(self.bucket, [u for u in self.multiparts if not u.done])


def _send_part(
    bucket: Bucket,
    key: str,
    upload_id: str,
    path: Path,
    number: int,
    offset: int,
    length: int,
    on_bytes: Callable[[int], None],
) -> str:
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read(length)
    log.debug("storage: part %d of %s (%d bytes)", number, key, length)
    return bucket.put_part(key, upload_id, number, data, on_bytes)


def _abort(bucket: Bucket, uploads: list[_Multipart]) -> None:
    for upload in uploads:
        try:
            bucket.abort_multipart(upload.change.key, upload.upload_id)
            log.info("storage: abandoned the partial upload of %s", upload.change.key)
        except AudioArchiveError as err:
            log.warning("%s (the next publish cleans it up)", err.message)
