"""Sending files to SeaweedFS through the library: multipart uploads, progress, aborts."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from audioarchive.errors import StorageError
from audioarchive.storage.plan import Change, LocalFile, ObjectHeaders
from audioarchive.storage.providers import MiB, Target
from audioarchive.storage.s3 import Bucket
from audioarchive.storage.transfer import send_files
from tests.storage.helpers import head
from tests.storage.seaweed import PUBLIC_BUCKET, S3Server

pytestmark = pytest.mark.s3


def target(server: S3Server, prefix: str, **changes: object) -> Target:
    base = Target(
        section="storage",
        url=f"s3://{PUBLIC_BUCKET}/{prefix}",
        bucket=PUBLIC_BUCKET,
        prefix=prefix,
        endpoint_url=server.endpoint,
        region="us-east-1",
        addressing_style="path",
        acl=None,
        max_parts=10_000,
        concurrency=3,
        timeout=20.0,
        public=True,
        multipart_threshold=6 * MiB,
        part_size=5 * MiB,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def change_for(path: Path, relpath: str, key: str) -> Change:
    data = path.read_bytes()
    file = LocalFile(
        relpath=relpath,
        path=path,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type="audio/mpeg",
        cache_control="public, max-age=31536000, immutable",
        phase="media",
    )
    return Change(relpath, key, "upload", "new", file, file.size)


def headers(file: LocalFile) -> ObjectHeaders:
    return ObjectHeaders(file.content_type, file.cache_control, file.sha256, None)


def test_a_large_file_goes_up_in_parts_with_progress(
    seaweedfs: S3Server, s3_env: dict[str, str], prefix: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.mp3"
    big.write_bytes(os.urandom(12 * MiB + 12345))
    small = tmp_path / "small.mp3"
    small.write_bytes(os.urandom(300_000))
    changes = [
        change_for(big, "big.mp3", f"{prefix}/big.mp3"),
        change_for(small, "small.mp3", f"{prefix}/small.mp3"),
    ]
    sent: dict[str, str] = {}
    progress: list[tuple[int, int]] = []
    bucket = Bucket(target(seaweedfs, prefix))
    try:
        total = send_files(
            bucket,
            changes,
            headers,
            on_sent=lambda c, etag: sent.__setitem__(c.relpath, etag),
            on_progress=lambda done, whole: progress.append((done, whole)),
        )
        requests = bucket.requests
    finally:
        bucket.close()
    assert total == big.stat().st_size + small.stat().st_size
    assert sent["big.mp3"].endswith('-3"')  # three parts: 5 MiB, 5 MiB, the rest
    assert not sent["small.mp3"].endswith('-1"')
    assert requests == 1 + 3 + 1 + 1  # start, parts, complete; one PUT
    assert progress[-1] == (total, total)
    assert all(done <= whole for done, whole in progress)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    info = head(seaweedfs, f"{prefix}/big.mp3")
    assert info["ContentLength"] == big.stat().st_size
    assert info["ContentType"] == "audio/mpeg"
    assert info["Metadata"]["sha256"] == changes[0].local.sha256  # type: ignore[union-attr]
    client = seaweedfs.client()
    try:
        body = client.get_object(Bucket=PUBLIC_BUCKET, Key=f"{prefix}/big.mp3")["Body"].read()
    finally:
        client.close()
    assert body == big.read_bytes()


def test_a_failed_multipart_upload_is_aborted(
    seaweedfs: S3Server, s3_env: dict[str, str], prefix: str, tmp_path: Path
) -> None:
    big = tmp_path / "big.mp3"
    big.write_bytes(os.urandom(11 * MiB))
    change = change_for(big, "big.mp3", f"{prefix}/big.mp3")
    bucket = Bucket(target(seaweedfs, prefix))

    # part 2 is damaged on the way: the server refuses it (BadDigest), for good
    original = bucket.put_part

    def damaged(
        key: str, upload_id: str, number: int, data: bytes, on_bytes: Callable[[int], None]
    ) -> str:
        if number != 2:
            return original(key, upload_id, number, data, on_bytes)
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        answer = bucket._call(
            "upload part 2 of",
            key,
            bucket.client.upload_part,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=data[:-1] + b"!",
            ContentMD5=md5,
        )
        return str(answer["ETag"])

    bucket.put_part = damaged  # type: ignore[method-assign]
    try:
        with pytest.raises(StorageError, match=r"upload part 2 of .* BadDigest"):
            send_files(bucket, [change], headers, on_sent=lambda _c, _e: None)
    finally:
        bucket.close()
    client = seaweedfs.client()
    try:
        left = client.list_multipart_uploads(Bucket=PUBLIC_BUCKET, Prefix=f"{prefix}/")
        assert left.get("Uploads", []) == []
        listed = client.list_objects_v2(Bucket=PUBLIC_BUCKET, Prefix=f"{prefix}/")
        assert listed.get("Contents", []) == []
    finally:
        client.close()


def test_part_sizes_respect_the_provider_limit(seaweedfs: S3Server, prefix: str) -> None:
    scaleway_like = target(seaweedfs, prefix, max_parts=1000, part_size=8 * MiB)
    size = 20_000 * MiB  # a 20 GB file: 1000 parts of 20 MiB
    part = scaleway_like.part_size_for(size)
    assert part == 20 * MiB
    assert -(-size // part) <= 1000
