"""A full disk during encoding: a clear error, no partial file, and the next run resumes.

The small disk is a 3 MB tmpfs mounted in a user and mount namespace of its own
(``unshare --user --map-root-user --mount``): the kernel lets a process mount a tmpfs
there without CAP_SYS_ADMIN on the machine, so this runs in CI containers and as a
normal user alike. Skipped only where user namespaces are disabled.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import Ws

ROOT = Path(__file__).resolve().parents[2]
UNSHARE = ("unshare", "--user", "--map-root-user", "--mount")


def _namespaces_work() -> str | None:
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    probe = subprocess.run([*UNSHARE, "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"user namespaces are disabled here ({probe.stderr.strip()})"
    return None


def test_disk_full_while_encoding(built: Ws, tmp_path: Path) -> None:
    reason = _namespaces_work()
    if reason is not None:
        pytest.skip(reason)
    source = tmp_path / "source"
    shutil.copytree(built.root / "metadata", source / "metadata")
    shutil.copyfile(built.root / "audioarchive.toml", source / "audioarchive.toml")
    shutil.copytree(
        built.root / "recordings" / "2022-10-25-a", source / "recordings" / "2022-10-25-a"
    )
    for path in (source / "metadata" / "sessions").glob("*.yaml"):
        if path.stem != "2022-10-25-a":
            path.unlink()
    out = tmp_path / "result.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    done = subprocess.run(
        [*UNSHARE, sys.executable, "-m", "tests.pipeline.disk_full_driver", str(source),
         str(tmp_path / "small"), str(out)],
        capture_output=True, text=True, check=False, env=env, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert "tmpfs" in result["filesystem"]
    full = result["full"]
    assert full["code"] == 1, full
    assert "2022-10-25-a: ffmpeg: the disk is full (No space left on device)" in full["stderr"]
    assert "Traceback" not in full["stderr"]
    assert "internal error" not in full["stderr"]
    assert result["leftovers"] == []
    assert result["master_after_full"] is False
    assert result["resumed"]["code"] == 0, result["resumed"]["stderr"]
    assert result["master_after_resume"] is True
