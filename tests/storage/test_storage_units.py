"""The storage stage's pure parts: presets, planning, manifest, redaction, checks (no server)."""

from __future__ import annotations

import fcntl
import io
import logging
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
from hypothesis import given
from hypothesis import strategies as st

from audioarchive.common.locking import workspace_lock
from audioarchive.common.mediatypes import IMMUTABLE, SHORT
from audioarchive.config import StorageSettings, load_settings
from audioarchive.errors import (
    ConfigError,
    ExitCode,
    StorageError,
    StorageUnavailableError,
    WorkspaceLockedError,
)
from audioarchive.storage.manifest import (
    LocalHash,
    Manifest,
    RemoteEntry,
    load_manifest,
    save_manifest,
)
from audioarchive.storage.plan import (
    Change,
    LocalFile,
    ObjectHeaders,
    RemoteHead,
    RemoteObject,
    phase_of,
    plan_changes,
    resolve_checks,
    scan_tree,
)
from audioarchive.storage.providers import (
    MAX_PART_SIZE,
    PRESETS,
    MiB,
    resolve_target,
)
from audioarchive.storage.public import RangeAnswer, range_problem
from audioarchive.storage.publisher import head_problem
from audioarchive.storage.redact import RedactingFilter, redact
from audioarchive.storage.s3 import Bucket, CountingReader
from audioarchive.storage.transfer import part_ranges

# --- presets and targets ----------------------------------------------------------------------


def settings(**changes: object) -> StorageSettings:
    base = StorageSettings(url="s3://bucket/pre/fix/", bucket="bucket", prefix="pre/fix")
    return replace(base, **changes)  # type: ignore[arg-type]


def test_presets_fill_in_endpoint_region_parts_and_acl() -> None:
    scaleway = resolve_target(settings(provider="scaleway"), "storage")
    assert scaleway.endpoint_url == "https://s3.fr-par.scw.cloud"
    assert scaleway.region == "fr-par"
    assert scaleway.max_parts == 1000
    assert scaleway.acl == "public-read"
    assert scaleway.addressing_style == "virtual"
    assert scaleway.key("feed.xml") == "pre/fix/feed.xml"
    assert scaleway.relpath("pre/fix/episodes/a.mp3") == "episodes/a.mp3"
    assert scaleway.relpath("elsewhere/a.mp3") is None
    ovh = resolve_target(settings(provider="ovh", region="sbg"), "storage")
    assert ovh.endpoint_url == "https://s3.sbg.io.cloud.ovh.net"
    aws = resolve_target(settings(provider="aws", region="eu-west-3"), "storage")
    assert aws.endpoint_url is None  # boto3 knows AWS
    assert aws.acl is None  # new AWS buckets refuse ACLs
    minio = resolve_target(settings(provider="minio", endpoint_url="http://nas:9000"), "storage")
    assert (minio.addressing_style, minio.acl, minio.region) == ("path", None, "us-east-1")


def test_user_keys_override_the_preset() -> None:
    target = resolve_target(
        settings(
            provider="scaleway",
            region="nl-ams",
            acl="none",
            addressing_style="path",
            concurrency=8,
            timeout=5.0,
        ),
        "storage",
    )
    assert target.endpoint_url == "https://s3.nl-ams.scw.cloud"
    assert target.acl is None
    assert target.addressing_style == "path"
    assert (target.concurrency, target.timeout) == (8, 5.0)
    generic = resolve_target(
        settings(endpoint_url="https://s3.example.net", acl="public-read"), "storage"
    )
    assert generic.acl == "public-read"


def test_masters_are_never_sent_with_a_public_acl() -> None:
    archive = resolve_target(settings(provider="scaleway"), "archive_storage")
    assert archive.acl is None
    assert not archive.public


def test_presets_that_need_an_endpoint_or_a_region_say_so() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_target(settings(provider="r2"), "storage")
    assert "audioarchive.toml: storage.endpoint_url: required for provider" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        resolve_target(settings(provider="b2"), "archive_storage")
    assert "archive_storage.region: required for provider" in str(caught.value)
    b2 = resolve_target(settings(provider="b2", region="us-west-004"), "storage")
    assert b2.endpoint_url == "https://s3.us-west-004.backblazeb2.com"


def test_every_provider_has_a_preset_and_a_public_hint() -> None:
    from audioarchive.config import PROVIDERS  # noqa: PLC0415

    assert sorted(PRESETS) == sorted(PROVIDERS)
    assert all(p.public_hint for p in PRESETS.values())


@given(
    fraction=st.floats(min_value=0, max_value=1),
    max_parts=st.sampled_from([1000, 10_000]),
)
def test_part_sizes_stay_within_the_part_count(fraction: float, max_parts: int) -> None:
    target = replace(
        resolve_target(settings(endpoint_url="http://x"), "storage"), max_parts=max_parts
    )
    size = max(1, int(fraction * max_parts * MAX_PART_SIZE))  # the largest any upload can be
    part = target.part_size_for(size)
    assert 8 * MiB <= part <= MAX_PART_SIZE
    assert part % MiB == 0
    assert -(-size // part) <= max_parts


@given(size=st.integers(min_value=1, max_value=10**9), part=st.integers(5 * MiB, 64 * MiB))
def test_part_ranges_cover_the_file(size: int, part: int) -> None:
    ranges = part_ranges(size, part)
    assert [n for n, _, _ in ranges] == list(range(1, len(ranges) + 1))
    assert sum(length for _, _, length in ranges) == size
    offset = 0
    for _number, start, length in ranges:
        assert start == offset
        offset += length
    assert all(length == part for _, _, length in ranges[:-1])


# --- planning ---------------------------------------------------------------------------------


def local(relpath: str, sha: str = "a" * 64, size: int = 10) -> LocalFile:
    return LocalFile(relpath, Path(relpath), size, sha, "audio/mpeg", IMMUTABLE, phase_of(relpath))


def entry(relpath: str, sha: str = "a" * 64, size: int = 10, etag: str = '"e"') -> RemoteEntry:
    return RemoteEntry(f"p/{relpath}", size, sha, etag, "audio/mpeg", IMMUTABLE, run=1)


def plan(
    files: list[LocalFile],
    entries: list[RemoteEntry],
    remote: list[RemoteObject],
    *,
    allow_delete: bool = True,
    force: bool = False,
) -> dict[str, Change]:
    manifest = Manifest("t", objects={e.key.removeprefix("p/"): e for e in entries})
    changes = plan_changes(
        {f.relpath: f for f in files},
        manifest,
        {o.key.removeprefix("p/"): o for o in remote},
        key_of=lambda r: f"p/{r}",
        allow_delete=allow_delete,
        force=force,
    )
    return {c.relpath: c for c in changes}


def test_plan_cases() -> None:
    same = local("a.mp3")
    new = local("b.mp3")
    changed = local("c.mp3", sha="c" * 64)
    behind_back = local("d.mp3")
    unknown = local("e.mp3")
    retyped = replace(local("f.mp3"), content_type="audio/mp4")
    changes = plan(
        [same, new, changed, behind_back, unknown, retyped],
        [
            entry("a.mp3"),
            entry("c.mp3"),
            entry("d.mp3"),
            entry("f.mp3"),
            entry("gone.mp3"),
        ],
        [
            RemoteObject("p/a.mp3", 10, '"e"'),
            RemoteObject("p/c.mp3", 10, '"e"'),
            RemoteObject("p/d.mp3", 10, '"other"'),
            RemoteObject("p/e.mp3", 10, '"e"'),
            RemoteObject("p/f.mp3", 10, '"e"'),
            RemoteObject("p/gone.mp3", 10, '"e"'),
            RemoteObject("p/stranger.txt", 3, '"s"'),
        ],
    )
    assert {k: (c.action, c.reason) for k, c in changes.items()} == {
        "a.mp3": ("unchanged", ""),
        "b.mp3": ("upload", "new"),
        "c.mp3": ("replace", "new content"),
        "d.mp3": ("check", "changed remotely"),
        "e.mp3": ("check", "not in the manifest"),
        "f.mp3": ("replace", "new headers"),
        "gone.mp3": ("delete", "no longer published"),
        "stranger.txt": ("check_remote", ""),
    }
    assert changes["b.mp3"].key == "p/b.mp3"
    private = plan([], [entry("gone.mp3")], [RemoteObject("p/gone.mp3", 1, "")], allow_delete=False)
    assert private["gone.mp3"].action == "keep"
    forced = plan([same], [entry("a.mp3")], [RemoteObject("p/a.mp3", 10, '"e"')], force=True)
    assert forced["a.mp3"].action == "replace"


def test_checks_are_resolved_by_the_checksum_metadata() -> None:
    heads = {
        "p/same.mp3": RemoteHead(10, '"x"', "audio/mpeg", IMMUTABLE, "a" * 64, ours=True),
        "p/other.mp3": RemoteHead(10, '"x"', "audio/mpeg", IMMUTABLE, "b" * 64, ours=True),
        "p/plain.mp3": RemoteHead(10, '"x"', "audio/mpeg", None, "a" * 64, ours=True),
        "p/ours.txt": RemoteHead(3, '"x"', "text/plain", SHORT, "c" * 64, ours=True),
        "p/theirs.txt": RemoteHead(3, '"x"', "text/plain", None, None, ours=False),
    }
    checks = [
        Change("same.mp3", "p/same.mp3", "check", "", local("same.mp3"), 10),
        Change("other.mp3", "p/other.mp3", "check", "", local("other.mp3"), 10),
        Change("plain.mp3", "p/plain.mp3", "check", "", local("plain.mp3"), 10),
        Change("vanished.mp3", "p/vanished.mp3", "check", "", local("vanished.mp3"), 10),
        Change("ours.txt", "p/ours.txt", "check_remote", size=3),
        Change("theirs.txt", "p/theirs.txt", "check_remote", size=3),
        Change("gone.txt", "p/gone.txt", "check_remote", size=3),
        Change("kept.mp3", "p/kept.mp3", "unchanged", "", local("kept.mp3"), 10),
    ]
    resolved = {c.relpath: (c.action, c.reason) for c in resolve_checks(checks, heads.get)}
    assert resolved == {
        "same.mp3": ("adopt", "already there"),
        "other.mp3": ("replace", "different content"),
        "plain.mp3": ("replace", "new headers"),
        "vanished.mp3": ("upload", "new"),
        "ours.txt": ("delete", "left by an earlier publish"),
        "theirs.txt": ("keep", "not put by audioarchive"),
        "kept.mp3": ("unchanged", ""),
    }


def test_phases() -> None:
    assert phase_of("episodes/a/a-0123456789.mp3") == "media"
    assert phase_of("images/show-0123456789.png") == "media"
    assert phase_of("episodes/a/index.html") == "pages"
    assert phase_of("episodes/a/chapters.json") == "pages"
    assert phase_of("feed.xml") == "feed"


def test_scan_tree_reuses_checksums_and_skips_temporaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "episodes").mkdir()
    (tmp_path / "episodes" / "a.mp3").write_bytes(b"mp3")
    (tmp_path / "feed.xml").write_bytes(b"<rss/>")
    (tmp_path / ".tmp-feed.xml").write_bytes(b"partial")
    hashes: dict[str, LocalHash] = {"gone.html": LocalHash(1, 1, "0" * 64)}
    files = scan_tree(tmp_path, hashes, public=True)
    assert sorted(files) == ["episodes/a.mp3", "feed.xml"]
    assert sorted(hashes) == ["episodes/a.mp3", "feed.xml"]
    assert files["feed.xml"].cache_control == SHORT
    assert files["feed.xml"].content_type == "application/rss+xml; charset=utf-8"
    assert files["episodes/a.mp3"].phase == "media"

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"{path} hashed again")

    monkeypatch.setattr("audioarchive.storage.plan.sha256_file", no_hashing)
    again = scan_tree(tmp_path, hashes, public=False)
    assert again["episodes/a.mp3"].sha256 == files["episodes/a.mp3"].sha256
    assert again["feed.xml"].cache_control is None  # private: no cache rule


def test_head_problems() -> None:
    file = local("a.mp3")
    good = RemoteHead(10, '"x"', "audio/mpeg", IMMUTABLE, "a" * 64, ours=True)
    assert head_problem(file, good) is None
    assert head_problem(file, None) == "missing"
    assert head_problem(file, replace(good, size=9)) == "holds 9 bytes, expected 10"
    assert "SHA-256 metadata is absent" in str(head_problem(file, replace(good, sha256=None)))
    assert "Content-Type is" in str(head_problem(file, replace(good, content_type="binary/x")))
    assert "Cache-Control is" in str(head_problem(file, replace(good, cache_control=None)))


def test_object_headers() -> None:
    args = ObjectHeaders("audio/mpeg", IMMUTABLE, "a" * 64, "public-read").put_args()
    assert args["ContentType"] == "audio/mpeg"
    assert args["CacheControl"] == IMMUTABLE
    assert args["ACL"] == "public-read"
    assert args["Metadata"]["sha256"] == "a" * 64
    private = ObjectHeaders("audio/flac", None, "b" * 64, None).put_args()
    assert "CacheControl" not in private
    assert "ACL" not in private


# --- manifest ---------------------------------------------------------------------------------


def test_manifest_round_trip_and_target(tmp_path: Path) -> None:
    path = tmp_path / "publish" / "storage.json"
    manifest = Manifest("s3://b/p @ http://x", run=2, feed_run=1)
    manifest.objects["a.mp3"] = entry("a.mp3")
    manifest.objects["b.mp3"] = replace(entry("b.mp3"), run=2)
    manifest.hashes["a.mp3"] = LocalHash(10, 123, "a" * 64)
    save_manifest(path, manifest)
    loaded = load_manifest(path, "s3://b/p @ http://x")
    assert loaded == manifest
    assert loaded is not manifest
    assert loaded.published() == {"a.mp3": "a" * 64}  # b.mp3 went up after the last feed
    assert load_manifest(path, "s3://other/p @ http://x") == Manifest("s3://other/p @ http://x")
    path.write_text("{not json")
    assert load_manifest(path, "s3://b/p @ http://x").objects == {}


# --- public checks ----------------------------------------------------------------------------


def test_range_problems() -> None:
    good = RangeAnswer(206, "bytes 0-1/1000", "audio/mpeg", 2)
    assert range_problem(good, size=1000, content_type="audio/mpeg", require_206=True) is None
    full = RangeAnswer(200, "", "audio/mpeg", 1000)
    assert "podcast apps need 206" in str(
        range_problem(full, size=1000, content_type="audio/mpeg", require_206=True)
    )
    assert range_problem(full, size=1000, content_type="image/png", require_206=False) is None
    denied = RangeAnswer(403, "", "", 0)
    assert "not publicly readable" in str(
        range_problem(denied, size=1000, content_type="audio/mpeg", require_206=True)
    )
    short = RangeAnswer(206, "bytes 0-1/999", "audio/mpeg", 2)
    assert 'expected "bytes 0-1/1000"' in str(
        range_problem(short, size=1000, content_type="audio/mpeg", require_206=True)
    )
    typed = RangeAnswer(206, "bytes 0-1/1000", "application/octet-stream", 2)
    assert "is served as" in str(
        range_problem(typed, size=1000, content_type="audio/mpeg", require_206=True)
    )


# --- secrets ----------------------------------------------------------------------------------

AUTH = (
    "headers={'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE12345/20261128/"
    "us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature="
    "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7', "
    "'X-Amz-Security-Token': b'FQoGZXIvYXdzEXAMPLETOKEN+/=='}"
)


def test_redact_blanks_key_ids_signatures_and_tokens() -> None:
    text = redact(AUTH)
    assert "AKIDEXAMPLE12345" not in text
    assert "5d672d79c15b" not in text
    assert "FQoGZXIvYXdzEXAMPLETOKEN" not in text
    assert "Credential=<redacted>/20261128/us-east-1/s3/aws4_request" in text
    canonical = "host:b.example\nx-amz-security-token:FQoGZXIvYXdzEXAMPLETOKEN\n"
    assert "FQoG" not in redact(canonical)
    url = "https://b/k?X-Amz-Credential=AKIDEXAMPLE12345%2F2026&X-Amz-Signature=abc123"
    assert "AKIDEXAMPLE12345" not in redact(url)
    assert "aws_secret_access_key = <redacted>" in redact("aws_secret_access_key = wJalrXUtn")
    assert "<AWSAccessKeyId><redacted></AWSAccessKeyId>" in redact(
        "<AWSAccessKeyId>AKIDEXAMPLE12345</AWSAccessKeyId>"
    )
    assert redact("nothing secret here") == "nothing secret here"


def test_the_filter_rewrites_log_records() -> None:
    record = logging.LogRecord(
        "botocore.endpoint", logging.DEBUG, "", 0, "Sending %s", (AUTH,), None
    )
    assert RedactingFilter().filter(record)
    assert "AKIDEXAMPLE12345" not in record.getMessage()


# --- the S3 backend without a server ----------------------------------------------------------


@pytest.fixture(scope="module")
def bucket() -> Iterator[Bucket]:
    """A client that never sends anything here; its credentials are given, not looked up."""
    session = boto3.session.Session(
        aws_access_key_id="AKIDUNITTEST",
        aws_secret_access_key="unit-test-secret",  # noqa: S106 (a test value)
    )
    target = resolve_target(settings(endpoint_url="http://127.0.0.1:9"), "storage")
    client = Bucket(target, session=session)
    yield client
    client.close()


def client_error(code: str, message: str = "", status: int = 400) -> Exception:
    answer = {"Code": code, "Message": message}
    return botocore.exceptions.ClientError(
        {"Error": answer, "ResponseMetadata": {"HTTPStatusCode": status}},  # type: ignore[typeddict-item]
        "ListObjectsV2",
    )


@pytest.mark.parametrize(
    ("err", "kind", "text"),
    [
        (client_error("SignatureDoesNotMatch"), StorageUnavailableError, "refused the credentials"),
        (client_error("AccessDenied"), StorageUnavailableError, "refused the credentials"),
        (client_error("NoSuchBucket"), StorageUnavailableError, 'the bucket "bucket" does not'),
        (client_error("PermanentRedirect"), StorageUnavailableError, "region or endpoint"),
        (client_error("InternalError", "boom", 500), StorageError, "failed: InternalError boom"),
        (
            botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
            StorageUnavailableError,
            "cannot reach s3://bucket/pre/fix/ at http://127.0.0.1:9",
        ),
        (
            botocore.exceptions.NoCredentialsError(),
            StorageUnavailableError,
            "no usable credentials",
        ),
    ],
)
def test_botocore_errors_become_ours(
    bucket: Bucket, err: Exception, kind: type[Exception], text: str
) -> None:
    ours = bucket.error("PUT", "pre/fix/a.mp3", err)
    assert type(ours) is kind
    assert text in ours.message
    expected = ExitCode.ENVIRONMENT if kind is StorageUnavailableError else ExitCode.EPISODE_FAILED
    assert ours.exit_code == expected


def test_counting_reader_counts_what_is_sent_once() -> None:
    counted: list[int] = []
    reader = CountingReader(io.BytesIO(b"x" * 100), counted.append)
    reader.counting = False  # signing reads the body: not counted
    assert reader.read() == b"x" * 100
    reader.seek(0)
    reader.counting = True
    assert reader.read(60) == b"x" * 60
    reader.seek(0)  # a retry rewinds: the bytes are taken back
    assert reader.read() == b"x" * 100
    assert sum(counted) == 100


# --- config and lock --------------------------------------------------------------------------


def test_storage_keys_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "audioarchive.toml").write_text(
        '[storage]\nurl = "s3://b/p"\nendpoint_url = "https://s3.example.net"\n'
        'acl = "public-read"\naddressing_style = "virtual"\nconcurrency = 8\ntimeout = 5\n'
        '[archive_storage]\nurl = "s3://masters"\nprovider = "scaleway"\n'
    )
    loaded = load_settings(tmp_path, environ={})
    assert loaded.storage is not None
    assert (loaded.storage.acl, loaded.storage.addressing_style) == ("public-read", "virtual")
    assert (loaded.storage.concurrency, loaded.storage.timeout) == (8, 5.0)
    assert loaded.archive_storage is not None
    assert (loaded.archive_storage.bucket, loaded.archive_storage.prefix) == ("masters", "")
    (tmp_path / "audioarchive.toml").write_text(
        '[storage]\nurl = "s3://b/p"\nacl = "public"\nconcurrency = 0\n'
        '[archive_storage]\nurl = "s3://m"\nacl = "public-read"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, environ={})
    message = str(caught.value)
    assert "storage.acl" in message
    assert "storage.concurrency" in message
    assert "archive_storage.acl" in message  # masters are never made public


def test_the_workspace_lock_is_reentrant_in_a_process_only(tmp_path: Path) -> None:
    with workspace_lock(tmp_path, "publish"), workspace_lock(tmp_path, "build"):
        fd = os.open(tmp_path / "lock", os.O_RDWR)
        try:  # another open file (as another process would have) is refused
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(tmp_path / "lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with (
            pytest.raises(WorkspaceLockedError, match="another audioarchive"),
            workspace_lock(tmp_path),
        ):
            pass
    finally:
        os.close(fd)
