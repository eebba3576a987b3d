"""gdprkit._json.canonical_json: exactly json.dumps' canonical form, built faster."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit._json import canonical_json

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=25,
)


def _reference(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


@given(_JSON)
def test_same_bytes_as_json_dumps(value: Any) -> None:
    assert canonical_json(value) == _reference(value)


@given(st.dictionaries(st.text(max_size=4), st.integers(), max_size=6))
def test_key_order_does_not_change_the_bytes(value: dict[str, int]) -> None:
    assert canonical_json(dict(reversed(list(value.items())))) == canonical_json(value)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {"a": [float("-inf")]}])
def test_nan_and_infinity_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        canonical_json(bad)


@pytest.mark.parametrize("bad", [object(), {"a": {1, 2}}, b"bytes"])
def test_non_json_values_are_refused(bad: object) -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        canonical_json(bad)
