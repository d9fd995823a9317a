"""audioarchive: publish the recordings of public meetings.

The library is a chain of plain functions, one package per pipeline stage
(see CONTRIBUTING.md). The command line in :mod:`audioarchive.cli` is a thin
layer over what this package exports.

This root only re-exports the public API, lazily: importing a small part such
as :mod:`audioarchive.metadata.session` does not load the audio, tag or storage stages,
and no module of the package imports this root.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audioarchive._version import __version__
from audioarchive.common.lazy import lazy_exports

if TYPE_CHECKING:
    from audioarchive.config import Settings, load_settings
    from audioarchive.errors import AudioArchiveError, ExitCode
    from audioarchive.metadata.session import Session, Show, Workspace, load_workspace
    from audioarchive.pipeline import BuildReport, EpisodeResult, build, publish

_EXPORTS = {
    "AudioArchiveError": "audioarchive.errors",
    "BuildReport": "audioarchive.pipeline",
    "EpisodeResult": "audioarchive.pipeline",
    "ExitCode": "audioarchive.errors",
    "Session": "audioarchive.metadata.session",
    "Settings": "audioarchive.config",
    "Show": "audioarchive.metadata.session",
    "Workspace": "audioarchive.metadata.session",
    "build": "audioarchive.pipeline",
    "load_settings": "audioarchive.config",
    "load_workspace": "audioarchive.metadata.session",
    "publish": "audioarchive.pipeline",
}


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())


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
