"""A working publish with a recognisable key: the secret is in no output, log, file, object."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import Ws
from tests.storage.seaweed import ACCESS_KEY, PUBLIC_BUCKET, SECRET_KEY, S3Server

pytestmark = pytest.mark.s3


def _scan_tree(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if SECRET_KEY.encode() in data or ACCESS_KEY.encode() in data:
                found.append(path.relative_to(root).as_posix())
    return found


@pytest.mark.parametrize("verbosity", ["-v", "-vvv"])
def test_a_working_publish_leaks_no_credential(
    s3_ws: Ws, seaweedfs: S3Server, s3_env: dict[str, str], prefix: str, verbosity: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(s3_env)
    command = [sys.executable, "-m", "audioarchive", verbosity, "-w", str(s3_ws.root)]
    runs = [
        subprocess.run([*command, "publish"], capture_output=True, text=True, env=env, check=False),
        subprocess.run(
            [*command, "verify", "--remote", "--deep"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        ),
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
        for secret in (SECRET_KEY, ACCESS_KEY):
            assert secret not in run.stdout + run.stderr
    if verbosity == "-vvv":
        assert "Authorization" in runs[0].stderr  # the wire log is there, with secrets blanked
    assert _scan_tree(s3_ws.root) == []
    client = seaweedfs.client()
    try:
        listing = client.list_objects_v2(Bucket=PUBLIC_BUCKET, Prefix=f"{prefix}/")
        for item in listing.get("Contents", []):
            head = client.head_object(Bucket=PUBLIC_BUCKET, Key=item["Key"])
            assert SECRET_KEY not in repr(head["Metadata"])
            assert ACCESS_KEY not in repr(head["Metadata"])
            body = client.get_object(Bucket=PUBLIC_BUCKET, Key=item["Key"])["Body"].read()
            assert SECRET_KEY.encode() not in body
    finally:
        client.close()
