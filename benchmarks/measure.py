#!/usr/bin/env python3
"""Run a command; write its wall time and the peak RSS of its largest process as JSON.

Usage: measure.py STATS.json -- COMMAND...   (exits with the command's status)

``RUSAGE_CHILDREN.ru_maxrss`` is the largest peak RSS among all the waited-for
descendants, so a fresh measure.py per command gives that command's figure.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    stats, separator, *cmd = sys.argv[1:]
    if separator != "--" or not cmd:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.monotonic()
    code = subprocess.run(cmd, check=False).returncode
    wall = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    Path(stats).write_text(
        json.dumps(
            {"wall": wall, "max_rss_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime}
        )
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
