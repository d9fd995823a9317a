#!/usr/bin/env python3
"""Benchmark: every command on a workspace of 50 and of 500 sessions (ten years of meetings).

Usage: .venv/bin/python benchmarks/scale.py [--sessions 50,500] [--seconds 2]

For each size, makes a workspace of N meetings (one short recording each, with a
description, speakers, topics and chapters), starts SeaweedFS on loopback (``weed``,
from the ``test`` extra) and runs the commands a user runs, each in its own process
through ``measure.py`` (wall time, peak RSS of its largest process): the first build,
a build with nothing changed, a build after one title changed, ``validate``, ``list``,
``search``, a publish with nothing changed and one after a title changed (with the
number of S3 requests from ``publish --json``). Prints a table with the growth from
the smallest to the largest size (10x sessions: linear is 10x), and writes it to
bench-results/scale.md.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.publish import use_seaweedfs_credentials  # noqa: E402
from tests.helpers import make_tone, new_workspace  # noqa: E402
from tests.storage.seaweed import PUBLIC_BUCKET, S3Server, run_seaweedfs  # noqa: E402

MEASURE = [sys.executable, str(ROOT / "benchmarks" / "measure.py")]
AUDIOARCHIVE = [sys.executable, "-m", "audioarchive", "-q"]
TOPICS = ("budget", "voirie", "écoles", "logement", "culture", "sport", "propreté", "mobilités")
STEPS = (
    ("start-up (--version)", "--version"),
    ("first build", "build"),
    ("build, nothing changed", "build"),
    ("build, one title changed", "build"),
    ("validate", "validate"),
    ("list", "list"),
    ("search", "search"),
    ("publish, nothing changed", "publish"),
    ("publish, one title changed", "publish"),
)
TARGETS = {
    "build, nothing changed": 3.0,
    "build, one title changed": 5.0,
    "list": 1.0,
    "search": 1.0,
    "publish, nothing changed": 3.0,
}
MEMORY_TARGET_MB = 300


@dataclass
class Step:
    seconds: float  # wall
    rss_mb: float
    requests: int | None = None
    cpu: float | None = None  # user + system, every process of the command


@dataclass
class Run:
    sessions: int
    steps: dict[str, Step] = field(default_factory=dict)
    feed_bytes: int = 0
    seeded: bool = False


def check_feed(root: Path, sessions: int) -> int:
    """Both clients read every item of the feed; its size in bytes."""
    import feedparser  # noqa: PLC0415 (test extra)
    import podcastparser  # noqa: PLC0415

    data = (root / "feed" / "feed.xml").read_bytes()
    read_fp = len([e for e in feedparser.parse(data).entries if e.get("enclosures")])
    parsed = podcastparser.parse("https://example.invalid/feed.xml", io.BytesIO(data))
    read_pp = len(parsed["episodes"])
    if read_fp != sessions or read_pp != sessions:
        raise SystemExit(f"feed of {sessions}: feedparser read {read_fp}, podcastparser {read_pp}")
    return len(data)


BASE_URL = "https://podcast.example.org/scale"  # fixed: a new server port changes no file


def configure(root: Path, server: S3Server) -> None:
    (root / "audioarchive.toml").write_text(
        f'[site]\nbase_url = "{BASE_URL}"\n\n'
        f'[storage]\nurl = "s3://{PUBLIC_BUCKET}/scale"\n'
        f'endpoint_url = "{server.endpoint}"\nprovider = "seaweedfs"\n'
        f'public_url = "{server.public_url("scale")}"\n'
    )


def seed_audio(root: Path) -> None:
    """Give every session the first one's audio outputs (the recordings are identical, so
    are the encodes): the first build then only tags, and writes feed and pages. For a
    quick 500-session workspace on a busy machine; the first build's audio cost is the
    smaller size's, per session."""
    state = root / ".audioarchive"
    sessions = sorted(p.stem for p in (root / "metadata" / "sessions").glob("*.yaml"))
    model_id = sessions[0]
    model = json.loads((state / "state" / f"{model_id}.json").read_text())
    probes = json.loads((state / "probe-cache.json").read_text())
    model_probe = probes[str((root / "recordings" / model_id / "ZOOM0001.WAV").resolve())]
    for session in sessions[1:]:
        shutil.copytree(state / "cache" / model_id, state / "cache" / session)
        master = root / "archive" / session / f"{session}.flac"
        master.parent.mkdir(parents=True)
        shutil.copyfile(root / "archive" / model_id / f"{model_id}.flac", master)
        part = root / "recordings" / session / "ZOOM0001.WAV"
        stat = part.stat()
        record = json.loads(json.dumps(model))
        record["id"] = session
        record["tag_key"] = "seeded"
        record["media"] = []
        record["sources"][0]["mtime_ns"] = stat.st_mtime_ns
        record["master"].update(
            path=f"{session}/{session}.flac",
            size=master.stat().st_size,
            sha256=hashlib.sha256(master.read_bytes()).hexdigest(),
        )
        (state / "state" / f"{session}.json").write_text(json.dumps(record))
        probes[str(part.resolve())] = {**model_probe, "mtime_ns": stat.st_mtime_ns}
    (state / "probe-cache.json").write_text(json.dumps(probes))


def make_workspace(root: Path, sessions: int, seconds: float, server: S3Server) -> None:
    ws = new_workspace(root)
    configure(root, server)
    tone = make_tone(root / "tone.wav", seconds=seconds, rate=44100, channels=1)
    for number in range(sessions):
        year, week = 2015 + number // 50, number % 50
        session = f"{year}-{1 + week // 5:02d}-{1 + (week % 5) * 6:02d}-seance-{number:03d}"
        folder = root / "recordings" / session
        folder.mkdir(parents=True)
        shutil.copyfile(tone, folder / "ZOOM0001.WAV")
        topic = TOPICS[number % len(TOPICS)]
        ws.write_session(
            session,
            title=f"Séance {number + 1} : {topic}",
            date=f"{session[:10]}T19:00:00+01:00",
            season=year - 2014,
            episode=week + 1,
            description=f"Le conseil débat de **{topic}** et de la séance {number + 1}.",
            speakers=[
                {"name": "Claire Martin", "role": "moderator"},
                {"name": f"Invité {number}", "affiliation": "association"},
            ],
            topics=[topic, "conseil"],
            chapters=[{"start": 0, "title": "Ouverture"}, {"start": 1, "title": topic}],
        )
    (root / "tone.wav").unlink()


def _user_env() -> dict[str, str]:
    """The commands run as in a user's shell: Python keeps the compiled modules it reads (a
    machine that sets PYTHONDONTWRITEBYTECODE would compile all of them again every time)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(label: str, root: Path, args: list[str], work: Path) -> Step:
    stats = work / f"stats-{root.name}.json"
    out = work / f"out-{root.name}.txt"
    with out.open("wb") as stdout:
        code = subprocess.run(
            [*MEASURE, str(stats), "--", *AUDIOARCHIVE, "-w", str(root), *args],
            check=False,
            stdout=stdout,
            env=_user_env(),
        ).returncode
    if code != 0:
        raise SystemExit(f"{label}: exit {code}\n{out.read_text()[-2000:]}")
    data = json.loads(stats.read_text())
    requests = None
    if args[0] == "publish":
        requests = json.loads(out.read_text())["storage"]["requests"]
    return Step(data["wall"], data["max_rss_kb"] / 1024, requests, data["cpu"])


def change_title(root: Path, number: int) -> None:
    """Rename a session (or rename it back, on a kept workspace)."""
    session = sorted((root / "metadata" / "sessions").glob("*.yaml"))[number]
    text = session.read_text(encoding="utf-8")
    old, new = (
        ("Renamed séance", "Séance") if "Renamed séance" in text else ("Séance", "Renamed séance")
    )
    renamed = re.sub(f"^title: (['\"]?){old}", f"title: \\g<1>{new}", text, count=1, flags=re.M)
    if renamed == text:  # the title is quoted when it holds ": "
        raise SystemExit(f"{session.name}: no title to change")
    session.write_text(renamed, encoding="utf-8")


def run_size(sessions: int, seconds: float, work: Path, *, seed: bool = False) -> Run:
    run = Run(sessions, seeded=seed)
    root = work / f"ws-{sessions}"
    first = work / f"first-build-{sessions}.json"
    shutil.rmtree(work / f"seaweedfs-{sessions}", ignore_errors=True)
    with run_seaweedfs(work / f"seaweedfs-{sessions}") as server:
        steps = STEPS
        if first.is_file():  # --work: the workspace is kept, built, from an earlier run
            print(f"{sessions} sessions: reusing {root} (new storage)...", file=sys.stderr)
            configure(root, server)
            run.steps["first build"] = Step(**json.loads(first.read_text()))
            measure("build for the new storage", root, ["build"], work)
            run.feed_bytes = check_feed(root, sessions)
            steps = tuple(s for s in STEPS if s[0] != "first build")
        else:
            print(f"{sessions} sessions: making the workspace...", file=sys.stderr)
            shutil.rmtree(root, ignore_errors=True)
            make_workspace(root, sessions, seconds, server)
            if seed:
                model = sorted(p.stem for p in (root / "metadata" / "sessions").glob("*.yaml"))
                measure("build the first session", root, ["build", model[0]], work)
                seed_audio(root)
        for label, command in steps:
            if label == "build, one title changed":
                change_title(root, sessions // 2)
            if label == "publish, nothing changed":  # the first upload is not measured
                measure("first publish", root, ["publish", "--json"], work)
            if label == "publish, one title changed":
                change_title(root, sessions // 3)
            args = {
                "--version": ["--version"],
                "list": ["list"],
                "search": ["search", "budget"],
                "publish": ["publish", "--json"],
            }.get(command, [command])
            print(f"{sessions} sessions: {label}...", file=sys.stderr)
            run.steps[label] = measure(label, root, args, work)
            if label == "first build":
                run.feed_bytes = check_feed(root, sessions)
                first.write_text(json.dumps(vars(run.steps[label])))
    return run


def table(runs: list[Run]) -> str:
    small, large = runs[0], runs[-1]
    head = "| step | " + " | ".join(f"{r.sessions} sessions" for r in runs)
    factor = large.sessions // small.sessions
    head += f" | growth (CPU), x{factor} sessions | target at {large.sessions} |"
    lines = [head, "|---" * (len(runs) + 3) + "|"]
    for label, _ in STEPS:
        cells = []
        for run in runs:
            step = run.steps[label]
            requests = f", {step.requests} req" if step.requests is not None else ""
            cpu = f" ({step.cpu:.2f} s CPU)" if step.cpu is not None else ""
            cells.append(f"{step.seconds:.2f} s{cpu}, {step.rss_mb:.0f} MB{requests}")
        before, after = small.steps[label], large.steps[label]
        if label == "first build" and any(r.seeded for r in runs):
            growth = "n/a (seeded)"
        elif before.cpu is not None and after.cpu is not None:
            growth = f"x{after.cpu / max(before.cpu, 1e-3):.1f}"
        else:
            growth = f"x{after.seconds / max(before.seconds, 1e-3):.1f} (wall)"
        target = f"< {TARGETS[label]:.0f} s" if label in TARGETS else ""
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {growth} | {target} |")
    peak = max(s.rss_mb for s in large.steps.values())
    lines.append("")
    for run in runs:
        if run.seeded:
            lines.append(
                f"First build at {run.sessions} sessions seeded (--seed-above): the first "
                "session built, its audio outputs copied to the others (identical recordings), "
                "so the figure is tags, feed and pages only; the audio costs the same per "
                "session as at the smaller size."
            )
    lines.append(
        "Each command runs in its own process, as from a user's shell (compiled modules "
        "cached, PYTHONDONTWRITEBYTECODE unset). "
        "Wall time on a shared machine varies with its load; CPU time (user + system of every "
        "process of the command) is steadier and gives the growth."
    )
    lines.append(
        "feed.xml: "
        + ", ".join(f"{r.feed_bytes / 1e6:.2f} MB at {r.sessions} sessions" for r in runs)
        + " (every item read by feedparser and podcastparser)."
    )
    lines.append(
        f"Peak memory at {large.sessions} sessions: {peak:.0f} MB (target < {MEMORY_TARGET_MB} MB)."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sessions", default="50,500", help="sizes, comma-separated")
    parser.add_argument("--seconds", type=float, default=2.0, help="audio per session")
    parser.add_argument(
        "--seed-above",
        type=int,
        default=0,
        help="for sizes above this, build the first session and copy its audio outputs to "
        "the others (a quick large workspace on a busy machine; default: build everything)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        help="keep the workspaces here and reuse them (skips the first build; default: a "
        "temporary folder, removed)",
    )
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.sessions.split(","))
    use_seaweedfs_credentials()
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        runs = [
            run_size(
                n,
                args.seconds,
                args.work.resolve(),
                seed=bool(args.seed_above) and n > args.seed_above,
            )
            for n in sizes
        ]
    else:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            runs = [
                run_size(
                    n, args.seconds, Path(tmp), seed=bool(args.seed_above) and n > args.seed_above
                )
                for n in sizes
            ]
    text = table(runs)
    out = ROOT / "bench-results" / "scale.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
