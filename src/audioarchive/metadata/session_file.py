"""Round-trip editing of the files a person writes (session files): the one home of ruamel.yaml.

The loader (:mod:`audioarchive.metadata.session`) reads YAML with PyYAML's safe loader and
validates it.
This module *writes* those files for a person, so that what the tool adds reads as if they had
typed it, and nothing they typed is lost:

- :func:`update_session_file` sets keys in an existing file and keeps its comments, its key
  order, its quoting and its flow or block style; a new key goes where it belongs in the
  reference's order (``SESSION_KEYS``), after the keys that precede it;
- :func:`write_session_file` creates a new file with a comment header;
- every free text the tool writes is double-quoted, so a French title with " : " stays one
  value; a text of several lines is written as a literal block (``|``);
- every write is atomic (:func:`audioarchive.common.writing.write_atomic`).

A later editor (the "studio") uses the same functions, so edits made there keep the file as the
person wrote it too.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    PlainScalarString,
)

from audioarchive.common.writing import write_atomic
from audioarchive.errors import InputError
from audioarchive.metadata.session import SESSION_KEYS


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


#: A value for :func:`update_session_file` that removes the key.
REMOVE: Final = _Remove()
#: Keys whose text values are identifiers, not free text: written plain (never quoted).
PLAIN_KEYS = frozenset({"id", "license", "episode_type"})


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line the person wrote on one line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_session_document(path: Path) -> CommentedMap:
    """The round-trip document of a session file (a mapping that remembers its comments)."""
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; expected a session file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; expected a YAML file in UTF-8") from None
    try:
        data = _yaml().load(text)
    except YAMLError as err:
        raise InputError(
            f"{path}: invalid YAML; expected YAML syntax",
            hint="'audioarchive validate' shows the line and how to fix it",
        ) from err
    if data is None:
        return CommentedMap()
    if not isinstance(data, CommentedMap):
        raise InputError(f"{path}: expected a mapping of keys")
    return data


def update_session_file(path: Path, changes: Mapping[str, Any]) -> bool:
    """Set each key of ``changes`` in the session file at ``path`` (``REMOVE`` removes it).

    Comments, key order, quotes and styles of everything else are kept; an existing key keeps
    its place and its end-of-line comment; a new key is inserted after the last key that comes
    before it in the reference's order. Returns whether the file changed.
    """
    document = load_session_document(path)
    for key, value in changes.items():
        if value is REMOVE:
            document.pop(key, None)
        elif key in document:
            document[key] = to_yaml_value(key, value)
        else:
            document.insert(_position(document, key), key, to_yaml_value(key, value))
    return write_atomic(path, dump_document(document).encode("utf-8"))


def write_session_file(path: Path, fields: Mapping[str, Any], header: Sequence[str] = ()) -> None:
    """Create the session file at ``path`` (refused when it exists) with ``fields`` in order."""
    if path.exists():
        raise InputError(f"{path}: already exists; expected a new session file")
    document = CommentedMap()
    for key, value in fields.items():
        document[key] = to_yaml_value(key, value)
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header)
    write_atomic(path, (comments + dump_document(document)).encode("utf-8"))


def dump_document(document: CommentedMap) -> str:
    stream = io.StringIO()
    _yaml().dump(document, stream)
    return stream.getvalue()


def to_yaml_value(key: str, value: Any) -> Any:
    """``value`` as the tool writes it: free text double-quoted, dates in ISO 8601 unquoted,
    lists of texts in flow style (``[a, b]``), mappings of one line in flow style too."""
    if isinstance(value, datetime):
        # ruamel writes the timestamp as it read it: ISO 8601 with its "T", unquoted
        return _yaml().load(value.isoformat())
    if isinstance(value, str):
        if "\n" in value.strip("\n") and _fits_a_block(value):
            return LiteralScalarString(value.strip("\n") + "\n")
        if key in PLAIN_KEYS:
            return PlainScalarString(value)
        return DoubleQuotedScalarString(value)
    if isinstance(value, Mapping):
        mapping = CommentedMap((k, to_yaml_value(str(k), v)) for k, v in value.items())
        mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list | tuple):
        items = CommentedSeq(to_yaml_value(key, v) for v in value)
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            items.fa.set_flow_style()
        return items
    return value


def _fits_a_block(text: str) -> bool:
    """Whether a literal block (``|``) carries ``text`` unchanged: no character that YAML reads
    as a line break (NEL, U+2028, U+2029) or cannot hold unescaped (controls, surrogates, BOM),
    and no space or tab at its start or end (the block's indentation and chomping would
    change them).
    Otherwise the text is double-quoted, where every character can be escaped."""
    if any(
        (unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t")
        or c in "\x85\u2028\u2029\ufeff\ufffe\uffff"
        for c in text
    ):
        return False
    body = text.strip("\n")
    return not body.startswith((" ", "\t")) and not body.endswith((" ", "\t"))


def _position(document: CommentedMap, key: str) -> int:
    """Where a new ``key`` goes: after the keys that precede it in ``SESSION_KEYS``."""
    if key not in SESSION_KEYS:
        return len(document)
    before = set(SESSION_KEYS[: SESSION_KEYS.index(key)])
    position = 0
    for index, existing in enumerate(document):
        if existing in before:
            position = index + 1
    return position
