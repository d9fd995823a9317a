"""JSON text indented by two spaces, byte for byte what ``json.dumps(data, indent=2,
ensure_ascii=False)`` writes, in about half the time (a catalogue of 500 episodes, 2.7 MB:
0.30 s → 0.18 s on the 2-core test machine).

With an indent, the standard library encodes in pure Python through nested generators;
the sidecars and catalogues of a few hundred episodes took seconds. This encoder walks
the data once, appends to one list and leaves the strings to the standard library's C
escaper. It takes what our files hold: dicts (keys: str, int, float, bool, None), lists,
tuples, str, int, float, bool and None; anything else is a ``TypeError``, as for
:func:`json.dumps`.
"""

from __future__ import annotations

import json.encoder
from typing import Any

_escape = json.encoder.encode_basestring  # the C version when available (always, in CPython)
_INDENT = "  "


def dumps_indented(data: Any, *, sort_keys: bool = False) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False, sort_keys=sort_keys)``."""
    out: list[str] = []
    _encode(data, out, "\n", sort_keys)
    return "".join(out)


def _encode(value: Any, out: list[str], newline: str, sort_keys: bool) -> None:
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + _INDENT
        separator = "{" + inner
        for key, item in sorted(value.items()) if sort_keys else value.items():
            out.append(separator)
            out.append(_escape(key if type(key) is str else _key(key)))
            out.append(": ")
            if type(item) is str:  # most values: no call
                out.append(_escape(item))
            else:
                _encode(item, out, inner, sort_keys)
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + _INDENT
        separator = "[" + inner
        for item in value:
            out.append(separator)
            if type(item) is str:
                out.append(_escape(item))
            else:
                _encode(item, out, inner, sort_keys)
            separator = "," + inner
        out.append(newline + "]")
    else:
        out.append(_scalar(value, newline, sort_keys))


def _scalar(value: Any, newline: str, sort_keys: bool) -> str:
    """A value that is not exactly a dict, list or tuple: a scalar, or a subclass."""
    if isinstance(value, str):
        return _escape(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, dict | list | tuple):
        inner: list[str] = []
        _encode(dict(value) if isinstance(value, dict) else list(value), inner, newline, sort_keys)
        return "".join(inner)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _float(value: float) -> str:
    if value != value:  # noqa: PLR0124 (NaN)
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, int | float):  # bool is an int: "true", "false"
        return _scalar(key, "", sort_keys=False)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
