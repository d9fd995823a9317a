"""A publish killed while it re-tags: the next run must not take its own new master for
a damaged one (#19: "a publish after killed publishes exited 1 once")."""

from __future__ import annotations

import signal
import subprocess
import sys

import yaml

from tests.helpers import Ws

# SIGKILL at the exact instant after the master was re-tagged and before the episode's
# record is saved: a real kill of a real process, placed where a random one lands rarely.
KILL_BEFORE_RECORD = """
import os, signal, sys
import audioarchive.pipeline as pipeline
pipeline.save_record = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
from audioarchive.cli import main
main(["--workspace", sys.argv[1], "build"])
"""


def test_a_kill_between_the_master_retag_and_its_record(built: Ws) -> None:
    path = built.sessions / "2022-11-24-b.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["title"] = "Un titre corrigé"  # tags change, audio does not: a re-tag
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    killed = subprocess.run(
        [sys.executable, "-c", KILL_BEFORE_RECORD, str(built.root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    result = built.run("build")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "2022-11-24-b  re-tagged" in result.stdout
    verified = built.run("verify")
    assert verified.exit_code == 0, verified.stdout + verified.stderr
