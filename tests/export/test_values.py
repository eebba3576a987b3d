"""CSV conversion: the fast column path writes exactly what the csv module writes."""

from __future__ import annotations

import csv
import io
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gdprkit.export._values import CsvSpool

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
