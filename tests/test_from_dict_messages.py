"""``from_dict`` never repeats an unexpected key, and missing keys are typed errors.

Issue 19, item 15: ``RequestEvent.from_dict({"alice@example.com": 1})`` put the address in the
error message (which ends up in logs and error trackers), and ``SubjectRequest.from_dict``
without ``received`` raised a bare ``KeyError``.  The same echo was in the legal hold, erasure
blocker, retention rule and breach record readers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprkit.breach import BreachRecord
from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.requests import RequestEvent, SubjectRequest
from gdprkit.retention import ErasureBlocker, LegalHold, RetentionRule
from gdprkit.testing import strategies as gst

PERSONAL = "alice.example@example.com"

READERS: dict[str, tuple[Callable[[Any], object], st.SearchStrategy[Any]]] = {
    "subject request": (SubjectRequest.from_dict, gst.subject_requests()),
    "breach record": (BreachRecord.from_dict, gst.breach_records()),
    "legal hold": (LegalHold.from_dict, gst.legal_holds()),
    "erasure blocker": (ErasureBlocker.from_dict, gst.erasure_blockers()),
    "retention rule": (RetentionRule.from_dict, gst.retention_rules()),
}


def test_a_request_event_with_a_personal_key_does_not_echo_it() -> None:
    with pytest.raises(InvalidInput) as info:
        RequestEvent.from_dict({PERSONAL: 1})
    assert "alice" not in str(info.value)
    assert "unknown key" in str(info.value)
    with pytest.raises(InvalidInput, match="missing required key"):
        RequestEvent.from_dict({"kind": "extended"})
    with pytest.raises(InvalidType):
        RequestEvent.from_dict(["kind", "at"])  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["id", "right", "received", "channel"])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_a_subject_request_without_a_required_key_is_a_typed_error(
    key: str, data: st.DataObject
) -> None:
    request = data.draw(gst.subject_requests())
    record = request.to_dict()
    del record[key]
    with pytest.raises(InvalidInput, match=key):
        SubjectRequest.from_dict(record)


@pytest.mark.parametrize("name", sorted(READERS))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_no_reader_echoes_an_unknown_key(name: str, data: st.DataObject) -> None:
    read, values = READERS[name]
    record = data.draw(values).to_dict()
    if name == "subject request":  # unknown keys are tolerated there; its events are not
        record["events"] = [{PERSONAL: "x"}]
    else:
        record[PERSONAL] = "x"
    with pytest.raises(InvalidInput) as info:
        read(record)
    assert "alice" not in str(info.value)
