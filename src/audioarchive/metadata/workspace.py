"""``init``: create a workspace from the commented templates shipped with the package."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from audioarchive.common.text import sha256_file
from audioarchive.errors import InputError
from audioarchive.metadata.session import EXAMPLE_SESSION_ID, Workspace

TEMPLATE_ROOT = "templates/workspace"
PLACEHOLDER_ARTWORK = "metadata/artwork.png"
#: What the organiser replaces or deletes after ``init`` (relative paths, what to do).
AFTER_INIT = (
    ("metadata/podcast.yaml", "replace every value with your show's"),
    (PLACEHOLDER_ARTWORK, "replace with your own square artwork (1400 to 3000 px)"),
    ("audioarchive.toml", "set [site] base_url, and [storage] to publish to a bucket"),
    (
        f"metadata/sessions/{EXAMPLE_SESSION_ID}.yaml",
        "an example: copy it to metadata/sessions/<your-meeting-id>.yaml, then delete it",
    ),
)


@dataclass(frozen=True)
class InitReport:
    root: Path
    created: tuple[str, ...]
    kept: tuple[str, ...]  # already there: never overwritten


def init_workspace(target: Path) -> InitReport:
    """Write the workspace templates into ``target``; never overwrite an existing file."""
    if target.exists() and not target.is_dir():
        raise InputError(
            f"{target}: exists and is not a folder; expected a folder for the workspace"
        )
    created: list[str] = []
    kept: list[str] = []
    template = resources.files("audioarchive").joinpath(TEMPLATE_ROOT)
    for relpath, source in sorted(_walk(template, "")):
        dest = (
            target / relpath.replace("dot-", ".", 1)
            if relpath.startswith("dot-")
            else target / relpath
        )
        name = dest.relative_to(target).as_posix()
        if dest.exists():
            kept.append(name)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(source.read_bytes())
        created.append(name)
    for folder in ("recordings",):
        (target / folder).mkdir(parents=True, exist_ok=True)
    return InitReport(target.resolve(), tuple(created), tuple(kept))


def leftovers(workspace: Workspace) -> tuple[str, ...]:
    """Reminders while ``init``'s example session or placeholder artwork are still in use."""
    found: list[str] = []
    paths = workspace.paths
    if workspace.example is not None:
        found.append(
            f"{paths.rel(workspace.example.source)}: the example session of 'audioarchive init' "
            "is still there; it is never published: copy it to a file named after your "
            "meeting's id, then delete it"
        )
    placeholder = _placeholder_digest()
    artworks = [(workspace.show.artwork, "podcast.yaml: artwork")]
    artworks += [(s.artwork, f"{s.id}: artwork") for s in workspace.sessions if s.artwork]
    for path, where in artworks:
        if path.is_file() and sha256_file(path) == placeholder:
            found.append(
                f"{where}: {paths.rel(path)} is still the placeholder of 'audioarchive init'; "
                "replace it with your own square artwork (1400 to 3000 px)"
            )
    return tuple(found)


def _placeholder_digest() -> str:
    data = resources.files("audioarchive").joinpath(TEMPLATE_ROOT, PLACEHOLDER_ARTWORK)
    return hashlib.sha256(data.read_bytes()).hexdigest()


def _walk(node: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for child in node.iterdir():
        relpath = f"{prefix}{child.name}"
        if child.is_dir():
            found.extend(_walk(child, f"{relpath}/"))
        elif not child.name.endswith((".pyc", ".pyo")):
            found.append((relpath, child))
    return found
