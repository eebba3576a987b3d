"""CSV conversion: the fast column path writes exactly what the csv module writes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import pickle
import threading
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidType
from gdprkit.export._values import CsvSpool, encode_json

_CELLS = st.one_of(
    st.text(alphabet=st.sampled_from('ab ,"\r\nëž\\.')),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
    st.booleans(),
)


def _spooled(records: list[dict[str, Any]], batch: int) -> bytes:
    spool_file = io.BytesIO()
    spool = CsvSpool(spool_file)
    for start in range(0, len(records), batch):
        spool.add(records[start : start + batch])
    return b"".join(spool.chunks())


@given(
    width=st.integers(1, 4),
    rows=st.lists(st.lists(_CELLS, min_size=4, max_size=4), min_size=1, max_size=12),
    batch=st.integers(1, 5),
)
def test_flat_rows_match_the_csv_module(width: int, rows: list[list[Any]], batch: int) -> None:
    keys = [f"c{i}" for i in range(width)]
    records = [dict(zip(keys, row, strict=False)) for row in rows]
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(keys)
    for record in records:
        writer.writerow(
            ["true" if v is True else "false" if v is False else v for v in record.values()]
        )
    assert _spooled(records, batch).decode("utf-8") == expected.getvalue()


@given(rows=st.lists(st.lists(_CELLS, min_size=3, max_size=3), min_size=1, max_size=8))
def test_every_row_parses_back_to_its_cells(rows: list[list[Any]]) -> None:
    records = [{"a": r[0], "b": {"c": r[1]}, "d.e": r[2]} for r in rows]
    parsed = list(csv.reader(io.StringIO(_spooled(records, 3).decode(), newline="")))
    assert parsed[0] == ["a", "b.c", "d\\.e"]
    for record, row in zip(records, parsed[1:], strict=True):
        values = [record["a"], record["b"]["c"], record["d.e"]]
        expected = [
            ""
            if v is None
            else "true"
            if v is True
            else "false"
            if v is False
            else (repr(v) if isinstance(v, float) else str(v))
            for v in values
        ]
        assert row == expected


def test_an_encoding_error_does_not_poison_the_next_record() -> None:
    record = {"a": [{"b": object()}]}
    for _ in range(2):  # the same containers again: an error, not "circular reference"
        with pytest.raises(InvalidType, match="object, not JSON"):
            encode_json(record)
    assert encode_json({"a": [1]}) == '{"a":[1]}'


def test_other_sequences_are_compact_json_in_csv_cells() -> None:
    spool = CsvSpool(io.BytesIO())
    spool.add([{"r": range(3), "t": (1, "x")}])
    assert b"".join(spool.chunks()).decode() == 'r,t\r\n"[0,1,2]","[1,""x""]"\r\n'


@given(
    records=st.lists(
        st.dictionaries(
            st.sampled_from(["a", "b", "c.d", "e"]),
            _CELLS | st.dictionaries(st.sampled_from(["x", "y"]), _CELLS, max_size=2),
            max_size=4,
        ),
        max_size=12,
    ),
    batch=st.integers(1, 4),
    cut=st.integers(0, 12),
)
def test_a_spool_resumed_from_its_snapshot_writes_the_same_bytes(
    records: list[dict[str, Any]], batch: int, cut: int
) -> None:
    batches = [records[i : i + batch] for i in range(0, len(records), batch)]
    whole = CsvSpool(io.BytesIO())
    for part in batches:
        whole.add(part)
    spool_file = io.BytesIO()
    first = CsvSpool(spool_file)
    for part in batches[:cut]:
        first.add(part)
    state = pickle.loads(pickle.dumps(first.snapshot()))  # noqa: S301 - as it crosses the pipe
    second = CsvSpool.resume(spool_file, state)
    for part in batches[cut:]:
        second.add(part)
    assert b"".join(second.chunks()) == b"".join(whole.chunks())
    assert second.json_schema() == whole.json_schema()


def test_encode_json_is_safe_from_many_threads_with_errors_among_them() -> None:
    good = {"a": [{"b": dt.date(2025, 1, 2)}, Decimal("1.5")]}
    bad = {"a": [{"b": object()}]}
    wrong: list[str] = []

    def work() -> None:
        for i in range(3000):
            try:
                text = encode_json(bad if i % 3 == 0 else good)
            except InvalidType:
                if i % 3:
                    wrong.append("a good record failed")
                continue
            if text != '{"a":[{"b":"2025-01-02"},"1.5"]}':
                wrong.append(text)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
