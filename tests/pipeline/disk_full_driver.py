"""Run inside a new mount namespace (``unshare --user --map-root-user --mount``): mount a
3 MB tmpfs, build a workspace on it with the disk full, then with room again.

Usage: python -m tests.pipeline.disk_full_driver SOURCE_WORKSPACE MOUNT_POINT RESULT_JSON

A user namespace gives this process the right to mount a tmpfs (which the kernel allows
there) without CAP_SYS_ADMIN on the machine; the mount is gone when the process ends.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path


def _build(root: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "audioarchive", "--workspace", str(root), "build"],
        capture_output=True,
        text=True,
        check=False,
    )
    return {"code": done.returncode, "stderr": done.stderr, "stdout": done.stdout}


def main() -> int:
    source, mount, out = (Path(a) for a in sys.argv[1:4])
    mount.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], check=True)
    ws = mount / "ws"
    shutil.copytree(source, ws)
    filler = mount / "filler"
    free = shutil.disk_usage(mount).free
    filler.write_bytes(b"\0" * max(0, free - 250_000))  # leaves too little for the master
    full = _build(ws)
    leftovers = [p.name for p in ws.rglob("*") if p.is_file() and p.name.startswith(".tmp-")]
    master = ws / "archive" / "2022-10-25-a" / "2022-10-25-a.flac"
    master_after_full = master.exists()
    filler.unlink()
    resumed = _build(ws)
    result = {
        "filesystem": subprocess.run(
            ["df", "--output=fstype,size", str(mount)], capture_output=True, text=True, check=False
        ).stdout,
        "full": full,
        "leftovers": leftovers,
        "master_after_full": master_after_full,
        "resumed": resumed,
        "master_after_resume": master.is_file(),
    }
    out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
