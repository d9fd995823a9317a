"""``verify --remote`` (and ``--deep``) against SeaweedFS."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from audioarchive.common.mediatypes import IMMUTABLE
from audioarchive.storage.manifest import manifest_path, read_manifest, save_manifest
from tests.helpers import Ws
from tests.storage.helpers import keys
from tests.storage.seaweed import PUBLIC_BUCKET, S3Server

pytestmark = pytest.mark.s3


def list_feed_files(ws: Ws) -> list[Path]:
    return [p for p in (ws.root / "feed").rglob("*") if p.is_file()]


def test_verify_remote_finds_what_changed_and_deep_what_rotted(
    s3_ws: Ws, seaweedfs: S3Server, prefix: str
) -> None:
    assert s3_ws.run("publish").exit_code == 0
    ok = s3_ws.run("verify", "--remote")
    assert ok.exit_code == 0, ok.output
    published = len(list_feed_files(s3_ws))
    assert f"OK: {published} object(s) compared in s3://{PUBLIC_BUCKET}/{prefix}" in ok.stderr
    deep = s3_ws.run("verify", "--remote", "--deep", "--json")
    assert deep.exit_code == 0, deep.output
    data = json.loads(deep.stdout)
    assert data["problems"] == []
    assert data["checked"] == published
    assert data["bytes_read"] == sum(keys(seaweedfs, prefix).values())

    remote = sorted(keys(seaweedfs, prefix))
    mp3s = [k for k in remote if k.endswith(".mp3")]
    client = seaweedfs.client()
    try:
        # one MP3 replaced by other bytes (no metadata), one page gone, one stranger added
        client.put_object(Bucket=PUBLIC_BUCKET, Key=mp3s[0], Body=b"other")
        client.delete_object(Bucket=PUBLIC_BUCKET, Key=f"{prefix}/index.html")
        client.put_object(Bucket=PUBLIC_BUCKET, Key=f"{prefix}/stranger.txt", Body=b"?")
        # another MP3 rots silently: same size and metadata, other bytes
        body = client.get_object(Bucket=PUBLIC_BUCKET, Key=mp3s[1])["Body"].read()
        old = client.head_object(Bucket=PUBLIC_BUCKET, Key=mp3s[1])
        rotten = body[:-1] + bytes([body[-1] ^ 0xFF])
        put = client.put_object(
            Bucket=PUBLIC_BUCKET,
            Key=mp3s[1],
            Body=rotten,
            ContentType="audio/mpeg",
            CacheControl=IMMUTABLE,
            Metadata=old["Metadata"],
        )
    finally:
        client.close()
    # ... and the manifest is told the new ETag, as if the change were the server's own doing
    path = manifest_path(s3_ws.root / ".audioarchive", "storage")
    manifest = read_manifest(path)
    assert manifest is not None
    relpath = mp3s[1].removeprefix(f"{prefix}/")
    manifest.objects[relpath] = replace(manifest.objects[relpath], etag=put["ETag"])
    save_manifest(path, manifest)

    shallow = s3_ws.run("verify", "--remote")
    assert shallow.exit_code == 1
    lines = shallow.stdout.splitlines()
    assert any(
        line.startswith(f"s3://{PUBLIC_BUCKET}/{mp3s[0]}: holds 5 bytes, the manifest says")
        for line in lines
    )
    assert f"s3://{PUBLIC_BUCKET}/{prefix}/index.html: missing" in lines
    assert not any(mp3s[1] in line for line in lines)
    assert f"s3://{PUBLIC_BUCKET}/{prefix}/stranger.txt: not in the manifest" in shallow.stderr
    assert f"2 problem(s): {len(list_feed_files(s3_ws))} object(s) compared" in shallow.stderr

    deep = s3_ws.run("verify", "--remote", "--deep")
    assert deep.exit_code == 1
    assert any(
        line.startswith(f"s3://{PUBLIC_BUCKET}/{mp3s[1]}: content does not match its SHA-256")
        for line in deep.stdout.splitlines()
    )

    # a publish puts it all right again (the rotten object is only found by --deep)
    assert s3_ws.run("publish").exit_code == 0
    assert s3_ws.run("verify", "--remote").exit_code == 0


def test_verify_needs_remote(s3_ws: Ws) -> None:
    result = s3_ws.run("verify", "--deep")
    assert result.exit_code == 2
    assert "--deep goes with --remote" in result.output
