"""The indented JSON of the sidecars and catalogues is byte for byte the standard library's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audioarchive.common.jsontext import dumps_indented

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_KEYS = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
DATA = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(_KEYS, inner, max_size=4)
    ),
    max_leaves=30,
)


@given(DATA)
def test_the_same_text_as_json_dumps(data: Any) -> None:
    assert dumps_indented(data) == json.dumps(data, indent=2, ensure_ascii=False)


@given(st.recursive(_SCALARS, lambda inner: st.dictionaries(st.text(), inner, max_size=4)))
def test_sorted_keys_as_json_dumps(data: Any) -> None:
    expected = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    assert dumps_indented(data, sort_keys=True) == expected


def test_a_record_with_text_in_every_script() -> None:
    data = {"titre": "Séance « budget » \u2028 </script>", "n": [1, 2.5, -0.0, 1e16], "x": {}}
    assert dumps_indented(data) == json.dumps(data, indent=2, ensure_ascii=False)


def test_what_json_cannot_write_is_refused() -> None:
    with pytest.raises(TypeError, match="set"):
        dumps_indented({"a": {1, 2}})
