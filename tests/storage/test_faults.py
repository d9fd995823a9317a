"""Storage faults: a busy server (503 SlowDown) is retried; a server that stops mid-publish
leaves the public feed whole, and once it is back the next publish finishes the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import Ws
from tests.storage.conftest import storage_toml
from tests.storage.faults import FaultPlan, failing_relay
from tests.storage.helpers import enclosures, feed_problems, keys, remote_feed
from tests.storage.proxy import slow_proxy
from tests.storage.seaweed import S3Server, free_ports, run_seaweedfs

pytestmark = [pytest.mark.s3]


def _address(server: S3Server) -> tuple[str, int]:
    host, port = server.endpoint.removeprefix("http://").split(":")
    return host, int(port)


def _served_feed(server: S3Server, prefix: str, timeout: float = 30.0) -> bytes | None:
    """The feed a restarted server serves: its S3 gateway answers a moment before its volumes
    are back, and a file asked for in between is not found. Still None after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (feed := remote_feed(server, prefix)) is None and time.monotonic() < deadline:
        time.sleep(0.3)
    return feed


def test_transient_503_answers_are_retried_with_backoff(
    s3_ws: Ws, seaweedfs: S3Server, prefix: str
) -> None:
    plan = FaultPlan(_address(seaweedfs), fail=3)
    with failing_relay(plan) as url:
        toml = s3_ws.root / "audioarchive.toml"
        text = storage_toml(seaweedfs, prefix)  # public URLs stay direct: only the API is relayed
        toml.write_text(
            text.replace(f'endpoint_url = "{seaweedfs.endpoint}"', f'endpoint_url = "{url}"')
        )
        started = time.monotonic()
        result = s3_ws.run("publish", "--json")
        elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert plan.injected == 3
    assert elapsed < 60
    assert feed_problems(seaweedfs, prefix) == []
    feed = remote_feed(seaweedfs, prefix)
    assert feed is not None
    assert len(enclosures(feed)) == 3


@pytest.mark.slow
def test_server_stopped_mid_publish_then_restarted(
    built: Ws, s3_env: dict[str, str], tmp_path: Path
) -> None:
    root, ports, prefix = tmp_path / "weed", free_ports(5), "restart"
    with run_seaweedfs(root, ports=ports) as server:
        (built.root / "audioarchive.toml").write_text(storage_toml(server, prefix))
        assert built.run("publish").exit_code == 0
        before = remote_feed(server, prefix)
        built.recording("2023-02-23-e", seconds=12, channels=1)
        built.write_session("2023-02-23-e", date="2023-02-23T19:00:00+01:00", season=1, episode=5)
        assert built.run("build").exit_code == 0
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AUDIOARCHIVE_"))}
        env.update(s3_env)
        log = tmp_path / "publish.log"
        with slow_proxy(_address(server), rate=48_000) as proxy:
            env["AUDIOARCHIVE_STORAGE_ENDPOINT_URL"] = proxy.url
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "audioarchive", "-w", str(built.root), "publish"],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                )
            deadline = time.monotonic() + 60
            while proxy.sent < 30_000 and proc.poll() is None:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.02)
            assert proc.poll() is None, log.read_text()
            os.kill(server.pid, signal.SIGTERM)  # the server goes away mid-upload
            try:
                proc.wait(timeout=180)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                pytest.fail("publish did not give up in bounded time:\n" + log.read_text())
    output = log.read_text()
    assert proc.returncode in (1, 3), output
    assert "Error:" in output
    assert "Traceback" not in output
    with run_seaweedfs(root, ports=ports) as server:
        assert _served_feed(server, prefix) == before  # the feed was never replaced
        assert feed_problems(server, prefix) == []
        again = built.run("publish")
        assert again.exit_code == 0, again.output
        feed = remote_feed(server, prefix)
        assert feed is not None
        assert len(enclosures(feed)) == 4
        assert feed_problems(server, prefix) == []
        assert any(k.endswith(".mp3") and "2023-02-23-e" in k for k in keys(server, prefix))
