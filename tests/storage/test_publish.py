"""Publishing to a real S3 server (SeaweedFS): order, idempotence, headers, byte ranges."""

from __future__ import annotations

import json
import shutil

import pytest

from audioarchive.common.mediatypes import IMMUTABLE, SHORT, cache_control, media_type
from audioarchive.common.text import sha256_file
from audioarchive.storage.manifest import manifest_path, read_manifest
from tests.helpers import Ws, held_by_another
from tests.storage.conftest import storage_toml
from tests.storage.helpers import (
    enclosures,
    feed_problems,
    head,
    http_get,
    keys,
    local_tree,
    remote_feed,
    stdout_json,
)
from tests.storage.seaweed import PRIVATE_BUCKET, PUBLIC_BUCKET, S3Server

pytestmark = pytest.mark.s3


def test_publish_then_a_second_publish_sends_nothing(
    s3_ws: Ws, seaweedfs: S3Server, prefix: str
) -> None:
    first = s3_ws.run("publish", "--json")
    assert first.exit_code == 0, first.output
    storage = stdout_json(first)["storage"]
    tree = local_tree(s3_ws.root / "feed")
    assert sorted(c["path"] for c in storage["changes"]) == sorted(tree)
    assert {c["action"] for c in storage["changes"]} == {"upload"}

    # every object: its type, its cache rule, its SHA-256 in the metadata
    remote = keys(seaweedfs, prefix)
    assert sorted(remote) == sorted(f"{prefix}/{p}" for p in tree)
    for relpath, path in tree.items():
        info = head(seaweedfs, f"{prefix}/{relpath}")
        assert info["ContentType"] == media_type(relpath), relpath
        assert info["CacheControl"] == cache_control(relpath), relpath
        assert info["Metadata"]["sha256"] == sha256_file(path), relpath
        assert info["ContentLength"] == path.stat().st_size
    assert head(seaweedfs, f"{prefix}/feed.xml")["CacheControl"] == SHORT
    mp3 = next(p for p in tree if p.endswith(".mp3"))
    assert head(seaweedfs, f"{prefix}/{mp3}")["CacheControl"] == IMMUTABLE

    # the feed served is ours, and every enclosure answers a byte range with 206
    feed = remote_feed(seaweedfs, prefix)
    assert feed == (s3_ws.root / "feed" / "feed.xml").read_bytes()
    items = enclosures(feed)
    assert len(items) == 3
    for enclosure in items:
        status, body, headers = http_get(enclosure.url, {"Range": "bytes=0-1"})
        assert status == 206, enclosure.url
        assert body == b"ID"  # ID3v2 header
        assert headers["Content-Range"] == f"bytes 0-1/{enclosure.length}"
        assert headers["Content-Type"] == "audio/mpeg"
    assert feed_problems(seaweedfs, prefix) == []

    second = s3_ws.run("publish", "--json")
    assert second.exit_code == 0, second.output
    storage = stdout_json(second)["storage"]
    assert storage["changes"] == []
    assert storage["bytes_sent"] == 0
    assert storage["unchanged"] == len(tree)
    assert storage["requests"] <= 2  # one listing, one look for incomplete uploads

    listing = s3_ws.run("list", "--json")
    assert listing.exit_code == 0, listing.output
    assert {s["status"] for s in stdout_json_list(listing.stdout)} == {"published", "upcoming"}


def stdout_json_list(text: str) -> list[dict[str, object]]:
    data = json.loads(text)
    assert isinstance(data, list)
    return data


def test_dry_run_lists_and_sends_nothing(s3_ws: Ws, seaweedfs: S3Server, prefix: str) -> None:
    dry = s3_ws.run("publish", "--dry-run")
    assert dry.exit_code == 0, dry.output
    tree = local_tree(s3_ws.root / "feed")
    assert dry.stdout.count("would send") == len(tree)
    assert keys(seaweedfs, prefix) == {}
    assert not manifest_path(s3_ws.root / ".audioarchive", "storage").exists()

    assert s3_ws.run("publish").exit_code == 0
    # a new title: new tags, so a new media key; pages and feed change; the old media goes
    session = s3_ws.root / "metadata" / "sessions" / "2022-11-24-b.yaml"
    session.write_text(session.read_text().replace("Session 2022-11-24-b", "Un autre titre"))
    assert s3_ws.run("build").exit_code == 0
    old_keys = set(keys(seaweedfs, prefix))
    dry = s3_ws.run("publish", "--dry-run")
    assert dry.exit_code == 0, dry.output
    lines = dry.stdout.splitlines()
    sent = [line for line in lines if line.startswith("would send")]
    changed = [line for line in lines if line.startswith("would change")]
    removed = [line for line in lines if line.startswith("would remove")]
    assert len(sent) == 1
    assert "2022-11-24-b/2022-11-24-b-" in sent[0]
    assert any("feed.xml" in line for line in changed)
    assert any("episodes/2022-11-24-b/index.html" in line for line in changed)
    assert len(removed) == 1
    assert ".mp3" in removed[0]
    assert set(keys(seaweedfs, prefix)) == old_keys

    done = s3_ws.run("publish")
    assert done.exit_code == 0, done.output
    now = set(keys(seaweedfs, prefix))
    assert removed[0].split()[2].removeprefix(f"s3://{PUBLIC_BUCKET}/") not in now
    assert feed_problems(seaweedfs, prefix) == []
    feed = remote_feed(seaweedfs, prefix)
    assert feed is not None
    assert b"Un autre titre" in feed


def test_a_removed_episode_leaves_the_feed_then_its_media_go(
    s3_ws: Ws, seaweedfs: S3Server, prefix: str
) -> None:
    assert s3_ws.run("publish").exit_code == 0
    gone = [k for k in keys(seaweedfs, prefix) if "/2023-01-19-c/" in k]
    assert len(gone) == 2  # the MP3 and the page
    (s3_ws.root / "metadata" / "sessions" / "2023-01-19-c.yaml").unlink()
    result = s3_ws.run("publish", "--json")
    assert result.exit_code == 0, result.output
    removed = [c for c in stdout_json(result)["storage"]["changes"] if c["action"] == "delete"]
    assert sorted(c["url"] for c in removed) == sorted(f"s3://{PUBLIC_BUCKET}/{k}" for k in gone)
    assert not any("/2023-01-19-c/" in k for k in keys(seaweedfs, prefix))
    feed = remote_feed(seaweedfs, prefix)
    assert feed is not None
    assert len(enclosures(feed)) == 2
    assert feed_problems(seaweedfs, prefix) == []


def test_a_lost_manifest_costs_requests_not_uploads(
    s3_ws: Ws, seaweedfs: S3Server, prefix: str
) -> None:
    assert s3_ws.run("publish").exit_code == 0
    shutil.rmtree(s3_ws.root / ".audioarchive" / "publish")
    result = s3_ws.run("publish", "--json")
    assert result.exit_code == 0, result.output
    storage = stdout_json(result)["storage"]
    assert {c["action"] for c in storage["changes"]} == {"adopt"}
    assert storage["bytes_sent"] == 0
    again = stdout_json(s3_ws.run("publish", "--json"))["storage"]
    assert again["changes"] == []
    assert again["requests"] <= 2


def test_objects_changed_behind_our_back_are_put_right(
    s3_ws: Ws, seaweedfs: S3Server, prefix: str
) -> None:
    assert s3_ws.run("publish").exit_code == 0
    mp3 = next(k for k in keys(seaweedfs, prefix) if k.endswith(".mp3"))
    client = seaweedfs.client()
    try:
        client.put_object(Bucket=PUBLIC_BUCKET, Key=mp3, Body=b"cut", ContentType="audio/mpeg")
        client.put_object(Bucket=PUBLIC_BUCKET, Key=f"{prefix}/feed.xml", Body=b"<rss/>")
        # an object someone else put under the prefix is left alone; one of ours is removed
        client.put_object(Bucket=PUBLIC_BUCKET, Key=f"{prefix}/theirs.txt", Body=b"keep me")
        client.put_object(
            Bucket=PUBLIC_BUCKET,
            Key=f"{prefix}/episodes/old/old-0123456789.mp3",
            Body=b"old",
            Metadata={"sha256": "0" * 64, "audioarchive": "0.1.0"},
        )
    finally:
        client.close()
    result = s3_ws.run("publish", "--json")
    assert result.exit_code == 0, result.output
    actions = {c["path"]: c["action"] for c in stdout_json(result)["storage"]["changes"]}
    assert actions[mp3.removeprefix(f"{prefix}/")] == "replace"
    assert actions["feed.xml"] == "replace"
    assert actions["theirs.txt"] == "keep"
    assert actions["episodes/old/old-0123456789.mp3"] == "delete"
    remote = keys(seaweedfs, prefix)
    assert f"{prefix}/theirs.txt" in remote
    assert f"{prefix}/episodes/old/old-0123456789.mp3" not in remote
    assert remote_feed(seaweedfs, prefix) == (s3_ws.root / "feed" / "feed.xml").read_bytes()
    assert feed_problems(seaweedfs, prefix) == []


def test_incomplete_uploads_left_by_a_killed_run_are_cleaned_up(
    s3_ws: Ws, seaweedfs: S3Server, prefix: str
) -> None:
    client = seaweedfs.client()
    try:
        key = f"{prefix}/episodes/x/x-0123456789.mp3"
        upload = client.create_multipart_upload(Bucket=PUBLIC_BUCKET, Key=key)
        upload_id = upload["UploadId"]
        client.upload_part(
            Bucket=PUBLIC_BUCKET, Key=key, UploadId=upload_id, PartNumber=1, Body=b"x" * 100
        )
        result = s3_ws.run("publish", "--json")
        assert result.exit_code == 0, result.output
        assert stdout_json(result)["storage"]["cleaned_uploads"] == 1
        left = client.list_multipart_uploads(Bucket=PUBLIC_BUCKET, Prefix=f"{prefix}/")
        assert left.get("Uploads", []) == []
    finally:
        client.close()


def test_masters_go_to_the_private_bucket(s3_ws: Ws, seaweedfs: S3Server, prefix: str) -> None:
    toml = storage_toml(seaweedfs, prefix) + (
        f'\n[archive_storage]\nurl = "s3://{PRIVATE_BUCKET}/{prefix}"\n'
        f'endpoint_url = "{seaweedfs.endpoint}"\nprovider = "seaweedfs"\n'
    )
    (s3_ws.root / "audioarchive.toml").write_text(toml)
    result = s3_ws.run("publish")
    assert result.exit_code == 0, result.output
    masters = keys(seaweedfs, prefix, PRIVATE_BUCKET)
    flac = sorted(k for k in masters if k.endswith(".flac"))
    assert len(flac) == 3
    info = head(seaweedfs, flac[0], PRIVATE_BUCKET)
    assert info["ContentType"] == "audio/flac"
    assert "CacheControl" not in info
    local = s3_ws.root / "archive" / flac[0].removeprefix(f"{prefix}/")
    assert info["Metadata"]["sha256"] == sha256_file(local)
    status, _, _ = http_get(f"{seaweedfs.endpoint}/{PRIVATE_BUCKET}/{flac[0]}")
    assert status == 403  # never public
    assert not any(k.endswith(".flac") for k in keys(seaweedfs, prefix))
    again = stdout_json(s3_ws.run("publish", "--json"))["storage"]
    assert again["changes"] == []

    same = storage_toml(seaweedfs, prefix) + (
        f'\n[archive_storage]\nurl = "s3://{PUBLIC_BUCKET}/masters"\n'
        f'endpoint_url = "{seaweedfs.endpoint}"\nprovider = "seaweedfs"\n'
    )
    (s3_ws.root / "audioarchive.toml").write_text(same)
    refused = s3_ws.run("publish")
    assert refused.exit_code == 2
    assert "archive_storage.url" in refused.output
    assert "never go to public" in refused.output


def test_a_feed_is_never_sent_when_its_media_are_not_public(
    s3_ws: Ws, seaweedfs: S3Server, prefix: str
) -> None:
    # the private bucket: objects go up, but anonymous listeners get 403
    toml = (
        f'[site]\nbase_url = "{seaweedfs.endpoint}/{PRIVATE_BUCKET}/{prefix}"\n\n'
        f'[storage]\nurl = "s3://{PRIVATE_BUCKET}/{prefix}"\n'
        f'endpoint_url = "{seaweedfs.endpoint}"\nprovider = "seaweedfs"\n'
    )
    (s3_ws.root / "audioarchive.toml").write_text(toml)
    result = s3_ws.run("publish")
    assert result.exit_code == 1, result.output
    assert "failed verification, so the feed was not updated" in result.output
    assert "not publicly readable" in result.output
    assert 'Hint: give the "anonymous" identity the Read action' in result.output
    remote = keys(seaweedfs, prefix, PRIVATE_BUCKET)
    assert any(k.endswith(".mp3") for k in remote)
    assert not any(k.endswith((".xml", ".html")) for k in remote)


def test_publish_refuses_while_another_holds_the_workspace(s3_ws: Ws, seaweedfs: S3Server) -> None:
    with held_by_another(s3_ws.root / ".audioarchive" / "lock", "publish (pid 4242)"):
        result = s3_ws.run("publish")
    assert result.exit_code == 2
    assert "another audioarchive publish (pid 4242) is working in this workspace" in result.output


def test_publishing_with_the_local_base_url_is_refused(s3_ws: Ws, seaweedfs: S3Server) -> None:
    toml = (s3_ws.root / "audioarchive.toml").read_text()
    start, _, rest = toml.partition('base_url = "')
    _, _, rest = rest.partition('"')
    (s3_ws.root / "audioarchive.toml").write_text(
        f'{start}base_url = "http://localhost:8000"{rest}'
    )
    result = s3_ws.run("publish")
    assert result.exit_code == 2
    assert "site.base_url" in result.output
    assert "send listeners to this computer" in result.output


def test_the_manifest_records_what_is_where(s3_ws: Ws, seaweedfs: S3Server, prefix: str) -> None:
    assert s3_ws.run("publish").exit_code == 0
    manifest = read_manifest(manifest_path(s3_ws.root / ".audioarchive", "storage"))
    assert manifest is not None
    tree = local_tree(s3_ws.root / "feed")
    assert sorted(manifest.objects) == sorted(tree)
    assert manifest.feed_run == manifest.run == 1
    for relpath, entry in manifest.objects.items():
        assert entry.key == f"{prefix}/{relpath}"
        assert entry.sha256 == sha256_file(tree[relpath])
        assert entry.verified == (relpath.endswith((".mp3", ".png")))


def test_a_tree_without_any_episode_does_not_empty_the_podcast(
    s3_ws: Ws, seaweedfs: S3Server, prefix: str
) -> None:
    assert s3_ws.run("publish").exit_code == 0
    before = keys(seaweedfs, prefix)
    shutil.rmtree(s3_ws.root / "recordings")  # say, a new computer without the recordings
    (s3_ws.root / "recordings").mkdir()
    result = s3_ws.run("publish")
    assert result.exit_code == 2
    assert "publishing would remove every published episode (3 audio files)" in result.output
    assert keys(seaweedfs, prefix) == before
