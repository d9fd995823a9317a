"""Stage 4, publish: S3-compatible storage. Without ``[storage]``, ``feed/`` is the published tree.

``publish_tree`` sends ``feed/`` to ``[storage]`` (media first and verified, the
feed last, removals after it) and ``archive/`` to ``[archive_storage]``;
``verify_remote`` compares what storage holds with the manifest. boto3 is
imported only when a client is opened (:mod:`audioarchive.storage.s3`).
"""

from __future__ import annotations

from audioarchive.errors import ConfigError
from audioarchive.metadata.session import Workspace
from audioarchive.storage.manifest import load_manifest, manifest_path
from audioarchive.storage.plan import Forecast
from audioarchive.storage.providers import PRESETS, Preset, Target, resolve_target
from audioarchive.storage.publisher import (
    Connection,
    ObjectChange,
    PhaseProgress,
    UploadReport,
    connect,
    human_size,
    publish_tree,
)
from audioarchive.storage.verify import RemoteProblem, RemoteVerifyReport, verify_remote


def published_paths(workspace: Workspace) -> dict[str, str] | None:
    """Paths of ``feed/`` (with their SHA-256) that were up when the feed was last published.

    ``None`` without ``[storage]``; read from the local manifest, no request made.
    """
    storage = workspace.settings.storage
    if storage is None:
        return None
    try:
        target = resolve_target(storage, "storage")
    except ConfigError:
        return {}
    manifest = load_manifest(manifest_path(workspace.paths.state, "storage"), target.identity)
    return manifest.published()


__all__ = [
    "PRESETS",
    "Connection",
    "Forecast",
    "ObjectChange",
    "PhaseProgress",
    "Preset",
    "RemoteProblem",
    "RemoteVerifyReport",
    "Target",
    "UploadReport",
    "connect",
    "human_size",
    "publish_tree",
    "published_paths",
    "resolve_target",
    "verify_remote",
]
