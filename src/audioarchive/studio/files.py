"""Session files written back as the person wrote them: comments, key order, quoting kept.

The studio never re-serialises a whole file: it loads it with ruamel.yaml's round-trip
loader, changes only the values that differ (in place, item by item in lists), and writes
it atomically. A file whose bytes changed since the page was loaded is not overwritten
(:class:`FileChangedError`). ruamel.yaml lives in this module only.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from audioarchive.errors import InputError
from audioarchive.text import sha256_bytes
from audioarchive.writing import write_atomic

#: Deleting a key: pass this as its new value.
REMOVE = None


class FileChangedError(InputError):
    """The file changed on disk since the person loaded it: their edit would overwrite that."""


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes ("" when it does not exist): what the page was loaded from."""
    try:
        return sha256_bytes(path.read_bytes())
    except FileNotFoundError:
        return ""


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def render_update(text: str, changes: Mapping[str, Any], label: str) -> str:
    """``text`` with ``changes`` applied (a ``None`` value removes the key), all else kept."""
    yaml = _yaml()
    try:
        data = yaml.load(text) if text.strip() else CommentedMap()
    except YAMLError as err:
        raise InputError(f"{label}: invalid YAML; fix it by hand first ({err})") from err
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise InputError(f"{label}: expected a mapping of keys at the top of the file")
    _merge_map(data, changes)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def update_session_file(
    path: Path, changes: Mapping[str, Any], *, expected: str | None = None, label: str = ""
) -> bool:
    """Apply ``changes`` to the session file at ``path``; return whether its bytes changed.

    ``expected`` is the file's digest when the person loaded it (:func:`file_digest`):
    if the file has changed since, nothing is written and :class:`FileChangedError` says so.
    """
    label = label or path.name
    current = path.read_bytes() if path.exists() else b""
    if expected is not None and sha256_bytes(current) != expected:
        raise FileChangedError(
            f"{label} was changed by someone else (or by hand) since you opened it; "
            "your changes were not saved",
            hint="reload the page to see the file as it is now, then make your changes again",
        )
    text = current.decode("utf-8").removeprefix("\ufeff")
    new = render_update(text, changes, label)
    return write_atomic(path, new.encode("utf-8"))


def _merge_map(node: CommentedMap, changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if value is REMOVE:
            if key in node:
                del node[key]
        elif key in node:
            node[key] = _merge(node[key], value)
        else:
            node[key] = _plain(value)


def _merge(old: Any, new: Any) -> Any:
    """``new``, reusing ``old``'s nodes where they hold the same thing (comments stay)."""
    if isinstance(old, CommentedMap) and isinstance(new, Mapping):
        _merge_map(old, new)  # keys it does not name stay as they are
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        for index, value in enumerate(new):
            if index < len(old):
                old[index] = _merge(old[index], value)
            else:
                old.append(_plain(value))
        del old[len(new) :]
        return old
    if _same(old, new):
        return old  # keeps its quoting and style
    return _plain(new)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if isinstance(old, str) != isinstance(new, str):
        return False
    return bool(old == new)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        out = CommentedMap()
        for key, item in value.items():
            if item is not REMOVE:
                out[key] = _plain(item)
        return out
    if isinstance(value, list):
        seq = CommentedSeq(_plain(v) for v in value)
        if all(isinstance(v, str) for v in value) and len(value) <= 8:
            seq.fa.set_flow_style()
        return seq
    return value
