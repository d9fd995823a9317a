"""The package root is light: importing the metadata stage does not load the
heavy third-party libraries of the later stages."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import make_tone, new_workspace

HEAVY = ("numpy", "mutagen", "PIL", "feedgen", "boto3", "botocore", "click")


@pytest.mark.parametrize(
    "module", ["audioarchive", "audioarchive.metadata", "audioarchive.metadata.session"]
)
def test_metadata_import_loads_no_heavy_library(module: str) -> None:
    code = f"import sys, {module}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_root_still_exports_the_public_api() -> None:
    code = (
        "import sys, audioarchive\n"
        "before = 'audioarchive.pipeline' in sys.modules\n"
        "from audioarchive import build, load_workspace, __version__\n"
        "print(build.__module__, before, 'audioarchive.pipeline' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    module, before, after = done.stdout.split()
    assert module.startswith("audioarchive.pipeline")
    assert (before, after) == ("False", "True")  # loaded on first use


# the commands that only read the collection: they must start quickly (issue #18: `list` and
# `search` under a second at 500 sessions), so they load none of the later stages' libraries
# (nor markdown-it or the fixity stage: the test workspace has no description to render)
COMMAND_HEAVY = (
    "numpy",
    "mutagen",
    "PIL",
    "feedgen",
    "boto3",
    "botocore",
    "starlette",
    "markdown_it",
    "audioarchive.archive.fixity",
)


def _modules_after(args: list[str]) -> tuple[set[str], str]:
    """Run the console script's entry with ``args`` in a fresh interpreter; the heavy modules
    it loaded, and what it printed."""
    code = (
        "import sys\n"
        "from audioarchive.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as end:\n"
        "    assert not end.code, end.code\n"
        f"print('LOADED', *[m for m in {COMMAND_HEAVY!r} if m in sys.modules], file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = done.stderr.rsplit("LOADED", 1)[1].split()
    return set(loaded), done.stdout


@pytest.fixture(scope="module")
def browse_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("imports")
    ws = new_workspace(root)
    ws.write_session(
        "2024-03-05-budget",
        title="Budget participatif",
        date="2024-03-05T19:00:00+01:00",
        topics=["budget"],
        speakers=[{"name": "Claire Martin"}],
    )
    return root


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (["--version"], "audioarchive, version"),
        (["list"], "2024-03-05-budget"),
        (["list", "--json"], '"title": "Budget participatif"'),
        (["search", "budget"], "2024-03-05-budget"),
    ],
)
def test_reading_commands_load_no_heavy_library(
    browse_workspace: Path, args: list[str], printed: str
) -> None:
    loaded, output = _modules_after(["-q", "-w", str(browse_workspace), *args])
    assert printed in output  # the command ran, and did its work
    assert loaded == set()


def test_a_building_command_still_loads_its_stages(browse_workspace: Path) -> None:
    """The check above can fail: `tags` needs mutagen, and the same probe sees it."""
    tone = make_tone(browse_workspace / "tone.wav", seconds=0.5)
    loaded, _ = _modules_after(["-q", "-w", str(browse_workspace), "tags", str(tone)])
    assert "mutagen" in loaded


def test_a_cached_collection_is_read_without_yaml(tmp_path: Path) -> None:
    """Once the collection is cached, `list` reads no session file: PyYAML is not loaded."""
    ws = new_workspace(tmp_path / "ws")
    ws.write_session("2024-03-05-budget", title="Budget", date="2024-03-05T19:00:00+01:00")
    (ws.root / ".audioarchive").mkdir()
    then = time.time_ns() - 60_000_000_000  # a minute ago: old enough to be cached
    for path in [ws.root, *ws.root.rglob("*")]:
        os.utime(path, ns=(then, then))
    code = (
        "import sys\n"
        "from audioarchive.cli import main\n"
        "try:\n"
        f"    main(['-q', '-w', {str(ws.root)!r}, 'list'])\n"
        "except SystemExit as end:\n"
        "    assert not end.code, end.code\n"
        "print('LOADED', 'yaml' in sys.modules, file=sys.stderr)\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert [r.stderr.rsplit("LOADED", 1)[1].split() for r in runs] == [["True"], ["False"]]
    assert all("2024-03-05-budget" in r.stdout for r in runs)
