"""Stage 4, publish: S3-compatible storage. Without ``[storage]``, ``feed/`` is the published tree.

``publish_tree`` sends ``feed/`` to ``[storage]`` (media first and verified, the
feed last, removals after it) and ``archive/`` to ``[archive_storage]``;
``verify_remote`` compares what storage holds with the manifest. boto3 is
imported only when a client is opened (:mod:`audioarchive.storage.s3`).

The names below are re-exported lazily: ``list``, which only reads the manifest
(:func:`published_paths`), loads neither the publisher nor the HTTP client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audioarchive.common.lazy import lazy_exports
from audioarchive.errors import ConfigError

if TYPE_CHECKING:
    from audioarchive.metadata.session import Workspace
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

_EXPORTS = {
    "PRESETS": "audioarchive.storage.providers",
    "Connection": "audioarchive.storage.publisher",
    "Forecast": "audioarchive.storage.plan",
    "ObjectChange": "audioarchive.storage.publisher",
    "PhaseProgress": "audioarchive.storage.publisher",
    "Preset": "audioarchive.storage.providers",
    "RemoteProblem": "audioarchive.storage.verify",
    "RemoteVerifyReport": "audioarchive.storage.verify",
    "Target": "audioarchive.storage.providers",
    "UploadReport": "audioarchive.storage.publisher",
    "connect": "audioarchive.storage.publisher",
    "human_size": "audioarchive.storage.publisher",
    "publish_tree": "audioarchive.storage.publisher",
    "resolve_target": "audioarchive.storage.providers",
    "verify_remote": "audioarchive.storage.verify",
}


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())


def published_paths(workspace: Workspace) -> dict[str, str] | None:
    """Paths of ``feed/`` (with their SHA-256) that were up when the feed was last published.

    ``None`` without ``[storage]``; read from the local manifest, no request made.
    """
    from audioarchive.storage.manifest import load_manifest, manifest_path  # noqa: PLC0415
    from audioarchive.storage.providers import resolve_target  # noqa: PLC0415

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
