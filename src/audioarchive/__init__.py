"""audioarchive: publish the recordings of public meetings.

The library is a chain of plain functions, one module per pipeline stage
(see CONTRIBUTING.md). The command line in :mod:`audioarchive.cli` is a thin
layer over what this package exports.
"""

from __future__ import annotations

__version__ = "0.1.0"

from audioarchive.config import Settings, load_settings
from audioarchive.errors import AudioArchiveError, ExitCode
from audioarchive.pipeline import BuildReport, EpisodeResult, build, publish
from audioarchive.session import Session, Show, Workspace, load_workspace

__all__ = [
    "AudioArchiveError",
    "BuildReport",
    "EpisodeResult",
    "ExitCode",
    "Session",
    "Settings",
    "Show",
    "Workspace",
    "__version__",
    "build",
    "load_settings",
    "load_workspace",
    "publish",
]
