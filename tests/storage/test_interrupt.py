"""A publish killed mid-upload (SIGKILL), then run again: the feed never points at a gap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import Ws
from tests.storage.helpers import enclosures, feed_problems, keys, remote_feed, stdout_json
from tests.storage.proxy import slow_proxy
from tests.storage.seaweed import PUBLIC_BUCKET, S3Server

pytestmark = [pytest.mark.s3, pytest.mark.slow]


class FeedWatcher:
    """Polls the served feed and every enclosure it names, as a podcast app would."""

    def __init__(self, server: S3Server, prefix: str) -> None:
        self.server, self.prefix = server, prefix
        self.problems: list[str] = []
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + 120
        while not self._stop.is_set() and time.monotonic() < deadline:
            self.problems += feed_problems(self.server, self.prefix)
            self.samples += 1
            self._stop.wait(0.05)

    def __enter__(self) -> FeedWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def test_a_publish_killed_mid_upload_is_finished_by_the_next(
    s3_ws: Ws, seaweedfs: S3Server, s3_env: dict[str, str], prefix: str, tmp_path: Path
) -> None:
    assert s3_ws.run("publish").exit_code == 0
    before = remote_feed(seaweedfs, prefix)
    assert before is not None
    assert len(enclosures(before)) == 3

    # a fourth meeting, built here; the publish that sends it is killed during its MP3's upload
    s3_ws.recording("2023-02-23-e", seconds=12, channels=1)
    s3_ws.write_session("2023-02-23-e", date="2023-02-23T19:00:00+01:00", season=1, episode=5)
    assert s3_ws.run("build").exit_code == 0
    mp3 = next((s3_ws.root / "feed" / "episodes" / "2023-02-23-e").glob("*.mp3"))
    new_key = f"{prefix}/episodes/2023-02-23-e/{mp3.name}"
    assert mp3.stat().st_size > 120_000

    host, port = seaweedfs.endpoint.removeprefix("http://").split(":")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AUDIOARCHIVE_"))}
    env.update(s3_env)
    with FeedWatcher(seaweedfs, prefix) as watcher:
        with slow_proxy((host, int(port)), rate=48_000) as proxy:
            env["AUDIOARCHIVE_STORAGE_ENDPOINT_URL"] = proxy.url
            log = tmp_path / "killed.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "audioarchive", "-w", str(s3_ws.root), "publish"],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                )
            try:
                deadline = time.monotonic() + 60
                while proxy.sent < 40_000 and proc.poll() is None:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.02)
                assert proc.poll() is None, log.read_text()  # still uploading: kill it now
                os.kill(proc.pid, signal.SIGKILL)
            finally:
                proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL

        # at the moment of the kill: the old feed, whole, and no part of the new MP3
        assert remote_feed(seaweedfs, prefix) == before
        assert feed_problems(seaweedfs, prefix) == []
        assert new_key not in keys(seaweedfs, prefix)

        again = s3_ws.run("publish", "--json")
        assert again.exit_code == 0, again.output
        storage = stdout_json(again)["storage"]
        assert f"s3://{PUBLIC_BUCKET}/{new_key}" in [c["url"] for c in storage["changes"]]
    assert watcher.samples > 10
    assert watcher.problems == []

    after = remote_feed(seaweedfs, prefix)
    assert after is not None
    assert len(enclosures(after)) == 4
    assert feed_problems(seaweedfs, prefix) == []
    client = seaweedfs.client()
    try:
        left = client.list_multipart_uploads(Bucket=PUBLIC_BUCKET, Prefix=f"{prefix}/")
        assert left.get("Uploads", []) == []
    finally:
        client.close()
    assert stdout_json(s3_ws.run("publish", "--json"))["storage"]["changes"] == []
