"""Unusable storage: exit 3 with a hint, in bounded time, before any work, no secret shown."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import Ws
from tests.storage.conftest import storage_toml
from tests.storage.helpers import keys
from tests.storage.seaweed import ACCESS_KEY, SECRET_KEY, S3Server

pytestmark = pytest.mark.s3

WRONG_SECRET = "wrong-secret-4f3e2d1c0b9a8f7e6d5c4b3a"  # noqa: S105 (a test value)
TOKEN = "session-token-7e6d5c4b3a29180f"  # noqa: S105


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float


def run_publish(ws: Ws, *args: str, verbose: str = "-v") -> Run:
    """``audioarchive -v publish`` in this process (the environment set by the test)."""
    started = time.monotonic()
    result = ws.run(verbose, "publish", *args)
    return Run(result.exit_code, result.stdout, result.stderr, time.monotonic() - started)


def assert_no_secret(run: Run | subprocess.CompletedProcess[str]) -> None:
    everything = run.stdout + run.stderr
    for secret in (ACCESS_KEY, SECRET_KEY, WRONG_SECRET, TOKEN):
        assert secret not in everything


def assert_nothing_done(ws: Ws, run: Run | subprocess.CompletedProcess[str]) -> None:
    """Exit 3 before any work: no build (the base URL changed, so it would re-tag)."""
    assert "re-tagged" not in run.stdout
    assert not (ws.root / ".audioarchive" / "publish").exists()


def test_wrong_credentials(
    s3_ws: Ws, seaweedfs: S3Server, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", WRONG_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    run = run_publish(s3_ws)
    assert run.code == 3, run.stderr
    assert "refused the credentials" in run.stderr
    assert "Hint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in run.stderr
    assert "Traceback" in run.stderr  # -v shows it, and still no secret
    assert run.seconds < 30
    assert_no_secret(run)
    assert_nothing_done(s3_ws, run)
    assert keys(seaweedfs, prefix) == {}


def test_wrong_credentials_with_the_wire_log(
    s3_ws: Ws, seaweedfs: S3Server, s3_env: dict[str, str]
) -> None:
    """-vvv shows botocore's own debug log, with key ids, signatures and tokens blanked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AUDIOARCHIVE_"))}
    env.update(s3_env, AWS_SECRET_ACCESS_KEY=WRONG_SECRET, AWS_SESSION_TOKEN=TOKEN)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "audioarchive", "-w", str(s3_ws.root), "-vvv", "publish"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert time.monotonic() - started < 30
    assert "refused the credentials" in result.stderr
    assert "botocore.endpoint: Sending http request" in result.stderr
    assert "Credential=<redacted>" in result.stderr
    assert "X-Amz-Security-Token': b'<redacted>" in result.stderr
    assert_no_secret(result)
    assert_nothing_done(s3_ws, result)


def test_an_unknown_access_key(
    s3_ws: Ws, seaweedfs: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDNOTKNOWNATALL000")
    run = run_publish(s3_ws)
    assert run.code == 3
    assert "refused the credentials (InvalidAccessKeyId)" in run.stderr
    assert "AKIDNOTKNOWNATALL000" not in run.stdout + run.stderr
    assert_no_secret(run)


def test_no_credentials_at_all(
    s3_ws: Ws, seaweedfs: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    run = run_publish(s3_ws)
    assert run.code == 3
    assert "no usable credentials" in run.stderr
    assert "Hint: set AWS_ACCESS_KEY_ID" in run.stderr
    assert run.seconds < 30


def test_a_missing_bucket(s3_ws: Ws, seaweedfs: S3Server) -> None:
    toml = storage_toml(seaweedfs, "x").replace("s3://public/x", "s3://no-such-bucket/x")
    (s3_ws.root / "audioarchive.toml").write_text(toml)
    run = run_publish(s3_ws)
    assert run.code == 3
    assert 'the bucket "no-such-bucket" does not exist' in run.stderr
    assert "Hint: create it" in run.stderr
    assert_no_secret(run)


def test_an_endpoint_that_refuses_connections(
    s3_ws: Ws, seaweedfs: S3Server, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("AUDIOARCHIVE_STORAGE_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    run = run_publish(s3_ws)
    assert run.code == 3
    assert f"cannot reach s3://public/{prefix} at http://127.0.0.1:{port}" in run.stderr
    assert "Hint: check [storage] endpoint_url" in run.stderr
    assert run.seconds < 10
    assert_no_secret(run)
    assert_nothing_done(s3_ws, run)


def test_an_endpoint_that_never_answers(
    s3_ws: Ws, seaweedfs: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does), answers nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv(
            "AUDIOARCHIVE_STORAGE_ENDPOINT_URL", f"http://127.0.0.1:{silent.getsockname()[1]}"
        )
        monkeypatch.setenv("AUDIOARCHIVE_STORAGE_TIMEOUT", "1")
        run = run_publish(s3_ws)
    assert run.code == 3
    assert "cannot reach" in run.stderr
    assert "ReadTimeoutError" in run.stderr
    assert run.seconds < 10  # two attempts of one second and a short backoff
    assert_no_secret(run)


def test_verify_remote_reports_unusable_storage_too(
    s3_ws: Ws, seaweedfs: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", WRONG_SECRET)
    result = s3_ws.run("-v", "verify", "--remote")
    assert result.exit_code == 3
    assert "refused the credentials" in result.stderr
    assert_no_secret(Run(result.exit_code, result.stdout, result.stderr, 0))


def test_the_access_key_id_is_not_in_the_manifest_either(
    s3_ws: Ws, seaweedfs: S3Server, s3_env: dict[str, str]
) -> None:
    assert s3_ws.run("publish").exit_code == 0
    for path in Path(s3_ws.root / ".audioarchive").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert ACCESS_KEY.encode() not in data
            assert SECRET_KEY.encode() not in data


def test_credentials_from_a_profile(
    s3_ws: Ws, seaweedfs: S3Server, monkeypatch: pytest.MonkeyPatch, prefix: str, tmp_path: Path
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[podcast]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", WRONG_SECRET)  # ignored: the profile is named
    toml = storage_toml(seaweedfs, prefix, extra='profile = "podcast"\n')
    (s3_ws.root / "audioarchive.toml").write_text(toml)
    assert s3_ws.run("publish").exit_code == 0
    assert keys(seaweedfs, prefix)

    (s3_ws.root / "audioarchive.toml").write_text(toml.replace('"podcast"', '"nowhere"'))
    run = run_publish(s3_ws)
    assert run.code == 3
    assert 'the AWS profile "nowhere" (storage.profile) is in neither' in run.stderr
    assert_no_secret(run)
