#!/usr/bin/env python3
"""Kill-and-resume: SIGKILL a build or a publish at random moments, then check nothing was lost.

Usage: python scripts/chaos.py [--rounds N] [--seed S] [--workdir DIR] [--only build|publish|kills]
       [--minutes M] [--kill-rounds K]

Each round copies a fresh sample workspace, starts `audioarchive build`, kills it
with SIGKILL after a random delay (within the time a whole build takes), checks
that the public tree is consistent at that instant (feed.xml, if present, is
well-formed and every enclosure it names exists with its announced length), then
runs a normal build and compares every file of feed/ and archive/ with an
uninterrupted build's.

The publish rounds do the same against a real S3 server (SeaweedFS, started on
127.0.0.1 for the run): a built workspace's `publish` is killed at a random
moment; at that instant the served feed must name only complete objects (each
enclosure answers a ranged GET with its announced length); then a normal
publish must leave exactly the objects, with the same bytes, that an
uninterrupted publish leaves. Prints the rounds survived and anything lost.

The kill rounds replay what an organiser met (#19): a workspace with the samples and a
12-minute session recorded in three parts (the samples built as `make demo` leaves them, the
long session not), published into a fresh prefix;
publishes killed with SIGKILL after 1, 3 and 6 s, then as the audio starts, further into
the build and as the upload starts, one after the other (the stage of each kill is
printed), then a normal publish, which must exit 0
and leave every file of feed/ in storage, with the bytes of feed/.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from audioarchive.archive.events import check_chain

if TYPE_CHECKING:
    from tests.storage.seaweed import S3Server

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the SeaweedFS helpers live in tests/storage
    sys.path.insert(0, str(ROOT))


@dataclass
class ChaosReport:
    rounds: int = 0
    survived: int = 0
    killed_mid_run: int = 0
    problems: list[str] = field(default_factory=list)


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under feed/ and archive/ (the outputs that must not differ)."""
    out: dict[str, str] = {}
    for folder in ("feed", "archive"):
        base = root / folder
        for path in sorted(base.rglob("*")) if base.is_dir() else []:
            if path.is_file() and not path.name.endswith("events.jsonl"):  # dated histories
                out[path.relative_to(root).as_posix()] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return out


def check_public_tree(root: Path, base_url: str) -> list[str]:
    """The feed, if there is one, names only complete files."""
    feed = root / "feed" / "feed.xml"
    if not feed.exists():
        return []
    try:
        tree = ET.fromstring(feed.read_bytes())  # noqa: S314 (our own output)
    except ET.ParseError as err:
        return [f"feed.xml is not well-formed after a kill: {err}"]
    problems = []
    for enclosure in tree.iter("enclosure"):
        url = enclosure.get("url", "")
        path = root / "feed" / url.removeprefix(base_url.rstrip("/") + "/")
        if not path.is_file():
            problems.append(f"feed.xml names {url}, which does not exist")
        elif str(path.stat().st_size) != enclosure.get("length"):
            length, size = enclosure.get("length"), path.stat().st_size
            problems.append(f"feed.xml names {url} with length {length}, file has {size}")
    return problems


def _command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "audioarchive", "--workspace", str(root), "-q", *args]


def make_template(workdir: Path) -> Path:
    """The repository's sample workspace with its synthesised recordings."""
    template = workdir / "template"
    if not (template / "recordings").is_dir():
        template.mkdir(parents=True, exist_ok=True)
        shutil.copytree(ROOT / "metadata", template / "metadata", dirs_exist_ok=True)
        shutil.copyfile(ROOT / "audioarchive.toml", template / "audioarchive.toml")
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "make_samples.py"), str(template)], check=True
        )
    return template


_ATTEMPTS = 4


def _killed(command: list[str], delay: float, env: dict[str, str]) -> bool:
    """Run ``command`` and SIGKILL it after ``delay`` s; whether it was still running."""
    with subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    ) as proc:
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
    return False


def run_chaos(
    rounds: int, seed: int, workdir: Path, args: tuple[str, ...] = ("build",)
) -> ChaosReport:
    rng = random.Random(seed)  # noqa: S311 (reproducible kill times, not cryptography)
    template = make_template(workdir)
    reference = workdir / "reference"
    shutil.rmtree(reference, ignore_errors=True)
    shutil.copytree(template, reference)
    started = time.monotonic()
    subprocess.run(_command(reference, *args), check=True, capture_output=True)
    full = time.monotonic() - started
    expected = tree_digest(reference)
    report = ChaosReport()
    for number in range(rounds):
        report.rounds += 1
        ws = workdir / f"round-{number}"
        delay = rng.uniform(0.05, full)
        for _attempt in range(_ATTEMPTS):  # a run that ended before its kill is tried again
            shutil.rmtree(ws, ignore_errors=True)
            shutil.copytree(template, ws)
            if _killed(_command(ws, *args), delay, os.environ.copy()):
                report.killed_mid_run += 1
                break
            delay /= 2
        problems = [
            f"round {number} (kill at {delay:.2f}s): {p}"
            for p in check_public_tree(ws, "http://localhost:8000")
        ]
        resumed = subprocess.run(_command(ws, *args), capture_output=True, text=True, check=False)
        if resumed.returncode != 0:
            problems.append(
                f"round {number}: the resumed run failed ({resumed.returncode}): "
                + resumed.stderr.strip()[-300:]
            )
        got = tree_digest(ws)
        for log in sorted((ws / "archive").rglob("*events.jsonl")):
            if check_chain(log):
                problems.append(f"round {number}: {log.name}: the history's chain is broken")
        for name in sorted(set(expected) | set(got)):
            if expected.get(name) != got.get(name):
                state = (
                    "missing"
                    if name not in got
                    else "extra"
                    if name not in expected
                    else "different"
                )
                problems.append(f"round {number} (kill at {delay:.2f}s): {name} is {state}")
        if problems:
            report.problems.extend(problems)
        else:
            report.survived += 1
        shutil.rmtree(ws, ignore_errors=True)
    return report


def _s3_environment(tmp: Path) -> dict[str, str]:
    from tests.storage.seaweed import ACCESS_KEY, SECRET_KEY  # noqa: PLC0415 (test tooling)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AUDIOARCHIVE_"))}
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_CONFIG_FILE=str(tmp / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _remote_digest(server: S3Server, prefix: str) -> dict[str, str]:
    """SHA-256 of every object under the prefix, keyed by its name below it."""
    from tests.storage.seaweed import PUBLIC_BUCKET  # noqa: PLC0415 (test tooling)

    client = server.client()
    try:
        out: dict[str, str] = {}
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=PUBLIC_BUCKET, Prefix=f"{prefix}/"
        )
        for page in pages:
            for item in page.get("Contents", []):
                body = client.get_object(Bucket=PUBLIC_BUCKET, Key=item["Key"])["Body"].read()
                out[item["Key"].removeprefix(f"{prefix}/")] = hashlib.sha256(body).hexdigest()
        return out
    finally:
        client.close()


def _wipe(server: S3Server, prefix: str) -> None:
    from tests.storage.seaweed import PUBLIC_BUCKET  # noqa: PLC0415 (test tooling)

    client = server.client()
    try:
        for upload in client.list_multipart_uploads(Bucket=PUBLIC_BUCKET, Prefix=f"{prefix}/").get(
            "Uploads", []
        ):
            client.abort_multipart_upload(
                Bucket=PUBLIC_BUCKET, Key=upload["Key"], UploadId=upload["UploadId"]
            )
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=PUBLIC_BUCKET, Prefix=f"{prefix}/"
        ):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=PUBLIC_BUCKET, Key=item["Key"])
    finally:
        client.close()


def run_publish_chaos(rounds: int, seed: int, workdir: Path) -> ChaosReport:
    """Publish rounds against a SeaweedFS server started for the run."""
    from tests.storage.conftest import storage_toml  # noqa: PLC0415 (test tooling)
    from tests.storage.helpers import feed_problems  # noqa: PLC0415
    from tests.storage.seaweed import run_seaweedfs  # noqa: PLC0415

    rng = random.Random(seed)  # noqa: S311 (reproducible kill times, not cryptography)
    report = ChaosReport()
    env = _s3_environment(workdir)
    prefix = "chaos"
    with run_seaweedfs(workdir / "seaweedfs") as server:
        built = workdir / "built-for-s3"
        shutil.rmtree(built, ignore_errors=True)
        shutil.copytree(make_template(workdir), built)
        (built / "audioarchive.toml").write_text(storage_toml(server, prefix))
        subprocess.run(_command(built, "build"), check=True, capture_output=True, env=env)
        reference = workdir / "publish-reference"
        shutil.rmtree(reference, ignore_errors=True)
        shutil.copytree(built, reference)
        started = time.monotonic()
        subprocess.run(_command(reference, "publish"), check=True, capture_output=True, env=env)
        full = time.monotonic() - started
        expected_remote = _remote_digest(server, prefix)
        expected_local = tree_digest(reference)
        for number in range(rounds):
            report.rounds += 1
            ws = workdir / f"publish-round-{number}"
            delay = rng.uniform(0.05, full)
            for _attempt in range(_ATTEMPTS):  # a run that ended before its kill: again
                _wipe(server, prefix)
                shutil.rmtree(ws, ignore_errors=True)
                shutil.copytree(built, ws)
                if _killed(_command(ws, "publish"), delay, env):
                    report.killed_mid_run += 1
                    break
                delay /= 2
            where = f"publish round {number} (kill at {delay:.2f}s)"
            problems = [f"{where}: served feed: {p}" for p in feed_problems(server, prefix)]
            resumed = subprocess.run(
                _command(ws, "publish"), capture_output=True, text=True, check=False, env=env
            )
            if resumed.returncode != 0:
                problems.append(f"{where}: the resumed publish failed: {resumed.stderr[-300:]}")
            problems += _differences(
                where, "remote ", expected_remote, _remote_digest(server, prefix)
            )
            problems += _differences(where, "", expected_local, tree_digest(ws))
            report.problems.extend(problems)
            report.survived += not problems
            shutil.rmtree(ws, ignore_errors=True)
    return report


LONG_SESSION = "2023-03-16-seance-longue"
LONG_SESSION_YAML = f"""id: {LONG_SESSION}
title: "Séance longue, enregistrée en trois parties"
date: 2023-03-16T19:00:00+01:00
season: 1
episode: 5
description: "Une longue séance, coupée en trois fichiers par l'enregistreur."
"""


@dataclass
class Kill:
    """One publish killed with SIGKILL: when, and in which stage it was at that instant."""

    delay: float
    stage: str  # "start", "build", "upload", or "finished" (ended before the kill)


def make_long_session(root: Path, minutes: float, parts: int) -> None:
    """A multi-part session (a recorder splitting a long meeting) added to the workspace."""
    from audioarchive.config import ToolSettings  # noqa: PLC0415
    from audioarchive.ffmpeg import find_tools  # noqa: PLC0415
    from audioarchive.samples import MeetingSpec, default_turns, synthesize_meeting  # noqa: PLC0415

    folder = root / "recordings" / LONG_SESSION
    if folder.is_dir() and len(list(folder.glob("*.WAV"))) == parts:
        return
    folder.mkdir(parents=True, exist_ok=True)
    tools = find_tools(ToolSettings(), encoders=("pcm_s24le",))
    spec = MeetingSpec(default_turns(12.0), lead=3.0, tail=2.0, minutes=minutes, parts=parts)
    with tempfile.TemporaryDirectory() as tmp:
        meeting = synthesize_meeting(tools, Path(tmp) / "long.wav", spec)
        for number, part in enumerate(meeting.parts, start=1):
            part.replace(folder / f"ZOOM{number:04d}.WAV")
    (root / "metadata" / "sessions" / f"{LONG_SESSION}.yaml").write_text(
        LONG_SESSION_YAML, encoding="utf-8"
    )


def _stage(log: Path) -> str:
    """The stage a publish is in, from its -v log: "start" (Python starting, the storage
    preflight: nothing logged yet), "build", or "upload" (from the storage plan line on)."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    if "storage: " in text:
        return "upload"
    return "build" if text.strip() else "start"


def _kill_after(command: list[str], delay: float, env: dict[str, str], log: Path) -> Kill:
    with (
        log.open("wb") as err,
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env) as proc,
    ):
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            stage = _stage(log)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return Kill(delay, stage)
    return Kill(delay, "finished")


#: Kills placed by events rather than times (the short form in the test suite): the moment
#: the log shows the marker, plus a delay; each lands in its stage on a slow or fast machine.
EVENT_KILLS: tuple[tuple[str, float], ...] = (
    ("processing audio", 0.3),  # the build, as the first episode's audio starts
    ("processing audio", 1.0),  # the build again, further in (earlier episodes are done)
    ("storage: sending", 0.0),  # the upload, as the first objects go
)


def _kill_at(command: list[str], marker: str, after: float, env: dict[str, str], log: Path) -> Kill:
    """Start ``command``; once its log shows ``marker``, wait ``after`` seconds and kill it."""
    started = time.monotonic()
    with (
        log.open("wb") as err,
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env) as proc,
    ):
        while proc.poll() is None and marker not in log.read_text(errors="replace"):
            time.sleep(0.02)
        if after > 0:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=after)
        if proc.poll() is not None:
            return Kill(time.monotonic() - started, "finished")
        stage = _stage(log)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return Kill(time.monotonic() - started, stage)


def run_kill_sequence(
    rounds: int,
    workdir: Path,
    *,
    minutes: float = 12.0,
    parts: int = 3,
    delays: tuple[float, ...] = (1.0, 3.0, 6.0),
    events: tuple[tuple[str, float], ...] = EVENT_KILLS,
    samples: bool = True,
) -> tuple[ChaosReport, list[Kill]]:
    """Into a fresh prefix each round: publishes killed one after the other, then one that
    must succeed (exit 0) and leave in storage exactly the files of its feed/, named as an
    uninterrupted publish names them.

    With ``samples``, the samples are built first with the workspace's own base URL (as
    ``make demo`` leaves them), so the publishes re-tag them for the bucket's URL; the
    multi-part session is not built beforehand, so the kills land in the build (its audio)
    as well as in the upload. The kills come one after the other: first after each of
    ``delays`` seconds (the organiser's 1, 3 and 6 s, which on a loaded machine may all land
    while Python starts), then by ``events`` (a log marker and a delay), which land in the
    build and in the upload whatever the machine's speed.
    """
    from tests.storage.conftest import storage_toml  # noqa: PLC0415 (test tooling)
    from tests.storage.seaweed import run_seaweedfs  # noqa: PLC0415

    report = ChaosReport()
    kills: list[Kill] = []
    env = _s3_environment(workdir)
    source = workdir / "kill-template"
    if not source.is_dir():
        if samples:
            shutil.copytree(make_template(workdir), source)
            # built first, as `make demo` leaves it: setting up [storage] then changes
            # base_url, so the first publish re-tags every sample (the window of #19)
            subprocess.run(_command(source, "build"), check=True, capture_output=True)
        else:
            source.mkdir(parents=True)
            shutil.copytree(ROOT / "metadata", source / "metadata")
            shutil.copyfile(ROOT / "audioarchive.toml", source / "audioarchive.toml")
            for session in (source / "metadata" / "sessions").glob("*.yaml"):
                if "recording:" in session.read_text(encoding="utf-8"):
                    session.unlink()  # the samples' sessions, whose recordings are not made
    make_long_session(source, minutes, parts)
    plan = [("", d) for d in delays] + list(events)
    with run_seaweedfs(workdir / "seaweedfs-kills") as server:
        reference = workdir / "kill-reference"
        shutil.rmtree(reference, ignore_errors=True)
        shutil.copytree(source, reference)
        (reference / "audioarchive.toml").write_text(storage_toml(server, "kill-reference"))
        subprocess.run(_command(reference, "publish"), check=True, capture_output=True, env=env)
        expected = _shape(_remote_digest(server, "kill-reference"))
        for number in range(rounds):
            report.rounds += 1
            prefix = f"kills-{number}-{os.getpid()}"  # a fresh prefix: nothing there yet
            ws = workdir / f"kill-round-{number}"
            shutil.rmtree(ws, ignore_errors=True)
            shutil.copytree(source, ws)
            (ws / "audioarchive.toml").write_text(storage_toml(server, prefix))
            where = f"kill round {number}"
            problems = []
            for index, (marker, delay) in enumerate(plan):
                command, log = _verbose(ws, "publish"), workdir / f"kill-{index}.log"
                kill = (
                    _kill_at(command, marker, delay, env, log)
                    if marker
                    else _kill_after(command, delay, env, log)
                )
                kills.append(kill)
                report.killed_mid_run += kill.stage != "finished"
                problems += [
                    f"{where}, after the kill at {kill.delay:.1f}s ({kill.stage}): served feed: {p}"
                    for p in _served_feed_problems(server, prefix)
                ]
            resumed = subprocess.run(
                _command(ws, "publish"), capture_output=True, text=True, check=False, env=env
            )
            if resumed.returncode != 0:
                problems.append(
                    f"{where}: the publish after the kills exited {resumed.returncode}: "
                    + resumed.stderr.strip()[-600:]
                )
            remote = _remote_digest(server, prefix)
            local = {
                k.removeprefix("feed/"): v
                for k, v in tree_digest(ws).items()
                if k.startswith("feed/")
            }
            problems += _differences(where, "remote (against feed/) ", local, remote)
            problems += _differences(where, "published ", expected, _shape(remote))
            report.problems.extend(problems)
            report.survived += not problems
            shutil.rmtree(ws, ignore_errors=True)
    return report, kills


def _verbose(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "audioarchive", "--workspace", str(root), "-v", *args]


def _timed_publish(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """Run an uninterrupted publish; return its duration and when its upload began."""
    started = time.monotonic()
    upload_at = None
    with (
        log.open("wb") as err,
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env) as proc,
    ):
        while proc.poll() is None:
            if upload_at is None and _stage(log) == "upload":
                upload_at = time.monotonic() - started
            time.sleep(0.05)
        if proc.returncode != 0:
            raise RuntimeError(f"the reference publish failed: {log.read_text()[-600:]}")
    full = time.monotonic() - started
    return full, upload_at if upload_at is not None else full * 0.8


def _served_feed_problems(server: S3Server, prefix: str) -> list[str]:
    from tests.storage.helpers import feed_problems  # noqa: PLC0415 (test tooling)

    return feed_problems(server, prefix)


_HASHED = re.compile(r"-[0-9a-f]{10}\.")


def _shape(digest: dict[str, str]) -> dict[str, str]:
    """Object names with content hashes blanked, each with its kind: two prefixes hold the
    same files with other URLs inside (so other bytes and hashes), never other names."""
    return {_HASHED.sub("-<hash>.", name): Path(name).suffix for name in digest}


def _differences(
    where: str, label: str, expected: dict[str, str], got: dict[str, str]
) -> list[str]:
    out = []
    for name in sorted(set(expected) | set(got)):
        if expected.get(name) != got.get(name):
            state = (
                "missing" if name not in got else "extra" if name not in expected else "different"
            )
            out.append(f"{where}: {label}{name} is {state}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--only", choices=("build", "publish", "kills"), default=None)
    parser.add_argument(
        "--minutes", type=float, default=12.0, help="length of the multi-part session (kills)"
    )
    parser.add_argument(
        "--kill-rounds", type=int, default=3, help="rounds of the kill sequence (kills)"
    )
    options = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="audioarchive-chaos-") as tmp:
        workdir = options.workdir or Path(tmp)
        modes = [options.only] if options.only else ["build", "publish", "kills"]
        for mode in modes:
            if mode == "kills":
                report, kills = run_kill_sequence(
                    options.kill_rounds, workdir, minutes=options.minutes
                )
                stages = ", ".join(f"{k.delay:.0f}s: {k.stage}" for k in kills)
                print(f"kills: {stages}", flush=True)
            else:
                run = run_chaos if mode == "build" else run_publish_chaos
                report = run(options.rounds, options.seed, workdir)
            print(
                f"{mode}: {report.survived}/{report.rounds} rounds survived "
                f"({report.killed_mid_run} killed mid-run)",
                flush=True,
            )
            for problem in report.problems:
                print(f"  LOST: {problem}", flush=True)
            failed |= report.survived != report.rounds
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
