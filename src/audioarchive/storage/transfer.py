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

from audioarchive.errors import AudioArchiveError
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
    target = bucket.target
    total = sum(c.size for c in changes)
    counter = _Counter()
    jobs: dict[Future[str], _Job] = {}
    multiparts: list[_Multipart] = []
    pool = ThreadPoolExecutor(max_workers=target.concurrency, thread_name_prefix="upload")
    try:
        for change in changes:
            file = change.local
            if file is None:
                continue
            headers = headers_for(file)
            log.debug("storage: sending %s (%d bytes, %s)", change.key, file.size, change.reason)
            if not (allow_multipart and target.uses_multipart(file.size)):
                future = pool.submit(bucket.put_file, change.key, file.path, headers, counter.add)
                jobs[future] = _Job(change)
                continue
            upload_id = bucket.start_multipart(change.key, headers)
            ranges = part_ranges(file.size, target.part_size_for(file.size))
            upload = _Multipart(change, upload_id, [""] * len(ranges), len(ranges))
            multiparts.append(upload)
            for number, offset, length in ranges:
                future = pool.submit(
                    _send_part, bucket, change.key, upload_id, file.path, number, offset, length,
                    counter.add,
                )  # fmt: skip
                jobs[future] = _Job(change, upload, number)
        while jobs:
            done, _ = wait(list(jobs), timeout=0.2, return_when=FIRST_COMPLETED)
            if on_progress is not None:
                on_progress(min(counter.value, total), total)
            for future in done:
                job = jobs.pop(future)
                etag = future.result()
                if job.multipart is None:
                    on_sent(job.change, etag)
                    continue
                upload = job.multipart
                upload.etags[job.number - 1] = etag
                upload.remaining -= 1
                if upload.remaining == 0:
                    key, upload_id = upload.change.key, upload.upload_id
                    final = bucket.finish_multipart(key, upload_id, upload.etags)
                    upload.done = True
                    on_sent(upload.change, final)
    except BaseException:
        for future in jobs:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        _abort(bucket, [u for u in multiparts if not u.done])
        raise
    pool.shutdown(wait=True)
    if on_progress is not None:
        on_progress(total, total)
    return total


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
