#!/usr/bin/env python3
"""Kill-and-resume: SIGKILL a build at random moments, then check nothing was lost.

Usage: python scripts/chaos.py [--rounds N] [--seed S] [--workdir DIR]

Each round copies a fresh sample workspace, starts `audioarchive build`, kills it
with SIGKILL after a random delay (within the time a whole build takes), checks
that the public tree is consistent at that instant (feed.xml, if present, is
well-formed and every enclosure it names exists with its announced length), then
runs a normal build and compares every file of feed/ and archive/ with an
uninterrupted build's. Prints the rounds survived and anything lost or different.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]


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
            if path.is_file():
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
        shutil.rmtree(ws, ignore_errors=True)
        shutil.copytree(template, ws)
        delay = rng.uniform(0.05, full)
        with subprocess.Popen(
            _command(ws, *args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ) as proc:
            time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                report.killed_mid_run += 1
            proc.wait()
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--workdir", type=Path, default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="audioarchive-chaos-") as tmp:
        workdir = options.workdir or Path(tmp)
        report = run_chaos(options.rounds, options.seed, workdir)
    print(
        f"build: {report.survived}/{report.rounds} rounds survived "
        f"({report.killed_mid_run} killed mid-run)"
    )
    for problem in report.problems:
        print(f"  LOST: {problem}")
    return 0 if report.survived == report.rounds else 1


if __name__ == "__main__":
    sys.exit(main())
