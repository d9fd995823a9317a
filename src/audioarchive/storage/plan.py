"""What a publish must do: the local tree, compared with the manifest and the remote listing.

Pure functions over plain data, so that every case is tested without a server.
An object is unchanged when the manifest says we put exactly these bytes there
(same SHA-256 and size) and the listing still shows the ETag we got back; when
the manifest cannot tell (lost, or the object changed behind our back) one HEAD
compares the object's SHA-256 metadata instead.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from audioarchive._version import __version__
from audioarchive.common.mediatypes import IMMUTABLE, cache_control, media_type
from audioarchive.common.text import sha256_file
from audioarchive.common.writing import TEMP_PREFIX
from audioarchive.storage.manifest import LocalHash, Manifest

Phase = Literal["media", "pages", "feed"]
PHASES: tuple[Phase, ...] = ("media", "pages", "feed")
Action = Literal[
    "upload",  # new key
    "replace",  # the key exists with other bytes or headers
    "unchanged",
    "adopt",  # already there with the right bytes, unknown to the manifest: recorded
    "delete",  # no longer in the tree: removed after the feed
    "keep",  # not ours (or on the private target): left alone
    "check",  # needs a HEAD to decide between unchanged/adopt and replace
    "check_remote",  # a remote-only object unknown to the manifest: ours or not?
]
#: Metadata keys (x-amz-meta-*) on every object we put.
META_SHA256 = "sha256"
META_MARKER = "audioarchive"


@dataclass(frozen=True)
class LocalFile:
    relpath: str  # path in the tree (feed/ or archive/), "/"-separated
    path: Path
    size: int
    sha256: str
    content_type: str
    cache_control: str | None  # None on the private target
    phase: Phase


@dataclass(frozen=True)
class RemoteObject:
    """One line of the bucket listing."""

    key: str
    size: int
    etag: str


@dataclass(frozen=True)
class RemoteHead:
    """What a HEAD of one object says."""

    size: int
    etag: str
    content_type: str
    cache_control: str | None
    sha256: str | None
    ours: bool  # carries our marker metadata


@dataclass(frozen=True)
class Change:
    relpath: str
    key: str
    action: Action
    reason: str = ""
    local: LocalFile | None = None
    size: int = 0
    etag: str = ""  # the remote ETag, when known

    @property
    def sends(self) -> bool:
        return self.action in ("upload", "replace")


@dataclass(frozen=True)
class ObjectHeaders:
    content_type: str
    cache_control: str | None
    sha256: str
    acl: str | None

    def put_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {
            "ContentType": self.content_type,
            "Metadata": {META_SHA256: self.sha256, META_MARKER: __version__},
        }
        if self.cache_control:
            args["CacheControl"] = self.cache_control
        if self.acl:
            args["ACL"] = self.acl
        return args


#: Reason of a forecast file whose name is its content's hash, unknown before rendering.
PENDING_NAME = "<hash>"
PENDING_REASON = "new audio: named by its content once rendered"
REBUILT_REASON = "rebuilt: it names the new media"


@dataclass(frozen=True)
class Forecast:
    """What the build a dry run skips would change in ``feed/`` (see ``publish --dry-run``).

    ``add``: media the build will write (relpath: size, SHA-256; an empty SHA-256 when the
    audio is rendered again and the name holds :data:`PENDING_NAME`); ``drop``: media it
    will replace; ``rebuilt``: pages and feeds that will name the new media.
    """

    add: Mapping[str, tuple[int, str]]
    drop: frozenset[str] = frozenset()
    rebuilt: frozenset[str] = frozenset()

    def apply(self, local: dict[str, LocalFile], *, public: bool) -> dict[str, LocalFile]:
        out = {k: v for k, v in local.items() if k not in self.drop}
        for relpath, (size, sha256) in self.add.items():
            out[relpath] = LocalFile(
                relpath=relpath,
                path=Path(relpath),  # never read: a dry run sends nothing
                size=size,
                sha256=sha256,
                content_type=media_type(relpath),
                cache_control=cache_control(relpath) if public else None,
                phase=phase_of(relpath),
            )
        return out

    def explain(self, changes: Iterable[Change]) -> list[Change]:
        """Say why forecast objects change: a pending name, a page that names new media."""
        out = []
        for change in changes:
            if change.relpath in self.add and not self.add[change.relpath][1]:
                out.append(replace(change, action="upload", reason=PENDING_REASON))
            elif change.relpath in self.rebuilt and change.action == "unchanged":
                out.append(replace(change, action="replace", reason=REBUILT_REASON))
            else:
                out.append(change)
        return out


def phase_of(relpath: str) -> Phase:
    """Content-addressed media and images first, then pages and JSON, the feeds last."""
    if cache_control(relpath) == IMMUTABLE:
        return "media"
    if PurePosixPath(relpath).suffix.lower() == ".xml":
        return "feed"
    return "pages"


def scan_tree(root: Path, hashes: dict[str, LocalHash], *, public: bool) -> dict[str, LocalFile]:
    """Every file under ``root`` with its checksum; ``hashes`` is the cache, updated in place.

    Files and links to files, in every folder but linked ones; names starting with a dot or
    the temporary prefix are left out."""
    files: dict[str, LocalFile] = {}
    if not root.is_dir():
        hashes.clear()
        return files
    seen: set[str] = set()
    for relpath, entry in sorted(_tree_files(str(root), ""), key=lambda f: f[0].split("/")):
        info = entry.stat()
        size, mtime_ns = info.st_size, info.st_mtime_ns
        path = Path(entry.path)
        cached = hashes.get(relpath)
        if cached is None or (cached.size, cached.mtime_ns) != (size, mtime_ns):
            cached = LocalHash(size, mtime_ns, sha256_file(path))
            hashes[relpath] = cached
        seen.add(relpath)
        content_type, cache_rule, phase = _headers(PurePosixPath(entry.name).suffix)
        files[relpath] = LocalFile(
            relpath=relpath,
            path=path,
            size=size,
            sha256=cached.sha256,
            content_type=content_type,
            cache_control=cache_rule if public else None,
            phase=phase,
        )
    for stale in set(hashes) - seen:
        del hashes[stale]
    return files


def _tree_files(folder: str, prefix: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(relative path, entry) of the files under ``folder`` (os.scandir: thousands of files,
    no Path object for each)."""
    try:
        with os.scandir(folder) as found:
            entries = list(found)
    except PermissionError:  # as pathlib's glob: a folder that cannot be read is left out
        return
    for entry in entries:
        relpath = prefix + entry.name
        if entry.is_dir() and not entry.is_symlink():
            yield from _tree_files(entry.path, relpath + "/")
        elif entry.is_file() and not entry.name.startswith((TEMP_PREFIX, ".")):
            yield relpath, entry


@functools.cache
def _headers(suffix: str) -> tuple[str, str, Phase]:
    """Media type, cache rule and phase of the files with this suffix."""
    name = f"file{suffix}"
    return media_type(name), cache_control(name), phase_of(name)


def plan_changes(
    local: Mapping[str, LocalFile],
    manifest: Manifest,
    remote: Mapping[str, RemoteObject],
    *,
    key_of: Callable[[str], str],
    allow_delete: bool,
    force: bool = False,
) -> list[Change]:
    """Compare; objects that need a HEAD to decide come out as ``check``/``check_remote``."""
    changes: list[Change] = []
    for relpath, file in sorted(local.items()):
        key = key_of(relpath)
        changes.append(_plan_one(file, key, manifest, remote.get(relpath), force=force))
    for relpath, obj in sorted(remote.items()):
        if relpath in local:
            continue
        if not allow_delete:
            changes.append(Change(relpath, obj.key, "keep", "not in the tree", size=obj.size))
        elif relpath in manifest.objects:
            changes.append(Change(relpath, obj.key, "delete", "no longer published", size=obj.size))
        else:
            changes.append(Change(relpath, obj.key, "check_remote", size=obj.size, etag=obj.etag))
    return changes


def _plan_one(
    file: LocalFile, key: str, manifest: Manifest, obj: RemoteObject | None, *, force: bool
) -> Change:
    def change(action: Action, reason: str) -> Change:
        return Change(file.relpath, key, action, reason, file, file.size, obj.etag if obj else "")

    if obj is None:
        return change("upload", "new")
    if force:
        return change("replace", "--force")
    entry = manifest.objects.get(file.relpath)
    if entry is None or entry.etag != obj.etag or entry.size != obj.size or entry.key != key:
        return change("check", "not in the manifest" if entry is None else "changed remotely")
    if entry.sha256 != file.sha256 or entry.size != file.size:
        return change("replace", "new content")
    if (entry.content_type, entry.cache_control) != (file.content_type, file.cache_control):
        return change("replace", "new headers")
    return change("unchanged", "")


def resolve_checks(
    changes: Iterable[Change], head: Callable[[str], RemoteHead | None]
) -> list[Change]:
    """Turn every ``check`` into unchanged/adopt/replace, and ``check_remote`` into delete/keep."""
    out = []
    for change in changes:
        if change.action == "check":
            out.append(_resolve_local(change, head(change.key)))
        elif change.action == "check_remote":
            found = head(change.key)
            if found is None:
                continue  # gone meanwhile
            if found.ours:
                out.append(replace(change, action="delete", reason="left by an earlier publish"))
            else:
                out.append(replace(change, action="keep", reason="not put by audioarchive"))
        else:
            out.append(change)
    return out


def _resolve_local(change: Change, found: RemoteHead | None) -> Change:
    file = change.local
    if file is None:  # a "check" always has its local file
        return change
    if found is None:
        return replace(change, action="upload", reason="new")
    if found.sha256 != file.sha256 or found.size != file.size:
        return replace(change, action="replace", reason="different content", etag=found.etag)
    if (found.content_type, found.cache_control) != (file.content_type, file.cache_control):
        return replace(change, action="replace", reason="new headers", etag=found.etag)
    return replace(change, action="adopt", reason="already there", etag=found.etag)
