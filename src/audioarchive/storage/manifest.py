"""The local record of what is where: ``.audioarchive/publish/<section>.json``.

One manifest per target (``storage``, ``archive_storage``). For each object put
there it records the key, size, SHA-256, ETag, the headers it was sent with, the
publish run that put it and whether it was verified; and a cache of the local
files' checksums (by size and modification time) so that an unchanged tree is
not hashed again. A manifest written for another bucket, prefix or endpoint is
ignored. Losing it costs requests, never correctness: the next publish compares
the remote objects' checksum metadata instead.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audioarchive.common.writing import write_atomic

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class RemoteEntry:
    """An object this workspace put on the target (or found there with the right checksum)."""

    key: str
    size: int
    sha256: str
    etag: str
    content_type: str
    cache_control: str | None
    run: int  # the publish run that sent or adopted it
    verified: bool = False


@dataclass(frozen=True)
class LocalHash:
    size: int
    mtime_ns: int
    sha256: str


@dataclass
class Manifest:
    target: str  # Target.identity
    run: int = 0  # the last publish run started
    feed_run: int = 0  # the last run whose feed went up (0: never)
    completed_at: str | None = None  # when the last complete publish ended (UTC)
    objects: dict[str, RemoteEntry] = field(default_factory=dict)  # path in the tree -> entry
    hashes: dict[str, LocalHash] = field(default_factory=dict)  # path in the tree -> checksum

    def published(self) -> dict[str, str]:
        """Paths (with their SHA-256) that were up when the last feed went up."""
        return {
            path: entry.sha256
            for path, entry in self.objects.items()
            if self.feed_run and entry.run <= self.feed_run
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "target": self.target,
            "run": self.run,
            "feed_run": self.feed_run,
            "completed_at": self.completed_at,
            "objects": {p: asdict(e) for p, e in sorted(self.objects.items())},
            "hashes": {p: asdict(h) for p, h in sorted(self.hashes.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            target=str(data["target"]),
            run=int(data["run"]),
            feed_run=int(data["feed_run"]),
            completed_at=data.get("completed_at"),
            objects={p: RemoteEntry(**e) for p, e in data["objects"].items()},
            hashes={p: LocalHash(**h) for p, h in data["hashes"].items()},
        )


def manifest_path(state_dir: Path, section: str) -> Path:
    return state_dir / "publish" / f"{section}.json"


_CACHE: dict[Path, tuple[tuple[int, int], Manifest]] = {}


def load_manifest(path: Path, target: str) -> Manifest:
    """The manifest at ``path`` if it belongs to ``target``, else an empty one."""
    try:
        stat = path.stat()
        cached = _CACHE.get(path)
        if cached is not None and cached[0] == (stat.st_mtime_ns, stat.st_size):
            manifest = cached[1]
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != MANIFEST_VERSION:
                return Manifest(target)
            manifest = Manifest.from_json(data)
            _CACHE[path] = ((stat.st_mtime_ns, stat.st_size), manifest)
    except (OSError, ValueError, KeyError, TypeError):
        return Manifest(target)
    if manifest.target != target:
        return Manifest(target)
    return _copy(manifest)


def read_manifest(path: Path) -> Manifest | None:
    """The manifest at ``path`` whatever its target, or ``None`` (for status displays)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != MANIFEST_VERSION:
            return None
        return Manifest.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_manifest(path: Path, manifest: Manifest) -> None:
    text = json.dumps(manifest.to_json(), indent=1, sort_keys=True, ensure_ascii=False)
    write_atomic(path, (text + "\n").encode("utf-8"))


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _copy(manifest: Manifest) -> Manifest:
    return Manifest(
        target=manifest.target,
        run=manifest.run,
        feed_run=manifest.feed_run,
        completed_at=manifest.completed_at,
        objects=dict(manifest.objects),
        hashes=dict(manifest.hashes),
    )


def file_identity(path: Path) -> tuple[int, int]:
    """Size and modification time: when both are unchanged, the checksum is reused."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns
