"""The studio's edits of session files: only what changed, in place, never over a newer file.

Reading and writing go through :mod:`audioarchive.metadata.session_file` (the one home of
ruamel.yaml): comments, key order, quoting and styles are kept, and new values are written
as the tool writes them everywhere. On top of it the studio merges *nested* values item by
item (a speaker's affiliation, one chapter's start), so that a comment inside a list stays
and ``git diff`` shows only the values the person changed; and it refuses to overwrite a
file whose bytes changed since the page was loaded (:class:`FileChangedError`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, MutableMapping, MutableSequence
from pathlib import Path
from typing import Any

from audioarchive.common.text import sha256_bytes
from audioarchive.common.writing import write_atomic
from audioarchive.errors import InputError
from audioarchive.metadata.session import SESSION_KEYS
from audioarchive.metadata.session_file import dump_document, load_session_document, to_yaml_value


class FileChangedError(InputError):
    """The file changed on disk since the person loaded it: their edit would overwrite that."""


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes ("" when it does not exist): what the page was loaded from."""
    try:
        return sha256_bytes(path.read_bytes())
    except FileNotFoundError:
        return ""


def render_update(text: str, changes: Mapping[str, Any], label: str) -> str:
    """``text`` with ``changes`` applied (a ``None`` value removes the key), all else kept."""
    with tempfile.TemporaryDirectory(prefix="audioarchive-studio-") as tmp:
        path = Path(tmp) / "session.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            document = load_session_document(path)
        except InputError as err:
            raise InputError(err.message.replace(str(path), label), hint=err.hint) from err
    _merge_top(document, changes)
    return dump_document(document)


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
    new = render_update(current.decode("utf-8"), changes, label)
    return write_atomic(path, new.encode("utf-8"))


def _merge_top(document: Any, changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        elif key in document:
            document[key] = _merge(key, document[key], value)
        else:
            document.insert(_position(document, key), key, _new(key, value, None))


def _position(document: Mapping[str, Any], key: str) -> int:
    """A new key goes after the keys that precede it in the reference's order."""
    if key not in SESSION_KEYS:
        return len(document)
    before = set(SESSION_KEYS[: SESSION_KEYS.index(key)])
    return max((i + 1 for i, k in enumerate(document) if k in before), default=0)


def _merge_map(node: MutableMapping[str, Any], changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if value is None:
            node.pop(key, None)
        elif key in node:
            node[key] = _merge(key, node[key], value)
        else:
            node[key] = _new(key, value, None)


def _merge(key: str, old: Any, new: Any) -> Any:
    """``new``, reusing ``old``'s nodes where they hold the same thing (comments stay)."""
    if isinstance(old, MutableMapping) and isinstance(new, Mapping):
        _merge_map(old, new)  # keys it does not name stay as they are
        return old
    if isinstance(old, MutableSequence) and isinstance(new, list):
        sibling = next((item for item in old if isinstance(item, MutableMapping)), None)
        for index, value in enumerate(new):
            if index < len(old):
                old[index] = _merge(key, old[index], value)
            else:
                old.append(_new(key, value, sibling))
        del old[len(new) :]
        return old
    if _same(old, new):
        return old  # keeps its quoting and style
    return _new(key, new, None)


def _new(key: str, value: Any, sibling: MutableMapping[str, Any] | None) -> Any:
    """A new value as the tool writes it; a new list item in the block style of its siblings."""
    if isinstance(value, Mapping) and sibling is not None:
        item = type(sibling)()
        for name, inner in value.items():
            if inner is not None:
                item[name] = to_yaml_value(str(name), inner)
        return item
    return to_yaml_value(key, _without_none(value))


def _without_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if isinstance(old, str) != isinstance(new, str):
        return False
    return bool(old == new)
