"""Stage 4, publish: storage backends. Without ``[storage]``, ``feed/`` is the published tree."""

from __future__ import annotations

from dataclasses import dataclass

from audioarchive.config import StorageSettings
from audioarchive.errors import InputError
from audioarchive.session import Workspace


@dataclass(frozen=True)
class UploadReport:
    uploaded: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


def publish_tree(workspace: Workspace, target: StorageSettings, *, dry_run: bool) -> UploadReport:
    """Upload ``feed/`` (and ``archive/`` to the archive storage) to S3-compatible storage."""
    del workspace, dry_run
    raise InputError(
        f"audioarchive.toml: storage: publishing to {target.url} is not available in this version",
        hint="remove [storage] to publish into feed/",
    )
