"""The package root is light: importing the metadata stage does not load the
heavy third-party libraries of the later stages."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
        "from audioarchive import build, load_workspace, __version__\n"
        "print(build.__module__, 'numpy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    module, numpy_loaded = done.stdout.split()
    assert module.startswith("audioarchive.pipeline")
    assert numpy_loaded == "True"
