"""``init``: create a workspace from the commented templates shipped with the package."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from audioarchive.errors import InputError

TEMPLATE_ROOT = "templates/workspace"


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


def _walk(node: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for child in node.iterdir():
        relpath = f"{prefix}{child.name}"
        if child.is_dir():
            found.extend(_walk(child, f"{relpath}/"))
        elif not child.name.endswith((".pyc", ".pyo")):
            found.append((relpath, child))
    return found
