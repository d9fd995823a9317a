"""A full disk during encoding: a clear error, no partial file, and the next run resumes."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Ws


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root and CAP_SYS_ADMIN)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_while_encoding(built: Ws, small_disk: Path) -> None:
    ws = Ws(small_disk / "ws")
    shutil.copytree(built.root / "metadata", ws.root / "metadata")
    shutil.copyfile(built.root / "audioarchive.toml", ws.root / "audioarchive.toml")
    folder = ws.root / "recordings" / "2022-10-25-a"
    shutil.copytree(built.root / "recordings" / "2022-10-25-a", folder)
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(0, free - 250_000))  # leaves too little for the master
    for path in (ws.sessions).glob("*.yaml"):
        if path.stem != "2022-10-25-a":
            path.unlink()
    result = ws.run("build")
    assert result.exit_code == 1
    assert "2022-10-25-a: ffmpeg: the disk is full (No space left on device)" in result.stderr
    assert "Traceback" not in result.stderr
    leftovers = [p for p in ws.root.rglob("*") if p.is_file() and p.name.startswith(".tmp-")]
    assert leftovers == []
    assert not (ws.root / "archive" / "2022-10-25-a" / "2022-10-25-a.flac").exists()
    filler.unlink()
    resumed = ws.run("build")
    assert resumed.exit_code == 0, resumed.stderr
    assert (ws.root / "archive" / "2022-10-25-a" / "2022-10-25-a.flac").is_file()
